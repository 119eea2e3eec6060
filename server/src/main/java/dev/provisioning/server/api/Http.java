package dev.provisioning.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Request and response helpers shared by the services: bounded body reads, strict JSON, query params. */
public final class Http {
    private final long maxBodyBytes;

    public Http(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Reads at most {@code max_body_bytes}; more is a 413 before anything is parsed or stored. */
    public byte[] body(ServerRequest req) {
        return body(req, maxBodyBytes, "server.max_body_bytes");
    }

    /** Reads at most {@code limit} bytes; more is a 413 naming the config key that sets the limit. */
    public byte[] body(ServerRequest req, long limit, String key) {
        Optional<Long> declared = req.headers().contentLength().stream().boxed().findFirst();
        if (declared.isPresent() && declared.get() > limit) throw tooLarge(declared.get(), limit, key);
        if (!req.content().hasEntity()) return new byte[0];
        try (InputStream in = req.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) throw tooLarge(total, limit, key);
                out.write(buf, 0, n);
            }
            SlowClients.bodyRead(req);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as a JSON object; malformed JSON is a 400 naming line and column. */
    public JsonNode jsonObject(ServerRequest req) {
        byte[] b = body(req);
        if (b.length == 0) throw new ProvisioningException(ErrorCode.MALFORMED_JSON, "request body is empty; expected a JSON object", "body");
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n == null || !n.isObject()) throw new ProvisioningException(ErrorCode.MALFORMED_JSON, "request body must be a JSON object", "body");
        return n;
    }

    private static ProvisioningException malformed(JsonProcessingException e) {
        var loc = e.getLocation();
        String where = loc == null ? "body" : "body line " + loc.getLineNr() + " column " + loc.getColumnNr();
        return new ProvisioningException(ErrorCode.MALFORMED_JSON, "malformed JSON at " + where + ": " + e.getOriginalMessage(), where);
    }

    private static ProvisioningException tooLarge(long size, long limit, String key) {
        return new ProvisioningException(ErrorCode.PAYLOAD_TOO_LARGE,
                "request body of " + size + "+ bytes exceeds " + key + " = " + limit, "body");
    }

    public static void json(ServerResponse res, Status status, Object body) {
        jsonText(res, status, Json.write(body));
    }

    /** Sends JSON text that is already written. */
    public static void jsonText(ServerResponse res, Status status, String json) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json);
    }

    public static Optional<String> query(ServerRequest req, String name) {
        return req.query().first(name).asOptional().filter(s -> !s.isBlank());
    }

    public static int intQuery(ServerRequest req, String name, int dflt, int min, int max) {
        Optional<String> v = query(req, name);
        if (v.isEmpty()) return dflt;
        try {
            int i = Integer.parseInt(v.get());
            if (i < min || i > max) throw ApiException.invalid("query." + name, "must be between " + min + " and " + max + ", got " + i);
            return i;
        } catch (NumberFormatException e) {
            throw ApiException.invalid("query." + name, "must be an integer, got '" + v.get() + "'");
        }
    }

    public static String pathParam(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }
}
