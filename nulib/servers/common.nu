# Shared by servers/*.nu: request parsing and provider dispatch. Only the `local` provider exists so far; a
# new provider is a module under providers/<name>/provider.nu with the same three commands, plus one line in
# each `match` below.

use ../providers/local/provider.nu
use ../lib/state.nu [check-name]

export const PROVIDERS = ["local"]

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

# The provider named in params (default "local"), checked.
export def req-provider [params: record] {
    let p = ($params.provider? | default "local")
    if $p not-in $PROVIDERS {
        error make {msg: $"unknown provider '($p)': available providers are ($PROVIDERS | str join ', ')"}
    }
    $p
}

export def provider-create-server [provider: string, infra: string, name: string, spec: record] {
    match $provider {
        "local" => { provider create-server $infra $name $spec }
    }
}

export def provider-delete-server [provider: string, infra: string, name: string] {
    match $provider {
        "local" => { provider delete-server $infra $name }
    }
}

export def provider-list-servers [provider: string, infra?: string] {
    match $provider {
        "local" => { provider list-servers $infra }
    }
}

export def provider-server-exists [provider: string, infra: string, name: string] {
    match $provider {
        "local" => { provider server-file $infra $name | path exists }
    }
}

export def provider-server-dir [provider: string, infra: string, name: string] {
    match $provider {
        "local" => { provider server-dir $infra $name }
    }
}
