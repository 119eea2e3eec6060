# taskserv list: `list-taskservs {infra?: "wuji", params?: {server?: "cp-1", provider?: "local"}}` → the installed
# task services: list of {infra, server, taskserv, provider, path, dir, files, config, installed_at}.

use ../servers/common.nu [req-params req-provider req-infra-optional]
use ../providers/dispatch.nu
use ../lib/state.nu [check-name]

export def list-taskservs [req: record = {}] {
    let params = (req-params $req "list-taskservs")
    let provider = (req-provider $params)
    let infra = (req-infra-optional $req)
    let server = ($params.server? | default null)
    if $server != null { check-name server $server }
    dispatch call $provider list-taskservs [$infra $server]
}
