package dev.provisioning.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where errors become HTTP: {@code {"error":{"code":"E_...","message":"...","where":"..."}}} with
 * the status of the {@link ErrorCode}. Anything that is not a {@link ProvisioningException} is a 500 with
 * {@code E_INTERNAL} and is logged.
 */
public final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {}

    public static void handle(ServerRequest req, ServerResponse res, ProvisioningException e) {
        if (e.code().httpStatus() >= 500) log.error("{} {} failed", req.prologue().method(), req.path().path(), e);
        send(res, e.code(), e.getMessage(), e.where(), e);
    }

    /** Helidon's own request errors (a bad header, a bad URI): their 4xx status, with our JSON body. */
    public static void handleRequest(ServerRequest req, ServerResponse res, io.helidon.http.RequestException e) {
        byStatus(req, res, e.status().code(), e, null);
    }

    /**
     * Helidon's HTTP exceptions (e.g. {@code NotFoundException} for a request no route matches): their 4xx status,
     * except that a path {@code methods} has routes for, asked with another method, is a 405 with {@code Allow}.
     */
    public static void handleHttp(ServerRequest req, ServerResponse res, io.helidon.http.HttpException e, ApiRoutes.Methods methods) {
        byStatus(req, res, e.status().code(), e, methods);
    }

    /** {@code methods}: the route tables, to tell a wrong method (405) from a path no route has (404); null: 404 only. */
    private static void byStatus(ServerRequest req, ServerResponse res, int status, RuntimeException e, ApiRoutes.Methods methods) {
        if (status >= 500) {
            handleOther(req, res, e);
            return;
        }
        ErrorCode code = switch (status) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ErrorCode.BAD_REQUEST;
        };
        if (status == 404) { // no route matches: name the request, not Helidon's "Endpoint not found"
            String method = req.prologue().method().text(), path = req.path().path(), request = method + " " + path;
            java.util.Set<String> allowed = methods == null ? java.util.Set.of() : methods.of(req.path());
            if (!allowed.isEmpty() && !allowed.contains(method)) {
                res.header(HeaderNames.ALLOW, String.join(", ", allowed));
                send(res, ErrorCode.METHOD_NOT_ALLOWED, method + " is not allowed on " + path + "; it allows "
                        + String.join(", ", allowed), request, null);
                return;
            }
            send(res, code, "no route " + request + "; see the REST API in README.md (every route is also under /api/v1)",
                    request, null);
            return;
        }
        send(res, code, "bad request: " + e.getMessage(), null, null);
    }

    public static void handleOther(ServerRequest req, ServerResponse res, Throwable e) {
        log.error("{} {} failed", req.prologue().method(), req.path().path(), e);
        send(res, ErrorCode.INTERNAL, "internal error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), null, null);
    }

    public static void send(ServerResponse res, ErrorCode code, String message, String where, ProvisioningException e) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("code", code.code()).put("message", message);
        if (where != null) err.put("where", where);
        if (e != null && !e.details().isEmpty()) e.details().forEach(err.putArray("details")::add);
        if (res.isSent()) return;
        res.status(Status.create(code.httpStatus()));
        if (code == ErrorCode.UNAUTHORIZED) res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"provisioning\"");
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(body));
    }
}
