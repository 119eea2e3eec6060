package dev.provisioning.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.scheduler.Scheduler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** {@code /health}, {@code /version}, {@code /metrics}. */
public final class SystemService implements Route.Table {
    public static final String VERSION = "0.1.0";
    public static final String API_VERSION = "v1";

    private final Scheduler scheduler;
    private final String storage;
    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final Instant started;

    public SystemService(Scheduler scheduler, String storage, PrometheusMeterRegistry registry, Clock clock) {
        this.scheduler = scheduler;
        this.storage = storage;
        this.registry = registry;
        this.clock = clock;
        this.started = clock.instant();
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/health", this::getHealth),
                Route.get("/version", this::getVersion),
                Route.get("/metrics", this::getMetrics),
                Route.post("/admin/drain", this::postDrain));
    }

    private void getHealth(ServerRequest req, ServerResponse res) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("status", "healthy").put("version", VERSION)
                .put("api_version", API_VERSION).put("storage", storage).put("running_tasks", scheduler.runningCount())
                .put("uptime_seconds", Duration.between(started, clock.instant()).toSeconds())
                .put("draining", scheduler.draining());
        Http.json(res, Status.OK_200, n);
    }

    /** Stops starting work; {@code running_tasks} in /health then counts down to zero. */
    private void postDrain(ServerRequest req, ServerResponse res) {
        scheduler.drain();
        Http.json(res, Status.ACCEPTED_202, Json.MAPPER.createObjectNode().put("draining", true)
                .put("running_tasks", scheduler.runningCount()));
    }

    private void getVersion(ServerRequest req, ServerResponse res) {
        Http.json(res, Status.OK_200, Json.MAPPER.createObjectNode().put("version", VERSION).put("api_version", API_VERSION));
    }

    private void getMetrics(ServerRequest req, ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(registry.scrape());
    }
}
