package dev.provisioning.cli.commands;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A tiny screen emulator for tests: interprets the xterm output JLine's {@code Display} writes (printable text
 * with pending autowrap, CR, LF, BS, and the CSI sequences A B C D K P @ L M m), so a test can assert what a
 * person would see: the rows now ({@link #rows()}), and every row that was ever on screen at the end of a write
 * ({@link #seen()}).
 */
final class TerminalScreen extends OutputStream {
    private final int width;
    private final List<StringBuilder> rows = new ArrayList<>();
    private final Set<String> seen = new LinkedHashSet<>();
    private int row;
    private int col;
    private final StringBuilder pending = new StringBuilder(); // an escape sequence being read

    TerminalScreen(int width) {
        this.width = width;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (char c : new String(b, off, len, StandardCharsets.UTF_8).toCharArray()) put(c); // tests write ASCII
        for (StringBuilder r : rows) if (!r.toString().isBlank()) seen.add(r.toString().stripTrailing());
    }

    private void put(char c) {
        if (!pending.isEmpty()) {
            pending.append(c);
            if (pending.length() == 2 && c != '[') pending.setLength(0); // not CSI: ignore
            else if (pending.length() > 2 && c >= 0x40 && c <= 0x7e) {
                csi(pending.substring(2, pending.length() - 1), c);
                pending.setLength(0);
            }
            return;
        }
        switch (c) {
            case 0x1b -> pending.append(c);
            case '\r' -> col = 0;
            case '\n' -> row++;
            case '\b' -> col = Math.max(0, Math.min(col, width - 1) - 1);
            case 0x07 -> { }
            default -> {
                if (col >= width) { // pending wrap
                    row++;
                    col = 0;
                }
                StringBuilder r = line(row);
                while (r.length() <= col) r.append(' ');
                r.setCharAt(col++, c);
            }
        }
    }

    private void csi(String args, char cmd) {
        int n = args.isEmpty() || !args.chars().allMatch(Character::isDigit) ? 1 : Integer.parseInt(args);
        StringBuilder r = line(row);
        col = Math.min(col, width - 1 + (cmd == 'm' ? 1 : 0));
        switch (cmd) {
            case 'A' -> row = Math.max(0, row - n);
            case 'B' -> row += n;
            case 'C' -> col = Math.min(width - 1, col + n);
            case 'D' -> col = Math.max(0, col - n);
            case 'K' -> { if (r.length() > col) r.setLength(col); }
            case 'P' -> { if (r.length() > col) r.delete(col, Math.min(r.length(), col + n)); }
            case '@' -> { if (r.length() > col) r.insert(col, " ".repeat(n)); }
            case 'L' -> { for (int i = 0; i < n; i++) rows.add(row, new StringBuilder()); }
            case 'M' -> { for (int i = 0; i < n && row < rows.size(); i++) rows.remove(row); }
            default -> { } // m (colours) and anything else: no effect on the text
        }
    }

    private StringBuilder line(int i) {
        while (rows.size() <= i) rows.add(new StringBuilder());
        return rows.get(i);
    }

    /** The rows on screen now, trailing blanks and empty rows at the end removed. */
    synchronized List<String> rows() {
        List<String> l = new ArrayList<>(rows.stream().map(s -> s.toString().stripTrailing()).toList());
        while (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) l.remove(l.size() - 1);
        return l;
    }

    /** Every non-blank row that was on screen after some write. */
    synchronized Set<String> seen() { return new LinkedHashSet<>(seen); }
}
