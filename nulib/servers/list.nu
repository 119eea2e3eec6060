# server list: `list-servers {}` lists the servers of every infra; `list-servers {infra: "wuji"}` of one.
# `params.provider` picks the provider (default "local").

use common.nu [req-params req-provider provider-list-servers]
use ../lib/state.nu [check-name]

export def list-servers [req: record = {}] {
    let params = (req-params $req "list-servers")
    let provider = (req-provider $params)
    let infra = ($req.infra? | default null)
    if $infra != null { check-name infra $infra }
    provider-list-servers $provider $infra
}
