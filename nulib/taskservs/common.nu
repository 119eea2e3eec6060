# Request parsing shared by taskservs/create.nu and delete.nu.

use ../servers/common.nu [req-infra req-params req-provider]
use ../lib/state.nu [check-name]
use registry.nu [check-taskserv KNOWN]

# `{infra, params: {server?, taskserv, provider?}}` → {infra, server, taskserv, provider, params}, checked.
export def taskserv-request [req: record, what: string] {
    let infra = (req-infra $req $what)
    let params = (req-params $req $what)
    let provider = (req-provider $params)
    let server = (check-name server ($params.server? | default $infra))
    let taskserv = ($params.taskserv? | default "")
    if ($taskserv | is-empty) {
        error make {msg: $"($what): params.taskserv is missing \(infra ($infra), server ($server)\); known taskservs: ($KNOWN | str join ', ')"}
    }
    check-name taskserv $taskserv
    check-taskserv $taskserv $"($what) on ($infra)/($server)"
    {infra: $infra, server: $server, taskserv: $taskserv, provider: $provider, params: $params}
}
