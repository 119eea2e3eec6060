# The `local` provider: servers that exist only as files in a state folder. It implements the provider
# interface (create-server, delete-server, list-servers) for development, tests and demos.
#
# State layout (see nulib/README.md):
#   <state>/<infra>/servers/<name>.json                      the server record
#   <state>/<infra>/servers/<name>/taskservs/<taskserv>.toml  task services installed on it
# <state> is `state-dir`.

use ../../lib/task.nu [progress]
use ../../lib/state.nu [check-name save-atomic read-json now-utc]

# The state folder: $env.PROVISIONING_LOCAL_STATE_DIR, else $env.PROVISIONING_DATA_DIR/local-provider, else
# ~/.local/share/provisioning/local-provider.
export def state-dir [] {
    let explicit = ($env.PROVISIONING_LOCAL_STATE_DIR? | default "")
    let data = ($env.PROVISIONING_DATA_DIR? | default "")
    if ($explicit | is-not-empty) {
        $explicit | path expand
    } else if ($data | is-not-empty) {
        $data | path join "local-provider" | path expand
    } else {
        $nu.home-dir | path join ".local" "share" "provisioning" "local-provider"
    }
}

# The JSON file of server `name` in `infra`.
export def server-file [infra: string, name: string] {
    state-dir | path join (check-name infra $infra) "servers" $"(check-name server $name).json"
}

# The folder that holds server `name`'s own state (its task services).
export def server-dir [infra: string, name: string] {
    state-dir | path join (check-name infra $infra) "servers" (check-name server $name)
}

# Creates server `name` in `infra` with `spec`. Idempotent: if it exists with the same spec, nothing changes
# and the record comes back with `changed: false`; an existing server with a different spec is an error.
export def create-server [infra: string, name: string, spec: record = {}] {
    let file = (server-file $infra $name)
    progress 10 $"local: checking server ($infra)/($name)"
    if ($file | path exists) {
        let existing = (read-json $file)
        if ($existing.spec? == $spec) {
            progress 100 $"local: server ($infra)/($name) already exists with the same spec"
            return ($existing | insert changed false)
        }
        error make {
            msg: ([
                $"local: server '($name)' in infra '($infra)' already exists with a different spec;"
                "delete it first, or request the same spec."
                $"  existing:  ($existing.spec? | to json --raw)"
                $"  requested: ($spec | to json --raw)"
            ] | str join "\n")
        }
    }
    progress 40 $"local: creating server ($infra)/($name)"
    let server = {
        id: $"local-(random uuid)"
        name: $name
        infra: $infra
        provider: "local"
        status: "running"
        spec: $spec
        created_at: (now-utc)
    }
    mkdir (server-dir $infra $name)
    save-atomic $file ($server | to json)
    progress 100 $"local: server ($infra)/($name) is running"
    $server | insert changed true
}

# Deletes server `name` in `infra` and its folder. Idempotent: a missing server gives `changed: false`.
export def delete-server [infra: string, name: string] {
    let file = (server-file $infra $name)
    let dir = (server-dir $infra $name)
    progress 10 $"local: deleting server ($infra)/($name)"
    if not ($file | path exists) {
        if ($dir | path exists) { rm --recursive --force $dir }
        progress 100 $"local: server ($infra)/($name) does not exist"
        return {name: $name, infra: $infra, provider: "local", status: "deleted", changed: false}
    }
    let existing = (read-json $file)
    rm --force $file
    if ($dir | path exists) { rm --recursive --force $dir }
    progress 100 $"local: server ($infra)/($name) deleted"
    $existing | merge {status: "deleted", changed: true}
}

# Lists the servers of `infra`, or of every infra when `infra` is null. Sorted by infra, then name.
export def list-servers [infra?: string] {
    let root = (state-dir)
    if not ($root | path exists) { return [] }
    let infras = if $infra == null {
        ls --short-names $root | where type == dir | get name
    } else {
        [(check-name infra $infra)]
    }
    $infras | each {|i|
        let dir = ($root | path join $i "servers")
        if ($dir | path exists) {
            ls --short-names $dir
            | where type == file and name ends-with ".json"
            | each {|f| read-json ($dir | path join $f.name) }
        } else { [] }
    } | flatten | sort-by infra name
}
