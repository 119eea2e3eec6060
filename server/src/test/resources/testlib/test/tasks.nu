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
