# Talking back to the orchestrator daemon from inside a task. The daemon gives every attempt
# $env.PROVISIONING_ORCHESTRATOR_URL, $env.PROVISIONING_TOKEN, $env.PROVISIONING_TASK_ID and
# $env.PROVISIONING_ATTEMPT. Outside a task, the URL defaults to http://127.0.0.1:9090.
#
#   use lib/orchestrator/client.nu
#   client report-progress 40 "disks attached"
#
# Printing `PROGRESS: <n> <message>` on stdout (lib/task.nu `progress`) does the same without HTTP.

const DEFAULT_URL = "http://127.0.0.1:9090"

# The daemon's base URL, without a trailing slash.
export def orchestrator-url [] {
    $env.PROVISIONING_ORCHESTRATOR_URL? | default $DEFAULT_URL | str trim --right --char "/"
}

# The Authorization header for writes, as a record ({} when there is no token).
def auth-headers [] {
    let token = ($env.PROVISIONING_TOKEN? | default "")
    if ($token | is-empty) { {} } else { {Authorization: $"Bearer ($token)"} }
}

# Percent-encodes one URL path segment (RFC 3986 unreserved characters stay as they are).
def path-segment [s: string] {
    $s | split chars | each {|c| if ($c =~ '^[A-Za-z0-9._~-]$') { $c } else { $c | url encode --all } } | str join
}

def current-task-id [] {
    let id = ($env.PROVISIONING_TASK_ID? | default "")
    if ($id | is-empty) {
        error make {msg: "not running as an orchestrator task: PROVISIONING_TASK_ID is not set"}
    }
    $id
}

# Reports progress for the current task attempt: POST /tasks/<task id>/progress with
# {"percent": 0-100, "message": ..., "attempt": n}. Returns the daemon's answer.
export def report-progress [percent: int, message: string] {
    let task = (current-task-id)
    let body = {
        percent: ([([$percent 0] | math max) 100] | math min)
        message: $message
        attempt: ($env.PROVISIONING_ATTEMPT? | default "1" | into int)
    }
    let url = $"(orchestrator-url)/tasks/(path-segment $task)/progress"
    http post --content-type application/json --headers (auth-headers) --max-time 10sec $url ($body | to json --raw)
}

# The daemon's health record (GET /health), e.g. {status: "healthy", ...}. Fails if it cannot be reached.
export def orchestrator-health [] {
    http get --max-time 5sec $"(orchestrator-url)/health"
}

# Whether the daemon answers /health with status "healthy".
export def orchestrator-available [] {
    try { (orchestrator-health | get status?) == "healthy" } catch { false }
}

# A task's record (GET /tasks/<id>); the current task when no id is given.
export def task-info [task_id?: string] {
    let id = if $task_id == null { current-task-id } else { $task_id }
    http get --headers (auth-headers) --max-time 10sec $"(orchestrator-url)/tasks/(path-segment $id)"
}
