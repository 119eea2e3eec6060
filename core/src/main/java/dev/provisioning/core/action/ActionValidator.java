package dev.provisioning.core.action;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks that an action can only reach code under the configured lib dirs: a module or script path is
 * relative, has no {@code ..}, resolves (following symlinks) inside a lib dir, and exists; a function name is
 * a plain identifier that the module exports. Only what passes here is ever written into generated Nushell
 * code, and only inside a single-quoted string whose characters are checked too.
 */
public final class ActionValidator {
    public static final Pattern FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
    private static final Pattern REL_PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}\\.nu");
    /** Characters allowed in an absolute module path spliced into a single-quoted Nushell string. */
    public static final Pattern SAFE_ABS_PATH = Pattern.compile("/[A-Za-z0-9_./@+-]*");

    /** A script argv entry that starts with {@code --}: nu splices the part before any '=' into code unquoted. */
    private static final Pattern SCRIPT_FLAG = Pattern.compile("--[A-Za-z0-9_-]*(=.*)?", Pattern.DOTALL);

    private final List<Path> libDirs;

    public ActionValidator(List<Path> libDirs) {
        List<Path> real = new ArrayList<>();
        for (Path p : libDirs) {
            try {
                real.add(p.toRealPath());
            } catch (IOException e) {
                throw new ProvisioningException(ErrorCode.CONFIG_INVALID,
                        "lib dir does not exist: " + p, "nushell.provisioning_lib");
            }
        }
        this.libDirs = List.copyOf(real);
    }

    public List<Path> libDirs() { return libDirs; }

    /**
     * Validates the action; throws {@link ProvisioningException} naming {@code where}.
     *
     * @return the real path of a nu action's module or a script, null for a command
     */
    public Path validate(Action action, String where) {
        switch (action) {
            case Action.Nu nu -> {
                String key = nu.module() + "\0" + nu.function();
                Passed before = passed.get(key);
                // looked up only for a module name that passed the path checks before
                Found found = before == null ? null : firstFound(nu.module());
                if (found != null && found.equals(before.found())) return before.real();
                Path module = resolve(nu.module(), where + ".module");
                // the version is taken before the module is read: a change after it is seen by the next attempt
                if (found == null) found = firstFound(nu.module());
                checkFunction(nu.function(), module, where + ".function");
                if (found != null) {
                    if (passed.size() >= MAX_PASSED) passed.clear();
                    passed.put(key, new Passed(found, module));
                }
                return module;
            }
            case Action.Script s -> {
                Path script = resolve(s.path(), where + ".path", "script");
                checkArgv(s.argv(), "argv", true, where + ".argv");
                return script;
            }
            case Action.Command c -> {
                if (c.argv().isEmpty() || c.argv().get(0).isBlank())
                    throw new ProvisioningException(ErrorCode.INVALID_VALUE, "command argv must not be empty", where + ".argv");
                checkArgv(c.argv(), "command", false, where + ".argv");
                return null;
            }
        }
    }

    /**
     * Checks an argv: no entry holds a NUL (no process argument can). For a script ({@code nu script.nu argv...}) an
     * entry starting with {@code --} must be a plain flag, {@code --name} or {@code --name=value}: Nushell builds a
     * command line {@code main <args>} from the argv and parses it, quoting plain arguments and the value after
     * {@code =}, but splicing the flag part in as it is, so {@code --x; rm -rf /} would run {@code rm -rf /}.
     */
    public static void checkArgv(List<String> argv, String field, boolean script, String where) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.indexOf('\0') >= 0)
                throw new ProvisioningException(ErrorCode.INVALID_VALUE,
                        field + "[" + i + "]: must not contain NUL characters (no process argument can hold one)", where);
            if (script && a.startsWith("--") && !SCRIPT_FLAG.matcher(a).matches())
                throw new ProvisioningException(ErrorCode.INVALID_VALUE, field + "[" + i + "]: '" + abbreviate(a)
                        + "' starts with '--' but is not a plain flag (--name or --name=value; name of letters, digits, _ and -): "
                        + "nu would read the text before any '=' as code", where);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Resolves a relative module path to its real absolute path inside a lib dir. */
    public Path resolve(String rel, String where) {
        return resolve(rel, where, "module");
    }

    /** {@code what} names the field in messages: "module" or "script". */
    private Path resolve(String rel, String where, String what) {
        if (rel == null || !REL_PATH.matcher(rel).matches() || rel.contains("..") || rel.contains("//"))
            throw new ProvisioningException(ErrorCode.MODULE_OUTSIDE_LIB,
                    what + " path '" + rel + "' must be a relative path to a .nu file inside the lib dirs "
                            + "(letters, digits, _ . - /; no '..')", where);
        for (Path lib : libDirs) {
            Path candidate = lib.resolve(rel).normalize();
            if (!candidate.startsWith(lib) || !Files.isRegularFile(candidate)) continue;
            Path real;
            try {
                real = candidate.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (!real.startsWith(lib))
                throw new ProvisioningException(ErrorCode.MODULE_OUTSIDE_LIB,
                        what + " '" + rel + "' resolves outside the lib dirs (symlink to " + real + ")", where);
            if (!SAFE_ABS_PATH.matcher(real.toString()).matches())
                throw new ProvisioningException(ErrorCode.MODULE_OUTSIDE_LIB,
                        what + " '" + rel + "' resolves to a path with unsupported characters: " + real, where);
            return real;
        }
        throw new ProvisioningException(ErrorCode.MODULE_NOT_FOUND,
                what + " '" + rel + "' not found in lib dirs " + libDirs, where);
    }

    /** A version of a module file: its modification time, size and file key (device and inode). */
    private record Version(long modifiedNanos, long size, Object fileKey) {
        /** The version of a regular file, following symlinks; null if there is none (or it cannot be read). */
        static Version of(Path p) {
            try {
                var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                if (!attrs.isRegularFile()) return null;
                return new Version(attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), attrs.size(), attrs.fileKey());
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** The module file found first in the lib dirs, and its version. */
    private record Found(Path candidate, Version version) {}

    /** A nu action that passed: the module file found first for it then, and that file's real path. */
    private record Passed(Found found, Path real) {}

    /**
     * Nu actions that passed, by module and function, so that an attempt's start costs one {@code stat} per lib dir
     * up to the module's: the full check runs again when the first file found is another one or changed. Bounded.
     */
    private final java.util.Map<String, Passed> passed = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_PASSED = 4096;

    private Found firstFound(String module) {
        for (Path lib : libDirs) {
            Path candidate = lib.resolve(module).normalize();
            Version v = Version.of(candidate);
            if (v != null) return new Found(candidate, v);
        }
        return null;
    }

    private void checkFunction(String fn, Path module, String where) {
        if (fn == null || !FUNCTION.matcher(fn).matches())
            throw new ProvisioningException(ErrorCode.INVALID_FUNCTION,
                    "function name '" + fn + "' is not a plain identifier (letters, digits, _ and -, max 64)", where);
        String src;
        try {
            src = Files.readString(module);
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.MODULE_NOT_FOUND, "cannot read module " + module + ": " + e.getMessage(), where);
        }
        Pattern exported = Pattern.compile("(?m)^\\s*export\\s+def\\s+(?:--\\S+\\s+)*[\"']?" + Pattern.quote(fn) + "[\"']?\\s");
        if (!exported.matcher(src).find())
            throw new ProvisioningException(ErrorCode.INVALID_FUNCTION,
                    "module " + module.getFileName() + " does not export a function named '" + fn + "'", where);
    }
}
