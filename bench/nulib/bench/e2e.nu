# bench/run-e2e's task: as little work as a real task can do (read params, write a result).
# (A module may not export a command named like itself, hence e2e.nu / noop.)
export def noop [req: record] {
    { ok: true, n: ($req.n? | default 0) }
}
