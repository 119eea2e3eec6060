package dev.provisioning.server.api;

import dev.provisioning.core.error.ProvisioningException;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.common.uri.UriPath;
import io.helidon.webserver.http.HttpRouting;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The route table. Every resource is served at its original path and under {@code /api/v1}. Errors become
 * HTTP in {@link ErrorMapper}, and only there: a path that some route has, asked with another method, is a 405
 * naming the methods it has (from the same tables), any other unmatched request a 404.
 */
public final class ApiRoutes {
    private ApiRoutes() {}

    public static void configure(HttpRouting.Builder r, RateLimit rateLimit, Auth auth, SystemService system,
                                 WorkflowService workflows, TaskService tasks) {
        Methods methods = new Methods();
        r.addFilter(rateLimit::filter)
                .addFilter(auth::filter)
                .error(ProvisioningException.class, ErrorMapper::handle)
                .error(io.helidon.http.RequestException.class, ErrorMapper::handleRequest)
                .error(io.helidon.http.HttpException.class, (req, res, e) -> ErrorMapper.handleHttp(req, res, e, methods))
                .error(Exception.class, ErrorMapper::handleOther);
        for (String prefix : new String[] {"", "/api/v1"}) {
            register(r, methods, prefix.isEmpty() ? "/" : prefix, system);
            register(r, methods, prefix + "/workflows", workflows);
            register(r, methods, prefix + "/tasks", tasks);
        }
    }

    /** Serves {@code service}'s routes under {@code mount}, and lets the 405 answer know them. */
    private static void register(HttpRouting.Builder r, Methods methods, String mount, Route.Table service) {
        r.register(mount, service);
        methods.add(mount, service);
    }

    /** The methods each registered path pattern has. */
    static final class Methods {
        private record Entry(PathMatcher path, Method method) {}

        private final List<Entry> entries = new ArrayList<>();

        private void add(String mount, Route.Table service) {
            String base = mount.equals("/") ? "" : mount;
            for (Route route : service.routes())
                entries.add(new Entry(PathMatchers.create(route.path().equals("/") && !base.isEmpty() ? base : base + route.path()),
                        route.method()));
        }

        /** The methods that have a route for {@code path}, in table order; empty when none does. */
        Set<String> of(UriPath path) {
            Set<String> out = new LinkedHashSet<>();
            for (Entry e : entries) if (e.path().match(path).accepted()) out.add(e.method().text());
            return out;
        }
    }
}
