package dev.provisioning.core.model;

/** hard: run only after the dependency Completed. soft: run once the dependency ended, whatever the outcome. */
public enum DependencyKind { hard, soft }
