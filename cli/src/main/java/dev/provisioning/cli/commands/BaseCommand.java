package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.Main;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A leaf command: reaches the shared context ({@link Main}) through the root of its command tree. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    Main main() { return (Main) spec.root().userObject(); }

    PrintWriter out() { return main().out(); }

    PrintWriter err() { return main().err(); }

    /** Machine output: {@code --output json|yaml} (or {@code --json}); human lines then go to stderr. */
    boolean json() { return main().json(); }

    /** Prints {@code value} on stdout as {@code --output} asks for it: JSON or YAML. */
    void machine(Object value) { Output.structured(out(), value, main().format()); }

    /**
     * Checks a workflow ID as typed before it goes into a URL path: empty is a usage error (exit 2); one with a
     * {@code /}, or {@code .} or {@code ..}, names no workflow (ids never have one), so it is not found (exit 4),
     * said of that ID, instead of a request to another route.
     */
    static void checkWorkflowId(String id) {
        if (id == null || id.isBlank()) throw CliException.usage("the workflow ID must not be empty", "ID");
        if (id.contains("/") || id.equals(".") || id.equals(".."))
            throw new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND", "workflow '" + id + "' not found: a workflow id has no '/' "
                    + "and is not '.' or '..' (see 'provisioning workflow list')", "ID");
    }
}
