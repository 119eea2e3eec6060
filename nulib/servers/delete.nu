# server delete: `delete-server {infra: "wuji", params: {name?: "wuji", provider?: "local"}}`
# Idempotent: deleting a missing server gives `changed: false`.

use common.nu [req-infra req-params req-provider]
use ../providers/dispatch.nu
use ../lib/state.nu [check-name]
use ../lib/task.nu [once]

export def delete-server [req: record] {
    let infra = (req-infra $req "delete-server")
    let params = (req-params $req "delete-server")
    let name = (check-name server ($params.name? | default $infra))
    let provider = (req-provider $params)
    once $"delete-server ($provider)/($infra)/($name)" $req {|| dispatch call $provider delete-server [$infra $name] }
}
