package dev.provisioning.cli;

/**
 * An error the CLI reports as {@code error[CODE]: message (where)} on stderr, exiting with {@link #exitCode()}.
 * {@code detail} lines (e.g. a task's stderr tail) are printed after it, indented.
 */
public class CliException extends RuntimeException {
    private final int exitCode;
    private final String code;
    private final String where;
    private final String detail;

    public CliException(int exitCode, String code, String message, String where, String detail) {
        super(message);
        this.exitCode = exitCode;
        this.code = code;
        this.where = where;
        this.detail = detail;
    }

    public CliException(int exitCode, String code, String message, String where) {
        this(exitCode, code, message, where, null);
    }

    public static CliException usage(String message, String where) {
        return new CliException(ExitCode.USAGE, "E_INVALID_VALUE", message, where);
    }

    public int exitCode() { return exitCode; }

    public String code() { return code; }

    public String where() { return where; }

    public String detail() { return detail; }
}
