# Helpers for code that runs as an orchestrator task (see nulib/README.md, "Calling convention").
# They work the same when a module is run directly: the lines then simply go to the terminal.

use state.nu [save-atomic read-json now-utc]

# Reports progress: prints `PROGRESS: <0-100> <message>` on stdout, which the daemon tails.
export def progress [percent: int, message: string] {
    let clamped = ([([$percent 0] | math max) 100] | math min)
    let range = (current-range)
    let p = ($range.0 + (($range.1 - $range.0) * $clamped / 100 | math floor))
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

# The idempotency ledger's folder: $env.PROVISIONING_IDEMPOTENCY_DIR, else $env.PROVISIONING_DATA_DIR/idempotency,
# else ~/.local/share/provisioning/idempotency.
export def ledger-dir [] {
    let explicit = ($env.PROVISIONING_IDEMPOTENCY_DIR? | default "")
    let data = ($env.PROVISIONING_DATA_DIR? | default "")
    if ($explicit | is-not-empty) {
        $explicit | path expand
    } else if ($data | is-not-empty) {
        $data | path join "idempotency" | path expand
    } else {
        $nu.home-dir | path join ".local" "share" "provisioning" "idempotency"
    }
}

# Runs `body` once per idempotency key ($env.PROVISIONING_IDEMPOTENCY_KEY: the same for every attempt of one task).
# The first attempt that finishes stores `op`, `request` and its result in the ledger
# (<ledger-dir>/<sha256 of the key>.json); a later attempt with the same key, op and request returns that result
# without running `body` again (a different op or request under the key runs normally). A rollback runs under
# "<key>/rollback": once it is done, the forward entry is dropped, so a resumed workflow does the work again.
# Without a key (a plain direct run) `body` simply runs.
export def once [op: string, request: any, body: closure] {
    let key = (idempotency-key)
    if ($key | is-empty) { return (do $body) }
    let file = (ledger-file $key)
    if ($file | path exists) {
        let done = (read-json $file)
        if $done.op? == $op and ($done.request? | to json --raw) == ($request | to json --raw) {
            progress 100 $"($op): already done by an earlier attempt \(idempotency key ($key)\)"
            return $done.result
        }
    }
    let result = (do $body)
    save-atomic $file ({op: $op, key: $key, request: $request, done_at: (now-utc), result: $result} | to json)
    if ($key | str ends-with "/rollback") {
        rm --force (ledger-file ($key | str substring 0..<(($key | str length) - ("/rollback" | str length))))
    }
    $result
}

def ledger-file [key: string] {
    ledger-dir | path join $"($key | hash sha256).json"
}

# Runs `body` with progress lines scaled into [from, to] of the caller's range: a step of a longer run reports
# 0-100 for itself, and the run's progress moves from `from` to `to`.
export def progress-range [from: int, to: int, body: closure] {
    let outer = (current-range)
    let span = ($outer.1 - $outer.0)
    let lo = ($outer.0 + ($span * $from / 100 | math floor))
    let hi = ($outer.0 + ($span * $to / 100 | math floor))
    with-env {PROVISIONING_PROGRESS_RANGE: $"($lo) ($hi)"} $body
}

def current-range [] {
    let r = ($env.PROVISIONING_PROGRESS_RANGE? | default "")
    if ($r | is-empty) { [0 100] } else { $r | split row " " | into int }
}
