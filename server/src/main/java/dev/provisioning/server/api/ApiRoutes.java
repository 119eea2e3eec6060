package dev.provisioning.server.api;

import dev.provisioning.core.error.ProvisioningException;
import io.helidon.webserver.http.HttpRouting;

/**
 * The route table. Every resource is served at its original path and under {@code /api/v1}. Errors become
 * HTTP in {@link ErrorMapper}, and only there.
 */
public final class ApiRoutes {
    private ApiRoutes() {}

    public static void configure(HttpRouting.Builder r, RateLimit rateLimit, Auth auth, SystemService system,
                                 WorkflowService workflows, TaskService tasks) {
        r.addFilter(rateLimit::filter)
                .addFilter(auth::filter)
                .error(ProvisioningException.class, ErrorMapper::handle)
                .error(io.helidon.http.RequestException.class, ErrorMapper::handleRequest)
                .error(io.helidon.http.HttpException.class, ErrorMapper::handleHttp)
                .error(Exception.class, ErrorMapper::handleOther);
        for (String prefix : new String[] {"", "/api/v1"}) {
            r.register(prefix.isEmpty() ? "/" : prefix, system)
                    .register(prefix + "/workflows", workflows)
                    .register(prefix + "/tasks", tasks);
        }
    }
}
