# server create: `create-server {infra: "wuji", params: {name?: "wuji", provider?: "local", ...spec}}`
# Every other key of params is the server's spec (plan, zone, ...). Idempotent: the same request twice
# gives `changed: false` the second time; the same name with another spec is an error.

use common.nu [req-infra req-params req-provider provider-create-server]

export def create-server [req: record] {
    let infra = (req-infra $req "create-server")
    let params = (req-params $req "create-server")
    let name = ($params.name? | default $infra)
    let provider = (req-provider $params)
    let spec = ($params | reject --optional name provider)
    provider-create-server $provider $infra $name $spec
}
