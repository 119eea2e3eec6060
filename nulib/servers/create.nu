# server create: `create-server {infra: "wuji", params: {name?: "wuji", provider?: "local", ...spec}}`
# Every other key of params is the server's spec (plan, zone, ...). Idempotent: the same request twice
# gives `changed: false` the second time; the same name with another spec is an error. An attempt retried under the
# same PROVISIONING_IDEMPOTENCY_KEY returns the first attempt's result.

use common.nu [req-infra req-params req-provider]
use ../providers/dispatch.nu
use ../lib/state.nu [check-name]
use ../lib/task.nu [once]

export def create-server [req: record] {
    let infra = (req-infra $req "create-server")
    let params = (req-params $req "create-server")
    let name = (check-name server ($params.name? | default $infra))
    let provider = (req-provider $params)
    let spec = ($params | reject --optional name provider)
    once $"create-server ($provider)/($infra)/($name)" $req {|| dispatch call $provider create-server [$infra $name $spec] }
}
