# server delete: `delete-server {infra: "wuji", params: {name?: "wuji", provider?: "local"}}`
# Idempotent: deleting a missing server gives `changed: false`.

use common.nu [req-infra req-params req-provider provider-delete-server]

export def delete-server [req: record] {
    let infra = (req-infra $req "delete-server")
    let params = (req-params $req "delete-server")
    let name = ($params.name? | default $infra)
    let provider = (req-provider $params)
    provider-delete-server $provider $infra $name
}
