package dev.provisioning.server.api;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.List;

/** One row of a service's route table: a method, a path pattern relative to where the service is registered, a handler. */
record Route(Method method, String path, Handler handler) {
    static Route get(String path, Handler handler) { return new Route(Method.GET, path, handler); }

    static Route post(String path, Handler handler) { return new Route(Method.POST, path, handler); }

    /**
     * A service whose routes are a table: {@link #routes()} is registered with Helidon as it is, and read again by
     * {@link ApiRoutes} to answer a known path with the wrong method as 405, naming the methods it has.
     */
    interface Table extends HttpService {
        List<Route> routes();

        @Override
        default void routing(HttpRules rules) {
            for (Route r : routes()) rules.route(r.method(), r.path(), r.handler());
        }
    }
}
