package dev.provisioning.server.api;

import dev.provisioning.core.error.ErrorCode;
import io.helidon.http.Method;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client address for writes: {@code rate} per second, bursts of twice that. Reads are not
 * limited. A request over the limit gets 429 {@code E_RATE_LIMITED} before anything is parsed or stored.
 */
public final class RateLimit {
    private final double rate;
    private final double burst;
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>(); // address -> {tokens, lastNanos}

    /** {@code rate} 0 disables the limit. */
    public RateLimit(int rate) {
        this.rate = rate;
        this.burst = 2.0 * rate;
    }

    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Method m = req.prologue().method();
        boolean write = !(m == Method.GET || m == Method.HEAD || m == Method.OPTIONS);
        if (rate > 0 && write && !take(key(req.remotePeer().address()))) {
            res.header(io.helidon.http.HeaderNames.create("Retry-After"), "1");
            ErrorMapper.send(res, ErrorCode.RATE_LIMITED,
                    "more than " + (int) rate + " writes per second from this address (server.write_rate_per_second); retry shortly",
                    "client " + key(req.remotePeer().address()), null);
            return;
        }
        chain.proceed();
    }

    private static String key(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(a);
    }

    private boolean take(String key) {
        if (buckets.size() > 10_000) buckets.clear(); // bounded: forgetting is the lenient direction
        long now = System.nanoTime();
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {burst, now});
        synchronized (b) {
            b[0] = Math.min(burst, b[0] + (now - (long) b[1]) / 1e9 * rate);
            b[1] = now;
            if (b[0] < 1) return false;
            b[0] -= 1;
            return true;
        }
    }
}
