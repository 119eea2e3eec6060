# taskserv delete: removes a task service's rendered config from a server (the rollback of create-taskserv).
#
#   delete-taskserv {infra: "wuji", params: {server: "wuji", taskserv: "kubernetes", provider?: "local"}}
#
# Idempotent: a taskserv that is not there (or a server that is gone) gives `changed: false`.

use ../servers/common.nu [req-infra req-params req-provider provider-server-dir]
use ../lib/state.nu [check-name]
use ../lib/task.nu [progress]

export def delete-taskserv [req: record] {
    let infra = (req-infra $req "delete-taskserv")
    let params = (req-params $req "delete-taskserv")
    let provider = (req-provider $params)
    let server = (check-name server ($params.server? | default $infra))
    let taskserv = (check-name taskserv ($params.taskserv? | default ""))
    let file = (provider-server-dir $provider $infra $server | path join "taskservs" $"($taskserv).toml")
    progress 10 $"taskserv ($taskserv): removing from ($infra)/($server)"
    let changed = ($file | path exists)
    if $changed { rm --force $file }
    progress 100 $"taskserv ($taskserv) on ($infra)/($server): (if $changed { 'removed' } else { 'not present' })"
    {infra: $infra, server: $server, taskserv: $taskserv, provider: $provider, path: $file, changed: $changed}
}
