# taskserv create (install): renders a task service's files on an existing server.
#
#   create-taskserv {infra: "wuji", params: {server?: "wuji", taskserv: "kubernetes", provider?: "local",
#                                            config?: {version: "1.31", ...}}}
#
# `params.server` defaults to the infra name. The taskserv module (taskservs/<taskserv>.nu) renders its files from
# its defaults merged with `config`; the provider writes them to the server (local: into
# <state>/<infra>/servers/<server>/taskservs/<taskserv>/, with the effective config in <taskserv>.toml).
# Idempotent: the same config gives `changed: false`; another config rewrites what differs.

use common.nu [taskserv-request]
use registry.nu
use ../providers/dispatch.nu
use ../lib/task.nu [progress once]

export def create-taskserv [req: record] {
    let r = (taskserv-request $req "create-taskserv")
    let config = ($r.params.config? | default {})
    if not ($config | describe | str starts-with "record") {
        error make {msg: $"create-taskserv: taskserv ($r.taskserv) on ($r.infra)/($r.server): 'config' must be a record, got ($config | describe)"}
    }
    once $"create-taskserv ($r.provider)/($r.infra)/($r.server)/($r.taskserv)" $req {||
        progress 10 $"taskserv ($r.taskserv): checking server ($r.infra)/($r.server)"
        let server = (dispatch call $r.provider show-server [$r.infra $r.server])
        if $server == null {
            error make {
                msg: $"create-taskserv: server '($r.server)' does not exist in infra '($r.infra)'; create it first with servers/create.nu create-server"
            }
        }
        let effective = (registry effective-config $r.taskserv $server $config)
        progress 40 $"taskserv ($r.taskserv): rendering its files for ($r.infra)/($r.server)"
        let files = (registry render $r.taskserv $server $config)
        let out = (dispatch call $r.provider install-taskserv [$r.infra $r.server $r.taskserv $effective $files])
        progress 100 $"taskserv ($r.taskserv) on ($r.infra)/($r.server): (if $out.changed { 'installed' } else { 'unchanged' })"
        {
            infra: $r.infra, server: $r.server, taskserv: $r.taskserv, provider: $r.provider
            path: $out.path, dir: $out.dir?, files: $out.files?, config: $effective, changed: $out.changed
        }
    }
}
