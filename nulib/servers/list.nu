# server list: `list-servers {}` lists the servers of every infra; `list-servers {infra: "wuji"}` of one.
# `params.provider` picks the provider (default "local").

use common.nu [req-params req-provider req-infra-optional]
use ../providers/dispatch.nu

export def list-servers [req: record = {}] {
    let params = (req-params $req "list-servers")
    let provider = (req-provider $params)
    let infra = (req-infra-optional $req)
    dispatch call $provider list-servers [$infra]
}
