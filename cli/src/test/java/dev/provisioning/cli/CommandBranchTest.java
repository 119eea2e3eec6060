package dev.provisioning.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.commands.VersionCommand;
import dev.provisioning.cli.commands.WorkflowCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Main#main} builds only the branch of the command tree that the arguments name. These runs must print and
 * exit exactly as with the whole tree ({@link Main#commandLine(PrintWriter, PrintWriter)}, which the other tests use).
 */
class CommandBranchTest {
    /** No daemon: an unreachable endpoint ({@code version} never starts one). */
    private static final String[] OFFLINE = {"--endpoint", "http://127.0.0.1:1"};

    private static TestSupport.Run run(boolean branch, String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        PrintWriter out = new PrintWriter(o, true), err = new PrintWriter(e, true);
        int code = (branch ? Main.commandLine(out, err, args) : Main.commandLine(out, err)).execute(args);
        return new TestSupport.Run(code, o.toString(), e.toString());
    }

    @Test
    void picksTheNamedBranchOnly() {
        assertThat(Main.branch(new String[] {"workflow", "status", "x"})).containsExactly(WorkflowCommand.class);
        assertThat(Main.branch(new String[] {"--data-dir", "version", "--endpoint", "http://h", "workflow", "list"}))
                .containsExactly(WorkflowCommand.class);
        assertThat(Main.branch(new String[] {"--output=json", "-o", "yaml", "version"})).containsExactly(VersionCommand.class);
        assertThat(Main.branch(new String[] {"--version"})).isEmpty();
        assertThat(Main.branch(new String[] {"-V", "--debug"})).isEmpty();
    }

    @Test
    void usesTheWholeTreeForHelpUnknownWordsAndNoCommand() {
        for (String[] args : List.of(new String[] {}, new String[] {"--help"}, new String[] {"-h", "workflow"},
                new String[] {"sever", "list"}, new String[] {"help", "server"}, new String[] {"completion", "bash"},
                new String[] {"--version", "--help"}, new String[] {"-vh"}, new String[] {"--debug"}))
            assertThat(Main.branch(args)).as(String.join(" ", args)).isEqualTo(Main.SUBCOMMANDS);
    }

    @Test
    void runsLikeTheWholeTree() {
        List<String[]> cases = List.of(
                new String[] {"--version"},
                new String[] {"-V"},
                new String[] {"--help"},
                new String[] {"workflow", "status", "--help"},
                new String[] {"workflow", "stauts", "x"},
                new String[] {"workflow", "status"},
                new String[] {"server", "list", "--help"},
                new String[] {"batch", "list", "--limit", "nope"},
                new String[] {"sever", "list"},
                new String[] {"help", "workflow", "status"},
                new String[] {"help", "nope"},
                new String[] {"--bogus"},
                new String[] {"-o", "json", "workflow", "--bogus"},
                new String[] {"version", OFFLINE[0], OFFLINE[1]});
        for (String[] args : cases) {
            TestSupport.Run whole = run(false, args), branch = run(true, args);
            assertThat(branch.toString()).as(String.join(" ", args)).isEqualTo(whole.toString());
        }
    }
}
