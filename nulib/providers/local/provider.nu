# The `local` provider: servers that exist only as files in a state folder. It implements the provider
# contract (nulib/README.md, "The provider contract"; providers/dispatch.nu) for development, tests and demos.
#
# State layout (see nulib/README.md):
#   <state>/<infra>/servers/<name>.json                        the server record
#   <state>/<infra>/servers/<name>/taskservs/<taskserv>.toml   a task service installed on it: its effective config
#   <state>/<infra>/servers/<name>/taskservs/<taskserv>/...    the files rendered for it
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

# Server `name` of `infra`, or null when it does not exist.
export def show-server [infra: string, name: string] {
    let file = (server-file $infra $name)
    if ($file | path exists) { read-json $file } else { null }
}

# The marker file (effective config, TOML) and the folder of the rendered files of `taskserv` on a server.
def taskserv-paths [infra: string, server: string, taskserv: string] {
    let base = (server-dir $infra $server | path join "taskservs")
    let name = (check-name taskserv $taskserv)
    {marker: ($base | path join $"($name).toml"), dir: ($base | path join $name)}
}

# The regular files under `dir` (absolute paths, sorted); [] when it does not exist.
def files-under [dir: string] {
    if not ($dir | path exists) { return [] }
    do { cd $dir; glob --no-dir "**/*" } | sort
}

# Installs `taskserv` on server `server`: writes each of `files` ({path, content}; path relative, one or more
# checked name components) into <server>/taskservs/<taskserv>/, removes files an earlier config rendered that this
# one does not, and writes the effective `config` as <taskserv>.toml last (the marker that says it is installed).
# Idempotent: identical files give `changed: false`.
export def install-taskserv [infra: string, server: string, taskserv: string, config: record, files: list] {
    if (show-server $infra $server) == null {
        error make {
            msg: $"local: server '($server)' does not exist in infra '($infra)'; create it first with servers/create.nu create-server"
        }
    }
    let p = (taskserv-paths $infra $server $taskserv)
    let header = $"# taskserv ($taskserv) on ($infra)/($server): effective config, written by the local provider\n"
    let marker_text = $header + ($config | to toml)
    let wanted = ($files | each {|f|
        let rel = ($f.path | split row "/" | each {|c| check-name $"file of taskserv ($taskserv)" $c } | path join)
        {path: ($p.dir | path join $rel), content: $f.content}
    })
    let present = (files-under $p.dir)
    let stale = ($present | where {|f| $f not-in ($wanted | get path) })
    let writes = ($wanted | where {|f| not (($f.path | path exists) and ((open --raw $f.path) == $f.content)) })
    let marker_changed = not (($p.marker | path exists) and ((open --raw $p.marker) == $marker_text))
    for f in $writes {
        progress 60 $"local: writing ($f.path | path relative-to $p.dir) for ($taskserv) on ($infra)/($server)"
        save-atomic $f.path $f.content
    }
    for f in $stale { rm --force $f }
    if $marker_changed { save-atomic $p.marker $marker_text }
    {
        path: $p.marker
        dir: $p.dir
        files: ($wanted | get path)
        changed: ($marker_changed or ($writes | is-not-empty) or ($stale | is-not-empty))
    }
}

# Removes `taskserv` from a server: its marker and its folder. Idempotent: nothing there gives `changed: false`.
export def remove-taskserv [infra: string, server: string, taskserv: string] {
    let p = (taskserv-paths $infra $server $taskserv)
    let changed = ($p.marker | path exists) or ($p.dir | path exists)
    rm --force $p.marker
    if ($p.dir | path exists) { rm --recursive --force $p.dir }
    {path: $p.marker, dir: $p.dir, changed: $changed}
}

# The task services installed on the servers of `infra` (every infra when null), of server `server` when given.
# Sorted by infra, server, taskserv.
export def list-taskservs [infra?: string, server?: string] {
    list-servers $infra
    | where {|s| $server == null or $s.name == $server }
    | each {|s|
        let base = (server-dir $s.infra $s.name | path join "taskservs")
        if ($base | path exists) {
            ls --short-names $base | where type == file and name ends-with ".toml" | each {|f|
                let name = ($f.name | str substring 0..<(($f.name | str length) - 5))
                let dir = ($base | path join $name)
                {
                    infra: $s.infra
                    server: $s.name
                    taskserv: $name
                    provider: "local"
                    path: ($base | path join $f.name)
                    dir: $dir
                    files: (files-under $dir)
                    config: (open --raw ($base | path join $f.name) | from toml)
                    installed_at: ($f.modified | date to-timezone UTC | format date "%Y-%m-%dT%H:%M:%S%.3fZ")
                }
            }
        } else { [] }
    } | flatten | sort-by infra server taskserv
}
