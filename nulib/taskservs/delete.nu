# taskserv delete (remove): removes a task service's files from a server (also the rollback of create-taskserv).
#
#   delete-taskserv {infra: "wuji", params: {server?: "wuji", taskserv: "kubernetes", provider?: "local"}}
#
# Idempotent: a taskserv that is not there (or a server that is gone) gives `changed: false`.

use common.nu [taskserv-request]
use ../providers/dispatch.nu
use ../lib/task.nu [progress once]

export def delete-taskserv [req: record] {
    let r = (taskserv-request $req "delete-taskserv")
    once $"delete-taskserv ($r.provider)/($r.infra)/($r.server)/($r.taskserv)" $req {||
        progress 10 $"taskserv ($r.taskserv): removing from ($r.infra)/($r.server)"
        let out = (dispatch call $r.provider remove-taskserv [$r.infra $r.server $r.taskserv])
        progress 100 $"taskserv ($r.taskserv) on ($r.infra)/($r.server): (if $out.changed { 'removed' } else { 'not present' })"
        {infra: $r.infra, server: $r.server, taskserv: $r.taskserv, provider: $r.provider, path: $out.path, changed: $out.changed}
    }
}
