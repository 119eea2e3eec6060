# Fixtures for the store-fault tests.

# Appends "<key> <attempt>" to the ledger req.file, then fails while the attempt is below req.succeed_on (default 1).
export def ledger-flaky [req: record] {
    let n = ($env.PROVISIONING_ATTEMPT | into int)
    $"($req.key) ($n)\n" | save --append $req.file
    if $n < ($req.succeed_on? | default 1) { error make { msg: $"planned failure on attempt ($n)" } }
    { key: $req.key, attempt: $n }
}
