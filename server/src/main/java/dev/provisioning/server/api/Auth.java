package dev.provisioning.server.api;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Bearer-token check. Writes (anything but GET/HEAD/OPTIONS) always need the token when it is required, and the
 * viewers' read-only token ({@code <data_dir>/token.read}) gets 403 on them;
 * reads need it too when the daemon listens on a non-loopback address.
 */
public final class Auth {
    private final byte[] token;
    private final byte[] readToken;
    private final boolean required;
    private final boolean readsNeedToken;

    /** {@code readToken} is the viewers' token: it passes wherever reads need a token, and gets 403 on writes. */
    public Auth(String token, String readToken, boolean required, boolean readsNeedToken) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.readToken = readToken.getBytes(StandardCharsets.UTF_8);
        this.required = required;
        this.readsNeedToken = readsNeedToken;
    }

    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Method m = req.prologue().method();
        boolean read = m == Method.GET || m == Method.HEAD || m == Method.OPTIONS;
        String path = req.path().path();
        boolean open = path.equals("/health") || path.equals("/version") || path.equals("/api/v1/health") || path.equals("/api/v1/version");
        if (required && !open && (!read || readsNeedToken)) {
            try {
                boolean viewer = check(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
                if (viewer && !read)
                    throw new ProvisioningException(ErrorCode.FORBIDDEN,
                            "the read-only token cannot " + m.text() + " " + path + "; use the token in <data_dir>/token", "header Authorization");
            } catch (ProvisioningException e) {
                ErrorMapper.send(res, e.code(), e.getMessage(), e.where(), e);
                return;
            }
        }
        chain.proceed();
    }

    /** Returns true for the read-only token, false for the full token; throws for anything else. */
    private boolean check(String header) {
        if (header == null)
            throw new ProvisioningException(ErrorCode.UNAUTHORIZED,
                    "missing 'Authorization: Bearer <token>' header; the token is in <data_dir>/token", "header Authorization");
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7))
            throw new ProvisioningException(ErrorCode.UNAUTHORIZED, "Authorization header must use the Bearer scheme", "header Authorization");
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(given, token)) return false;
        if (MessageDigest.isEqual(given, readToken)) return true;
        throw new ProvisioningException(ErrorCode.UNAUTHORIZED, "wrong bearer token", "header Authorization");
    }
}
