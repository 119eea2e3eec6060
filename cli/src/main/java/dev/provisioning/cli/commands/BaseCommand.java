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

    boolean json() { return main().json(); }
}
