package dev.provisioning.server.api;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds slow clients (slow loris) by {@code server.read_timeout_seconds}. Helidon applies no read timeout to the
 * sockets it accepts, and closes an idle connection only while it waits for a request line, so a client trickling its
 * headers or body a byte at a time would hold a connection (and a {@code max_connections} slot) for ever. Here:
 * <ul>
 *   <li>every accepted socket gets {@code SO_TIMEOUT = read_timeout}: a read that stalls is cut;</li>
 *   <li>a deadline per connection, enforced by a watchdog that closes the socket: a request's headers must be in
 *       within {@code read_timeout} of the connection's accept (or of its previous response), and its body within
 *       {@code read_timeout} of its headers ({@link Http#body} says when the body has been read). Handlers and event
 *       streams run without a deadline.</li>
 * </ul>
 */
public final class SlowClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlowClients.class);
    private static final long NONE = Long.MAX_VALUE;

    private final Duration limit;
    private final Map<SocketAddress, Conn> conns = new ConcurrentHashMap<>();
    private final Thread watchdog;
    private volatile boolean closed;

    private static final class Conn {
        final Socket socket;
        volatile long deadline;

        Conn(Socket socket, long deadline) {
            this.socket = socket;
            this.deadline = deadline;
        }
    }

    public SlowClients(Duration limit) {
        this.limit = limit;
        this.watchdog = Thread.ofPlatform().name("slow-client-watchdog").daemon(true).start(this::watch);
    }

    /** {@code base}, plus the read timeout and the registration of each accepted socket. */
    public SocketOptions socketOptions(SocketOptions base) {
        return new SocketOptions() {
            @Override public Map<SocketOption<?>, Object> socketOptions() { return base.socketOptions(); }
            @Override public Duration connectTimeout() { return base.connectTimeout(); }
            @Override public Duration readTimeout() { return limit; }
            @Override public Optional<Integer> socketReceiveBufferSize() { return base.socketReceiveBufferSize(); }
            @Override public Optional<Integer> socketSendBufferSize() { return base.socketSendBufferSize(); }
            @Override public boolean socketReuseAddress() { return base.socketReuseAddress(); }
            @Override public boolean socketKeepAlive() { return base.socketKeepAlive(); }
            @Override public boolean tcpNoDelay() { return base.tcpNoDelay(); }

            @Override
            public void configureSocket(Socket socket) {
                base.configureSocket(socket);
                try {
                    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, limit.toMillis()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                SocketAddress peer = socket.getRemoteSocketAddress();
                if (peer != null) conns.put(peer, new Conn(socket, deadlineFromNow()));
            }
        };
    }

    private long deadlineFromNow() {
        return System.nanoTime() + limit.toNanos();
    }

    /** The request's headers are in: no deadline but the body's while the handler runs; the next request's after. */
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Conn c = conns.get(req.remotePeer().address());
        if (c == null) {
            chain.proceed();
            return;
        }
        boolean body = req.content().hasEntity();
        c.deadline = body ? deadlineFromNow() : NONE;
        if (body) req.context().register(c);
        try {
            chain.proceed();
        } finally {
            c.deadline = deadlineFromNow();
        }
    }

    /** Called once a request's body has been read: the handler runs on without a deadline. */
    static void bodyRead(ServerRequest req) {
        req.context().get(Conn.class).ifPresent(c -> c.deadline = NONE);
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(Math.max(100, Math.min(500, limit.toMillis() / 4)));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            conns.entrySet().removeIf(e -> {
                Conn c = e.getValue();
                if (c.socket.isClosed()) return true;
                if (c.deadline == NONE || now - c.deadline < 0) return false;
                log.debug("closing slow connection from {}", e.getKey());
                try {
                    c.socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                return true;
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }
}
