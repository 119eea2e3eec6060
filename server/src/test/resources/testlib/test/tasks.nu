# Test fixtures for the server's integration tests. Each takes the params record and returns a record.

# Returns what it was given, plus what the environment says about the attempt.
export def echo [req: record] {
    print "PROGRESS: 50 echoing"
    {
        req: $req
        task_id: $env.PROVISIONING_TASK_ID
        attempt: ($env.PROVISIONING_ATTEMPT | into int)
        inputs: ($env.PROVISIONING_INPUTS | from json)
    }
}

# Sleeps for req.seconds (default 30), printing progress first.
export def slow [req: record] {
    print "PROGRESS: 10 sleeping"
    sleep (($req.seconds? | default 30) * 1sec)
    { slept: true }
}

# Fails with a clear error.
export def fail [req: record] {
    error make { msg: $"boom: ($req.reason? | default 'no reason')" }
}

# Fails until the attempt number reaches req.succeed_on.
export def flaky [req: record] {
    let n = ($env.PROVISIONING_ATTEMPT | into int)
    if $n < ($req.succeed_on | into int) {
        error make { msg: $"flaky failure on attempt ($n)" }
    }
    { attempt: $n }
}

# Appends req.name to the file req.file (rollback-order and run-order checks).
export def note [req: record] {
    $"($req.name)\n" | save --append $req.file
    { noted: $req.name }
}

# First attempt: saves a checkpoint, then fails. Next attempt: returns the checkpoint it was given.
export def checkpointer [req: record] {
    let cp = ($env.PROVISIONING_CHECKPOINT? | default "")
    if ($cp | is-empty) {
        print 'CHECKPOINT: {"step": 2, "done": ["disk"]}'
        error make { msg: "failing after the checkpoint" }
    }
    { resumed_from: ($cp | from json), key: $env.PROVISIONING_IDEMPOTENCY_KEY, attempt: ($env.PROVISIONING_ATTEMPT | into int) }
}

# As checkpointer, with a progress line before the checkpoint on the first attempt.
export def progress-then-checkpoint [req: record] {
    let cp = ($env.PROVISIONING_CHECKPOINT? | default "")
    if ($cp | is-empty) {
        print 'PROGRESS: 50 half way'
        print 'CHECKPOINT: {"step": 3}'
        error make { msg: "failing after the checkpoint" }
    }
    { resumed_from: ($cp | from json), attempt: ($env.PROVISIONING_ATTEMPT | into int) }
}

# Succeeds only once the file req.file exists.
export def needs-file [req: record] {
    if not ($req.file | path exists) { error make { msg: $"missing ($req.file)" } }
    { ok: true }
}

# Appends "<task key> <attempt>" to the ledger req.file, then sleeps req.ms milliseconds.
export def ledger [req: record] {
    $"($req.key) ($env.PROVISIONING_ATTEMPT)\n" | save --append $req.file
    sleep ($req.ms * 1ms)
    { key: $req.key }
}

# Returns this nu's nice value (field 19 of /proc/PID/stat), read once the file `go` is in its run dir (at most 30 s).
export def nice [req: record] {
    let go = ($env.PROVISIONING_RUN_DIR | path join go)
    mut polls = 0
    while (not ($go | path exists)) and $polls < 3000 {
        sleep 10ms
        $polls += 1
    }
    let stat = (open --raw $"/proc/($nu.pid)/stat")
    let from = ($stat | str index-of ')') + 2
    let fields = ($stat | str substring $from.. | split row ' ')
    { nice: ($fields | get 16 | into int) }
}
