package dev.provisioning.server;

import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.config.Config;
import dev.provisioning.core.config.ConfigLoader;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Metrics;
import dev.provisioning.core.port.Runner;
import dev.provisioning.core.port.Store;
import dev.provisioning.core.scheduler.Scheduler;
import dev.provisioning.core.spec.WorkflowSpecParser;
import dev.provisioning.runner.ProcessRunner;
import dev.provisioning.runner.RunnerSettings;
import dev.provisioning.server.api.ApiRoutes;
import dev.provisioning.server.api.Auth;
import dev.provisioning.server.api.Http;
import dev.provisioning.server.api.RateLimit;
import dev.provisioning.server.api.SlowClients;
import dev.provisioning.server.api.Submissions;
import dev.provisioning.server.api.SystemService;
import dev.provisioning.server.api.TaskService;
import dev.provisioning.server.api.WorkflowService;
import dev.provisioning.store.JdbcStore;
import dev.provisioning.store.fault.RetryingStore;
import io.helidon.webserver.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the daemon from a sealed {@link Config}: data dir (lock, token) → store → runner → scheduler → REST.
 * {@link #close()} stops them in reverse order; running attempts are left running (they outlive the daemon).
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Config config;
    private final Clock clock;
    private final java.util.function.UnaryOperator<javax.sql.DataSource> storeWrap;
    private DataDir dataDir;
    private Store store;
    private Runner runner;
    private Scheduler scheduler;
    private WebServer server;
    private SlowClients slowClients;
    private String token;

    public Daemon(Config config, Clock clock) {
        this(config, clock, ds -> ds);
    }

    /**
     * With the SQLite store's transactions going through {@code storeWrap(pool)}: the seam for
     * {@link dev.provisioning.store.fault.FaultInjectingDataSource} in tests.
     */
    public Daemon(Config config, Clock clock, java.util.function.UnaryOperator<javax.sql.DataSource> storeWrap) {
        this.config = config;
        this.clock = clock;
        this.storeWrap = storeWrap;
    }

    public Daemon start() {
        try {
            dataDir = new DataDir(config.storage().dataDir());
            dataDir.open();
            token = dataDir.token();
            // Several daemons may share a PostgreSQL store: their running attempts hold leases (D37).
            Duration lease = config.storage().backend().equals("postgres") ? Duration.ofSeconds(config.storage().leaseSeconds()) : null;
            JdbcStore jdbc = switch (config.storage().backend()) {
                case "postgres" -> JdbcStore.postgres(config.storage().postgresUrl(), config.storage().postgresUser(),
                        config.storage().postgresPassword(), clock).withLeases(lease);
                default -> JdbcStore.sqlite(dataDir.path(), clock, storeWrap, true); // the data dir's lock: the only writer
            };
            ChangeSignal changes = new ChangeSignal();
            jdbc.onWorkflowEnd(changes::workflowEnded);
            // A failed or ambiguous commit is read back and retried (D14).
            store = new NotifyingStore(new RetryingStore(jdbc), changes);
            ActionValidator validator = new ActionValidator(config.nushell().libDirs());
            String host = config.server().host();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Metrics metrics = new MicrometerMetrics(registry);
            // Tasks need the daemon's real address, known only once the server has bound (port 0 picks one),
            // so the runner is created after the bind; nothing starts an attempt before scheduler.start().
            DeferredRunner deferred = new DeferredRunner();
            runner = deferred;
            long aging = config.executor().priorityAgingSeconds();
            scheduler = new Scheduler(store, runner, clock, new Scheduler.Settings(ownerId(dataDir.path()), config.executor().maxConcurrentTasks(),
                    dataDir.path().resolve("runs"), config.pools(), aging == 0 ? null : Duration.ofSeconds(aging), lease), metrics);

            Http http = new Http(config.server().maxBodyBytes());
            Duration timeout = Duration.ofSeconds(config.executor().taskTimeoutSeconds());
            Submissions submissions = new Submissions(validator, timeout, config.executor().maxAttempts());
            WorkflowSpecParser specParser = new WorkflowSpecParser(validator,
                    new WorkflowSpecParser.Defaults(timeout, config.executor().maxAttempts(), config.pools().keySet()));
            Auth auth = new Auth(token, dataDir.readToken(), config.server().requireToken(), !ConfigLoader.isLoopback(host));
            SystemService system = new SystemService(scheduler, config.storage().backend(), registry, clock);
            WorkflowService workflows = new WorkflowService(store, scheduler, submissions, specParser, http, metrics, changes,
                    config.server().maxWorkflowBytes(), Duration.ofSeconds(config.server().sseKeepaliveSeconds()));
            TaskService tasks = new TaskService(store, http);

            slowClients = new SlowClients(Duration.ofSeconds(config.server().readTimeoutSeconds()));
            server = WebServer.builder()
                    .host(host)
                    .port(config.server().port())
                    .maxPayloadSize(Math.max(config.server().maxBodyBytes(), config.server().maxWorkflowBytes()) * 2)
                    .shutdownHook(false)
                    .maxTcpConnections(config.server().maxConnections())
                    .connectionOptions(slowClients.socketOptions(io.helidon.common.socket.SocketOptions.builder()
                            .readTimeout(Duration.ofSeconds(config.server().readTimeoutSeconds())).build()))
                    .idleConnectionTimeout(Duration.ofSeconds(config.server().readTimeoutSeconds()))
                    .idleConnectionPeriod(Duration.ofSeconds(1))
                    .routing(r -> ApiRoutes.configure(r.addFilter(slowClients::filter), new RateLimit(config.server().writeRatePerSecond()), auth, system, workflows, tasks))
                    .build()
                    .start();
            String callbackHost = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
            String endpoint = "http://" + (callbackHost.contains(":") ? "[" + callbackHost + "]" : callbackHost) + ":" + server.port();
            deferred.set(new ProcessRunner(RunnerSettings.from(config, endpoint, token), validator));
            scheduler.start();
            scheduler.wake();
            dataDir.writeDaemonInfo(Json.write(Map.of("pid", ProcessHandle.current().pid(), "host", host, "port", server.port(),
                    "endpoint", endpoint, "started_at", clock.instant().toString(), "data_dir", dataDir.path().toString())));
            log.info("provisioning-orchestrator listening on {} (storage {}, data dir {})", endpoint,
                    config.storage().backend(), dataDir.path());
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public int port() { return server.port(); }

    public String endpoint() { return "http://" + config.server().host() + ":" + server.port(); }

    public String token() { return token; }

    public Store store() { return store; }

    /**
     * This daemon's name as the owner of its attempts: its host and data dir, which hold its run dirs. It stays the
     * same across restarts, so a restarted daemon recognises (and renews the leases of) the attempts it started.
     */
    private static String ownerId(java.nio.file.Path dataDir) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + ":" + dataDir;
    }

    @Override
    public void close() {
        if (server != null) server.stop();
        if (slowClients != null) slowClients.close();
        if (scheduler != null) scheduler.close();
        if (runner != null) runner.close();
        if (store != null) store.close();
        if (dataDir != null) dataDir.close();
    }

    /** Delegates to the real runner once the server has bound its port. */
    private static final class DeferredRunner implements Runner {
        private volatile Runner delegate;

        void set(Runner r) { delegate = r; }

        private Runner runner() {
            Runner r = delegate;
            if (r == null) throw new IllegalStateException("runner not started yet");
            return r;
        }

        @Override
        public RunHandle start(AttemptSpec spec, AttemptListener listener) { return runner().start(spec, listener); }

        @Override
        public RunHandle reattach(AttemptSpec spec, AttemptListener listener) { return runner().reattach(spec, listener); }

        @Override
        public boolean neverStarted(java.nio.file.Path attemptDir) { return runner().neverStarted(attemptDir); }

        @Override
        public java.util.List<Long> stopStrays(java.nio.file.Path runsDir, java.util.Set<java.nio.file.Path> keep) {
            return runner().stopStrays(runsDir, keep);
        }

        @Override
        public void close() {
            Runner r = delegate;
            if (r != null) r.close();
        }
    }
}
