# Request parsing shared by servers/, taskservs/ and clusters/. A request is a record
# `{infra: string, params?: record}`; provider calls go through providers/dispatch.nu.

use ../providers/dispatch.nu [check-provider]
use ../lib/state.nu [check-name]

# The infra of a request record `{infra: string, params?: record}`, checked.
export def req-infra [req: record, what: string] {
    let infra = ($req.infra? | default "")
    if ($infra | is-empty) {
        error make {msg: $"($what): the request needs an 'infra', e.g. {infra: \"wuji\", params: {}}"}
    }
    check-name infra $infra
}

# The params of a request record (default {}), checked to be a record.
export def req-params [req: record, what: string] {
    let params = ($req.params? | default {})
    if ($params | describe | str starts-with "record") { $params } else {
        error make {msg: $"($what): 'params' must be a record, got ($params | describe)"}
    }
}

# The provider named in params (default "local"), checked: it must be `local` or have a providers/<name>/provider.nu.
export def req-provider [params: record] {
    check-provider ($params.provider? | default "local")
}

# The infra of an optional-infra request (null when absent), checked when present.
export def req-infra-optional [req: record] {
    let infra = ($req.infra? | default null)
    if $infra == null { null } else { check-name infra $infra }
}
