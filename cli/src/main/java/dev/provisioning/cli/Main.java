package dev.provisioning.cli;

import dev.provisioning.cli.commands.BatchCommand;
import dev.provisioning.cli.commands.ClusterCommand;
import dev.provisioning.cli.commands.CompletionCommand;
import dev.provisioning.cli.commands.EnvCommand;
import dev.provisioning.cli.commands.HelpCommand;
import dev.provisioning.cli.commands.OrchestratorCommand;
import dev.provisioning.cli.commands.ServerCommand;
import dev.provisioning.cli.commands.TaskservCommand;
import dev.provisioning.cli.commands.VersionCommand;
import dev.provisioning.cli.commands.WorkflowCommand;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import dev.provisioning.cli.daemon.DaemonControl;
import dev.provisioning.cli.direct.DirectRunner;
import dev.provisioning.core.config.Config;
import dev.provisioning.core.config.ConfigLoader;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code provisioning}: the root command. Holds the global options (usable before or after any subcommand) and
 * the per-invocation context the subcommands share: the loaded config, the daemon control and the output
 * streams. {@link #commandLine} builds a ready {@link CommandLine} for tests.
 */
@Command(name = "provisioning",
        description = "Provision infrastructure: run Nushell operations directly or through the orchestrator daemon.",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        usageHelpAutoWidth = true,
        footerHeading = "%nExamples:%n",
        footer = {
                "  provisioning orchestrator start",
                "  provisioning server create wuji --orchestrated --wait",
                "  provisioning server list --output json",
                "  provisioning taskserv create kubernetes --server cp-1 --infra prod",
                "  provisioning cluster create wuji --wait",
                "  provisioning batch submit examples/cluster-local.toml",
                "  provisioning env",
                "  provisioning help server create",
                "  provisioning workflow submit examples/cluster-local.toml --wait",
                "  provisioning workflow validate examples/cluster-local.toml",
                "  provisioning workflow list --status Failed",
                "  provisioning workflow cancel 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "",
                "Modes: 'direct' runs nu in this process; 'orchestrated' submits to the daemon.",
                "[execution] in the config decides per operation; --direct and --orchestrated",
                "override it. See cli/README.md."})
public final class Main {
    /**
     * The subcommands, in the order of the help. Added by {@link #commandLine(PrintWriter, PrintWriter, String[])}
     * rather than listed in {@code @Command}, so that a run builds only the branch it uses.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(OrchestratorCommand.class, ServerCommand.class,
            TaskservCommand.class, ClusterCommand.class, WorkflowCommand.class, BatchCommand.class, EnvCommand.class,
            VersionCommand.class, CompletionCommand.class, HelpCommand.class);

    /** Root options that take a value: the word after them is not a command. */
    private static final Set<String> VALUE_OPTIONS = Set.of("--config", "--data-dir", "--endpoint", "-o", "--output");

    /** The install (or checkout) root: {@code bin/}, {@code nulib/}, {@code dist/}. Set by the launcher. */
    public static final String HOME_PROPERTY = "provisioning.home";

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "An extra config file, layered after ~/.config/provisioning/config.toml.")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The data dir (storage.data_dir): pid file, token, daemon.json, local state.")
    Path dataDir;

    @Option(names = "--endpoint", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "The orchestrator URL (orchestrator.endpoint); overrides <data dir>/daemon.json.")
    String endpoint;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Machine output: JSON on stdout (--output json).")
    boolean json;

    /** How results are printed: {@code table} for people, {@code json} or {@code yaml} for programs. */
    public enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "table (default), json or yaml. json and yaml put only the result on stdout.")
    Format output;

    @Option(names = {"-v", "--verbose", "--debug"}, scope = ScopeType.INHERIT,
            description = "Show stack traces of unexpected errors.")
    boolean verbose;

    /** Static: the live progress view of any {@code --wait} reads it; reset to false by every parse. */
    @Option(names = "--no-color", scope = ScopeType.INHERIT, defaultValue = "false",
            description = "No colours in live progress (also when NO_COLOR is set or stdout is not a terminal).")
    static boolean noColor;

    /** {@code --no-color} of this invocation. */
    public static boolean noColor() { return noColor; }

    private PrintWriter out;
    private PrintWriter err;
    private Config config;
    private DaemonControl daemon;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = commandLine(out, err, args).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** A {@code provisioning} command line writing to {@code out} and {@code err}, with the whole command tree. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, SUBCOMMANDS);
    }

    /**
     * A command line for running {@code args}: with only the top-level command they name (and its subcommands),
     * or with the whole tree when they name none, name an unknown one (for the suggestion), ask the root for help,
     * or run {@code help} or {@code completion}. Building the model of a command costs reflection over its
     * classes: {@code workflow status} needs 10 of the 40, and {@code --version} none. It parses and runs
     * {@code args} as the whole tree does.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, String[] args) {
        return commandLine(out, err, branch(args));
    }

    /** The subcommands that {@code args} need; see {@link #commandLine(PrintWriter, PrintWriter, String[])}. */
    static List<Class<?>> branch(String[] args) {
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return i + 1 < args.length ? named(args[i + 1]) : SUBCOMMANDS;
            if (!a.startsWith("-") || a.equals("-")) return named(a);
            if (VALUE_OPTIONS.contains(a)) {
                i++;
            } else if (a.equals("-V") || a.equals("--version")) {
                version = true;
            } else if (!a.startsWith("--") && a.length() > 2 || a.equals("-h") || a.equals("--help")) {
                return SUBCOMMANDS; // clustered short options, or the root's help, which lists every command
            }
        }
        return version ? List.of() : SUBCOMMANDS;
    }

    private static List<Class<?>> named(String word) {
        for (Class<?> c : SUBCOMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (a.name().equals(word) || Arrays.asList(a.aliases()).contains(word))
                return c == HelpCommand.class || c == CompletionCommand.class ? SUBCOMMANDS : List.of(c); // they read the tree
        }
        return SUBCOMMANDS;
    }

    private static CommandLine commandLine(PrintWriter out, PrintWriter err, List<Class<?>> subcommands) {
        Main main = new Main();
        main.out = out;
        main.err = err;
        CommandLine cl = new CommandLine(main);
        for (Class<?> c : subcommands) cl.addSubcommand(c);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(main::onUsageError);
        addExitCodeHelp(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> main.onError(ex));
        return cl;
    }

    /** Every command's help ends with the same exit-code list. */
    private static void addExitCodeHelp(CommandLine cl) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.HELP);
        cl.getSubcommands().values().forEach(Main::addExitCodeHelp);
    }

    // ---- the context shared by the subcommands ------------------------------------------------------------

    public PrintWriter out() { return out; }

    public PrintWriter err() { return err; }

    /** Machine output (JSON or YAML on stdout); human lines then go to stderr. */
    public boolean json() { return format() != Format.table; }

    /** {@code --output}, else {@code json} for {@code --json}, else {@code table}. */
    public Format format() { return output != null ? output : json ? Format.json : Format.table; }

    /** The install root: {@code -Dprovisioning.home}, else (tests) {@code -Dprovisioning.root}, else the cwd. */
    public static Path installRoot() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null || home.isBlank()) home = System.getProperty("provisioning.root");
        return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
    }

    /** The layered config, loaded once per invocation. Invalid config is a usage error (exit 2). */
    public Config config() {
        if (config == null) config = ConfigLoader.load(configSources());
        return config;
    }

    /** The config layers of this invocation: the standard files, {@code --config}, the environment, the flags. */
    public ConfigLoader.Sources configSources() {
        Map<String, String> flags = new LinkedHashMap<>();
        if (dataDir != null) flags.put("storage.data_dir", dataDir.toAbsolutePath().toString());
        if (endpoint != null) flags.put("orchestrator.endpoint", endpoint);
        return ConfigLoader.standardSources(configFile, flags, installRoot());
    }

    public DaemonControl daemon() {
        if (daemon == null) {
            Config c = config();
            daemon = new DaemonControl(installRoot(), c.storage().dataDir(), c.orchestrator().endpoint(), endpoint != null,
                    configFile, Duration.ofSeconds(c.orchestrator().timeoutSeconds()));
        }
        return daemon;
    }

    /**
     * A client of a healthy daemon. When none answers, the endpoint is local and {@code orchestrator.auto_start}
     * is set, starts one first (like {@code orchestrator start}). Throws {@link UnreachableException} otherwise.
     */
    public OrchestratorClient connect() {
        DaemonControl d = daemon();
        OrchestratorClient c = d.client();
        try {
            c.health();
            return c;
        } catch (UnreachableException e) {
            if (!config().orchestrator().autoStart() || !isLocal(d.endpoint())) throw e;
        }
        err.println("orchestrator not running; starting it (orchestrator.auto_start = true)...");
        err.flush();
        DaemonControl.Started s = d.start(START_WAIT);
        err.println("orchestrator " + (s.started() ? "started" : "running") + " at " + s.endpoint()
                + (s.pid() == null ? "" : " (pid " + s.pid() + ")"));
        return d.client();
    }

    /** How long {@code orchestrator start} (and auto-start) waits for {@code GET /health}. */
    public static final Duration START_WAIT = Duration.ofSeconds(30);

    static boolean isLocal(String endpoint) {
        try {
            String host = URI.create(endpoint).getHost();
            return host != null && ConfigLoader.isLoopback(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Runs nulib functions in this process's own {@code nu} (direct mode). */
    public DirectRunner directRunner() {
        Config c = config();
        return new DirectRunner(c.nushell().binary(), c.nushell().libDirs(), c.nushell().envVars(), c.storage().dataDir(),
                Duration.ofSeconds(c.executor().taskTimeoutSeconds()));
    }

    // ---- errors ----------------------------------------------------------------------------------------------

    private int onUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        err.println("error[E_USAGE]: " + UsageErrors.oneLine(ex) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return ExitCode.USAGE;
    }

    private int onError(Exception ex) {
        int code;
        if (ex instanceof CliException c) {
            report(c.code(), c.getMessage(), c.where());
            if (c.detail() != null && !c.detail().isBlank()) c.detail().lines().forEach(l -> err.println("  " + l));
            code = c.exitCode();
        } else if (ex instanceof ProvisioningException p) {
            report(p.code().code(), p.getMessage(), p.where());
            p.details().forEach(d -> err.println("  " + d));
            code = exitCodeOf(p.code());
        } else {
            report("E_INTERNAL", ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage())
                    + (verbose ? "" : " (run with --debug for the stack trace)"), null);
            if (verbose) ex.printStackTrace(err);
            code = ExitCode.FAILED;
        }
        err.flush();
        return code;
    }

    private void report(String code, String message, String where) {
        err.println("error[" + code + "]: " + message + (where == null || where.isBlank() ? "" : " (" + where + ")"));
    }

    static int exitCodeOf(ErrorCode c) {
        return switch (c) {
            case NOT_FOUND -> ExitCode.NOT_FOUND;
            case CONFLICT -> ExitCode.CONFLICT;
            case UNAVAILABLE -> ExitCode.UNREACHABLE;
            default -> c.httpStatus() >= 400 && c.httpStatus() < 500 || c == ErrorCode.CONFIG_INVALID
                    ? ExitCode.USAGE : ExitCode.FAILED;
        };
    }

    /** {@code --version}: the jar's Implementation-Version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"provisioning " + cliVersion()};
        }
    }

    /** This CLI's version: the jar's Implementation-Version, {@code dev} when run from classes. */
    public static String cliVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
