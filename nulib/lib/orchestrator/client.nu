# The orchestrator daemon's client, for Nushell code: tasks that talk back to the daemon, and scripts that submit
# work to it. Also reachable as nulib/orchestrator/client.nu.
#
#   use lib/orchestrator/client.nu
#   client report-progress 40 "disks attached"            # the current task (PROVISIONING_TASK_ID)
#   client report-progress $task_id 40                    # any running task (the original design's signature)
#   client ensure-orchestrator                            # start the daemon if it is down and auto_start is on
#   let wf = (client submit-workflow (cluster-workflow {infra: "wuji", params: {name: "demo"}}) --cluster)
#   client workflow-status $wf.workflow_id
#
# Where things come from (first that applies):
#   URL    $env.PROVISIONING_ORCHESTRATOR_URL (set in every task), $env.PROVISIONING_ORCHESTRATOR_ENDPOINT,
#          <data dir>/daemon.json's endpoint, orchestrator.endpoint from the config files, http://127.0.0.1:9090
#   token  $env.PROVISIONING_TOKEN (set in every task), else <data dir>/token
#   data   $env.PROVISIONING_DATA_DIR, $env.PROVISIONING_STORAGE_DATA_DIR, storage.data_dir from the config files,
#   dir    $XDG_DATA_HOME/provisioning, ~/.local/share/provisioning
#   config <install>/dist/config.defaults.toml, /etc/provisioning/config.toml,
#          $XDG_CONFIG_HOME/provisioning/config.toml (~/.config/...), $env.PROVISIONING_CONFIG (a file)
#
# Printing `PROGRESS: <n> <message>` on stdout (lib/task.nu `progress`) reports progress without HTTP.

use ../task.nu [checkpoint]

const DEFAULT_URL = "http://127.0.0.1:9090"
const SELF = path self

# The install (or checkout) root: the folder that holds bin/provisioning and nulib/.
export def install-root [] {
    $SELF | path dirname | path dirname | path dirname | path dirname
}

# The config files' [orchestrator] and [storage] tables, merged in layer order (see the header).
export def client-config [] {
    let user_dir = ($env.XDG_CONFIG_HOME? | default ($nu.home-dir | path join ".config"))
    let files = [
        (install-root | path join "dist" "config.defaults.toml")
        "/etc/provisioning/config.toml"
        ($user_dir | path join "provisioning" "config.toml")
        ($env.PROVISIONING_CONFIG? | default "")
    ]
    $files | where {|f| ($f | is-not-empty) and ($f | path exists) } | reduce --fold {orchestrator: {}, storage: {}} {|f, acc|
        let t = (try { open --raw $f | from toml } catch {|e| error make {msg: $"orchestrator client: cannot read config file ($f): ($e.msg)"} })
        {
            orchestrator: ($acc.orchestrator | merge ($t.orchestrator? | default {}))
            storage: ($acc.storage | merge ($t.storage? | default {}))
        }
    }
}

# The daemon's data dir (its token and daemon.json are there).
export def data-dir [] {
    let explicit = ([$env.PROVISIONING_DATA_DIR? $env.PROVISIONING_STORAGE_DATA_DIR? ((client-config).storage.data_dir? | default "")]
        | where {|d| $d | is-not-empty })
    if ($explicit | is-not-empty) { return ($explicit | first | path expand) }
    let xdg = ($env.XDG_DATA_HOME? | default "")
    if ($xdg | is-not-empty) { $xdg | path join "provisioning" } else { $nu.home-dir | path join ".local" "share" "provisioning" }
}

# The daemon's base URL, without a trailing slash.
export def orchestrator-url [] {
    let from_env = ([$env.PROVISIONING_ORCHESTRATOR_URL? $env.PROVISIONING_ORCHESTRATOR_ENDPOINT?] | where {|u| $u | is-not-empty })
    let url = if ($from_env | is-not-empty) { $from_env | first } else {
        let info = (data-dir | path join "daemon.json")
        let live = if ($info | path exists) {
            try {
                let d = (open --raw $info | from json)
                if ($d.endpoint? | is-not-empty) and ($"/proc/($d.pid)" | path exists) { $d.endpoint } else { null }
            } catch { null }
        } else { null }
        $live | default ((client-config).orchestrator.endpoint? | default $DEFAULT_URL)
    }
    $url | str trim --right --char "/"
}

# The bearer token: $env.PROVISIONING_TOKEN, else <data dir>/token; "" when there is none.
export def orchestrator-token [] {
    let t = ($env.PROVISIONING_TOKEN? | default "")
    if ($t | is-not-empty) { return $t }
    let f = (data-dir | path join "token")
    if ($f | path exists) { try { open --raw $f | str trim } catch { "" } } else { "" }
}

# The Authorization header for writes, as a record ({} when there is no token).
def auth-headers [] {
    let token = (orchestrator-token)
    if ($token | is-empty) { {} } else { {Authorization: $"Bearer ($token)"} }
}

# Percent-encodes one URL path segment (RFC 3986 unreserved characters stay as they are).
def path-segment [s: string] {
    $s | split chars | each {|c| if ($c =~ '^[A-Za-z0-9._~-]$') { $c } else { $c | url encode --all } } | str join
}

def current-task-id [] {
    let id = ($env.PROVISIONING_TASK_ID? | default "")
    if ($id | is-empty) {
        error make {msg: "not running as an orchestrator task: PROVISIONING_TASK_ID is not set; pass the task id"}
    }
    $id
}

# Sends a request and returns the decoded answer; a non-2xx answer is an error that names the method, the URL,
# the status and the daemon's error message.
def call [method: string, path: string, body?: any, --content-type: string = "application/json"] {
    let url = $"(orchestrator-url)($path)"
    let headers = (auth-headers)
    let r = (try {
        match $method {
            "GET" => { http get --full --allow-errors --headers $headers --max-time 30sec $url }
            "POST" => {
                let payload = if ($body | describe) == "string" { $body } else { $body | to json --raw }
                http post --full --allow-errors --headers $headers --content-type $content_type --max-time 30sec $url $payload
            }
        }
    } catch {|e|
        error make {msg: $"orchestrator client: ($method) ($url) failed: ($e.msg) \(is the daemon running? try ensure-orchestrator\)"}
    })
    if $r.status < 200 or $r.status > 299 {
        let why = ($r.body | if ($in | describe | str starts-with "record") { $in.error?.message? | default ($in | to json --raw) } else { $in | into string })
        error make {msg: $"orchestrator client: ($method) ($url) answered ($r.status): ($why)"}
    }
    $r.body
}

# Reports progress of a running task: POST /tasks/<id>/progress with {"percent", "message", "attempt"}.
#   report-progress 40 "disks attached"        the current task ($env.PROVISIONING_TASK_ID, its attempt)
#   report-progress $task_id 40 ["message"]    task `task_id` (the original design's signature)
# percent is clamped to 0-100. Returns the daemon's answer.
export def report-progress [first: any, second?: any, third?: any] {
    let by_id = ($first | describe) == "string"
    let task = if $by_id { $first } else { current-task-id }
    let percent = if $by_id { $second } else { $first }
    let message = if $by_id { $third } else { $second }
    if ($percent | describe) != "int" {
        error make {msg: $"report-progress: the percent must be an int from 0 to 100, got ($percent | to json --raw); use `report-progress <percent> [message]` or `report-progress <task id> <percent> [message]`"}
    }
    let base = {percent: ([([$percent 0] | math max) 100] | math min), message: ($message | default "" | into string)}
    # The attempt number is known only for this task's own attempt.
    let body = if $task == ($env.PROVISIONING_TASK_ID? | default "") {
        $base | insert attempt ($env.PROVISIONING_ATTEMPT? | default "1" | into int)
    } else { $base }
    call POST $"/tasks/(path-segment $task)/progress" $body
}

# Saves a checkpoint of the current task: prints `CHECKPOINT: <json>`, which the daemon stores; the next attempt of
# the task gets it in $env.PROVISIONING_CHECKPOINT (lib/task.nu `last-checkpoint`). Returns the value.
export def save-checkpoint [value: any] {
    if ($env.PROVISIONING_TASK_ID? | default "" | is-empty) {
        error make {msg: "save-checkpoint: not running as an orchestrator task (PROVISIONING_TASK_ID is not set), so nothing would keep the checkpoint"}
    }
    checkpoint $value
    $value
}

# The daemon's health record (GET /health), e.g. {status: "healthy", ...}. Fails if it cannot be reached.
export def orchestrator-health [] {
    http get --max-time 5sec $"(orchestrator-url)/health"
}

# Whether the daemon answers /health with status "healthy".
export def orchestrator-available [] {
    try { (orchestrator-health | get status?) == "healthy" } catch { false }
}

# Whether auto-start is on: $env.PROVISIONING_AUTO_START, else $env.PROVISIONING_ORCHESTRATOR_AUTO_START, else
# orchestrator.auto_start from the config files (true when nothing says otherwise).
export def auto-start-enabled [] {
    let raw = ([$env.PROVISIONING_AUTO_START? $env.PROVISIONING_ORCHESTRATOR_AUTO_START?] | where {|v| $v | is-not-empty } | get 0?)
    if $raw == null { return ((client-config).orchestrator.auto_start? | default true) }
    match ($raw | into string | str lowercase) {
        "1" | "true" | "yes" | "on" => true
        "0" | "false" | "no" | "off" => false
        _ => { error make {msg: $"PROVISIONING_AUTO_START must be true or false, got '($raw)'"} }
    }
}

# Makes sure the daemon answers. When it does not and auto-start is on, starts it with
# `<install>/bin/provisioning orchestrator start` (detached; same URL and data dir as this client) and waits until
# /health says healthy. Returns {url, started: bool}. Fails when it is down and auto-start is off, or when it does not
# become healthy within `timeout`.
export def ensure-orchestrator [--timeout: duration = 60sec] {
    let url = (orchestrator-url)
    if (orchestrator-available) { return {url: $url, started: false} }
    if not (auto-start-enabled) {
        error make {msg: $"the orchestrator at ($url) is not running and auto-start is off \(PROVISIONING_AUTO_START / orchestrator.auto_start\); start it with: provisioning orchestrator start"}
    }
    let cli = (install-root | path join "bin" "provisioning")
    if not ($cli | path exists) {
        error make {msg: $"cannot start the orchestrator: ($cli) does not exist \(install root (install-root)\)"}
    }
    let seconds = ([($timeout / 1sec | math ceil) 1] | math max)
    let args = (["orchestrator" "start" "--timeout" ($seconds | into string) "--endpoint" $url "--data-dir" (data-dir)]
        | append (if ($env.PROVISIONING_CONFIG? | default "" | is-not-empty) { ["--config" $env.PROVISIONING_CONFIG] } else { [] }))
    print --stderr $"starting the orchestrator at ($url) ..."
    let out = (do { ^$cli ...$args } | complete)
    if $out.exit_code != 0 {
        error make {msg: $"cannot start the orchestrator at ($url): ($cli) ($args | str join ' ') exited ($out.exit_code): ($out.stderr | str trim)"}
    }
    let deadline = ((date now) + $timeout)
    loop {
        if (orchestrator-available) { return {url: $url, started: true} }
        if (date now) > $deadline {
            error make {msg: $"the orchestrator at ($url) was started but did not answer /health within ($timeout); see (data-dir | path join 'orchestrator.log')"}
        }
        sleep 200ms
    }
}

# Submits a workflow document (a record in the JSON workflow format, e.g. from clusters/create.nu
# cluster-workflow): POST /workflows/batch/submit, or /workflows/cluster/create with --cluster.
# Returns {workflow_id, status: "queued", task_ids}.
export def submit-workflow [workflow: record, --cluster] {
    call POST (if $cluster { "/workflows/cluster/create" } else { "/workflows/batch/submit" }) $workflow
}

# Submits one operation of the original design: `servers/create` or `taskserv/create` with a request
# {infra, params}. Returns {workflow_id, status, task_ids}; the task id equals the workflow id.
export def submit-operation [operation: string, req: record] {
    if $operation not-in ["servers/create", "taskserv/create"] {
        error make {msg: $"submit-operation: unknown operation '($operation)'; use servers/create or taskserv/create"}
    }
    call POST $"/workflows/($operation)" $req
}

# A workflow's record (GET /workflows/<id>): state, tasks with their states, progress and results.
export def workflow-status [workflow_id: string] {
    call GET $"/workflows/(path-segment $workflow_id)"
}

# Waits until workflow `workflow_id` is Completed, Failed, Cancelled or RolledBack; returns its record.
export def wait-workflow [workflow_id: string, --timeout: duration = 10min] {
    let deadline = ((date now) + $timeout)
    loop {
        let wf = (workflow-status $workflow_id)
        if $wf.state in ["Completed", "Failed", "Cancelled", "RolledBack"] { return $wf }
        if (date now) > $deadline {
            error make {msg: $"workflow ($workflow_id) is still ($wf.state) after ($timeout)"}
        }
        sleep 250ms
    }
}

# A task's record (GET /tasks/<id>); the current task when no id is given.
export def task-info [task_id?: string] {
    let id = if $task_id == null { current-task-id } else { $task_id }
    call GET $"/tasks/(path-segment $id)"
}
