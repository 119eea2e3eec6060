# Helpers for code that runs as an orchestrator task (see nulib/README.md, "Calling convention").
# They work the same when a module is run directly: the lines then simply go to the terminal.

# Reports progress: prints `PROGRESS: <0-100> <message>` on stdout, which the daemon tails.
export def progress [percent: int, message: string] {
    let p = ([([$percent 0] | math max) 100] | math min)
    let m = ($message | str replace --all --regex '[\r\n]+' ' ')
    print $"PROGRESS: ($p) ($m)"
}

# Saves a checkpoint: prints `CHECKPOINT: <json>`. A later attempt of the same task gets the last one in
# $env.PROVISIONING_CHECKPOINT (see `last-checkpoint`).
export def checkpoint [value: any] {
    print $"CHECKPOINT: ($value | to json --raw)"
}

# The checkpoint an earlier attempt saved, or null.
export def last-checkpoint [] {
    let raw = ($env.PROVISIONING_CHECKPOINT? | default "")
    if ($raw | is-empty) { null } else { $raw | from json }
}

# The results of this task's dependencies, keyed by task id ({} when there are none).
export def inputs [] {
    let raw = ($env.PROVISIONING_INPUTS? | default "")
    if ($raw | is-empty) { {} } else { $raw | from json }
}

# A key that stays the same across the attempts of one task: use it to skip work an earlier attempt did.
export def idempotency-key [] {
    $env.PROVISIONING_IDEMPOTENCY_KEY? | default ""
}
