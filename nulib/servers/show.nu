# server show: `show-server {infra: "wuji", params: {name?: "wuji", provider?: "local"}}` → the server record.
# A server that does not exist is an error that names the infra, the server and the servers that do exist.

use common.nu [req-infra req-params req-provider]
use ../providers/dispatch.nu
use ../lib/state.nu [check-name]

export def show-server [req: record] {
    let infra = (req-infra $req "show-server")
    let params = (req-params $req "show-server")
    let name = (check-name server ($params.name? | default $infra))
    let provider = (req-provider $params)
    let server = (dispatch call $provider show-server [$infra $name])
    if $server == null {
        let known = (dispatch call $provider list-servers [$infra] | get name)
        let hint = if ($known | is-empty) { "it has no servers" } else { $"its servers are ($known | str join ', ')" }
        error make {msg: $"show-server: server '($name)' does not exist in infra '($infra)' \(provider ($provider)\); ($hint)"}
    }
    $server
}
