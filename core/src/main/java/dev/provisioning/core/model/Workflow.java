package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A stored workflow. */
public record Workflow(
        String id,
        String name,
        String kind,
        WorkflowState state,
        Priority priority,
        NewWorkflow.OnFailure onFailure,
        int parallelLimit,
        JsonNode request,
        Instant createdAt,
        Instant updatedAt,
        Instant finishedAt) {}
