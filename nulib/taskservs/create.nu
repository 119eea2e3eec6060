# taskserv create: installs (renders) a task service's configuration on an existing server.
#
#   create-taskserv {infra: "wuji", params: {server: "wuji", taskserv: "kubernetes", provider?: "local",
#                                            config?: {version: "1.31", ...}}}
#
# `params.server` defaults to the infra name. The config record is rendered as TOML into the server's folder:
# <state>/<infra>/servers/<server>/taskservs/<taskserv>.toml (local provider). Idempotent: the same config gives
# `changed: false`; another config replaces the file (`changed: true`).

use ../servers/common.nu [req-infra req-params req-provider provider-server-exists provider-server-dir]
use ../lib/state.nu [check-name save-atomic]
use ../lib/task.nu [progress]

export def create-taskserv [req: record] {
    let infra = (req-infra $req "create-taskserv")
    let params = (req-params $req "create-taskserv")
    let provider = (req-provider $params)
    let server = (check-name server ($params.server? | default $infra))
    let taskserv = (check-name taskserv ($params.taskserv? | default ""))
    let config = ($params.config? | default {})
    if not ($config | describe | str starts-with "record") {
        error make {msg: $"create-taskserv: 'config' must be a record, got ($config | describe)"}
    }
    progress 10 $"taskserv ($taskserv): checking server ($infra)/($server)"
    if not (provider-server-exists $provider $infra $server) {
        error make {
            msg: $"create-taskserv: server '($server)' does not exist in infra '($infra)'; create it first with servers/create.nu create-server"
        }
    }
    let file = (provider-server-dir $provider $infra $server | path join "taskservs" $"($taskserv).toml")
    let header = $"# taskserv ($taskserv) on ($infra)/($server), rendered by nulib/taskservs/create.nu\n"
    let text = $header + ($config | to toml)
    let changed = not (($file | path exists) and ((open --raw $file) == $text))
    if $changed {
        progress 50 $"taskserv ($taskserv): rendering config"
        save-atomic $file $text
    }
    progress 100 $"taskserv ($taskserv) on ($infra)/($server): (if $changed { 'configured' } else { 'unchanged' })"
    {infra: $infra, server: $server, taskserv: $taskserv, provider: $provider, path: $file, config: $config, changed: $changed}
}
