# Fixtures for the store-fault tests.

# Appends "<key> <attempt>" to the ledger req.file, then fails while the attempt is below req.succeed_on (default 1).
# Sleeps req.sleep_ms first (default 0).
export def ledger-flaky [req: record] {
    let n = ($env.PROVISIONING_ATTEMPT | into int)
    $"($req.key) ($n)\n" | save --append $req.file
    sleep (($req.sleep_ms? | default 0) * 1ms)
    if $n < ($req.succeed_on? | default 1) { error make { msg: $"planned failure on attempt ($n)" } }
    { key: $req.key, attempt: $n }
}
