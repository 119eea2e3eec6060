package dev.provisioning.core.spec;

import java.util.List;
import java.util.Map;

/** Test access to the parser's package-private cycle search. */
public final class WorkflowSpecParserAccess {
    private WorkflowSpecParserAccess() {}

    public static List<String> findCycle(Map<String, List<String>> edges) {
        return WorkflowSpecParser.findCycle(edges);
    }
}
