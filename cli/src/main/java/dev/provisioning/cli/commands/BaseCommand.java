package dev.provisioning.cli.commands;

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
}
