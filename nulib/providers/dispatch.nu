# Provider dispatch: calls one function of the provider contract (see nulib/README.md, "The provider contract").
#
# A provider is one module, providers/<name>/provider.nu, in this nulib or in any dir of $env.NU_LIB_DIRS. The
# built-in `local` provider is imported here and called in this process. Any other provider is found on disk and
# called in a child `nu` (Nushell cannot import a module chosen at run time): the arguments travel as JSON in the
# environment, the child's stdout (PROGRESS lines) and stderr pass straight through, and its result comes back as
# JSON in a temporary file. Only the module path (from a checked provider name) and a contract function name are
# written into the child's code; no request data is.

use local/provider.nu
use ../lib/state.nu [check-name]

const SELF = path self

# The contract: function name → number of positional arguments.
export const CONTRACT = {
    create-server: 3      # [infra: string, name: string, spec: record] → server record + changed
    delete-server: 2      # [infra: string, name: string] → deleted server (or stub) + changed
    list-servers: 1       # [infra?: string] → list of server records
    show-server: 2        # [infra: string, name: string] → server record, or null when it does not exist
    install-taskserv: 5   # [infra, server, taskserv, config: record, files: list<{path, content}>] → {path, dir, files, changed}
    remove-taskserv: 3    # [infra, server, taskserv] → {path, dir, changed}
    list-taskservs: 2     # [infra?: string, server?: string] → list of {infra, server, taskserv, provider, path, ...}
}

# The lib dirs searched for providers/<name>/provider.nu: $env.NU_LIB_DIRS, then this nulib.
def lib-dirs [] {
    let env_dirs = ($env.NU_LIB_DIRS? | default [])
    let env_list = if ($env_dirs | describe) == "string" { $env_dirs | split row (char esep) } else { $env_dirs }
    $env_list | append ($SELF | path dirname | path dirname) | where {|d| $d | is-not-empty } | uniq
}

# The module file of provider `name`, or null when no lib dir has one.
export def provider-module [name: string] {
    check-name provider $name
    lib-dirs | each {|d| $d | path join "providers" $name "provider.nu" | path expand } | where {|f| $f | path exists } | get 0?
}

# Every available provider: `local` plus each providers/<name>/provider.nu found in the lib dirs.
export def providers [] {
    lib-dirs | each {|d|
        let dir = ($d | path join "providers")
        if ($dir | path exists) {
            ls --short-names $dir | where type == dir | get name
            | where {|n| ($dir | path join $n "provider.nu" | path exists) and ($n =~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$') }
        } else { [] }
    } | flatten | prepend "local" | uniq | sort
}

# Checks a provider name and that its module exists; returns the name.
export def check-provider [name: any] {
    let p = ($name | default "local")
    if ($p | describe) != "string" or not ($p =~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$') or (provider-module $p) == null {
        error make {
            msg: $"unknown provider '($p)': available providers are (providers | str join ', ') \(a provider is a module providers/<name>/provider.nu, see nulib/README.md\)"
        }
    }
    $p
}

# Calls contract function `fn` of `provider` with `args` (a list, one item per positional argument; null for an
# optional one left out).
export def call [provider: string, fn: string, args: list] {
    let arity = ($CONTRACT | get --optional $fn)
    if $arity == null {
        error make {msg: $"provider dispatch: '($fn)' is not a provider function; the contract is ($CONTRACT | columns | str join ', ')"}
    }
    if ($args | length) != $arity {
        error make {msg: $"provider dispatch: ($fn) takes ($arity) arguments, got ($args | length)"}
    }
    let a = $args
    if $provider == "local" {
        return (match $fn {
            "create-server" => { provider create-server $a.0 $a.1 $a.2 }
            "delete-server" => { provider delete-server $a.0 $a.1 }
            "list-servers" => { provider list-servers $a.0 }
            "show-server" => { provider show-server $a.0 $a.1 }
            "install-taskserv" => { provider install-taskserv $a.0 $a.1 $a.2 $a.3 $a.4 }
            "remove-taskserv" => { provider remove-taskserv $a.0 $a.1 $a.2 }
            "list-taskservs" => { provider list-taskservs $a.0 $a.1 }
        })
    }
    call-external $provider $fn $args
}

def call-external [provider: string, fn: string, args: list] {
    let module = (provider-module (check-provider $provider))
    if ($module | str contains "'") {
        error make {msg: $"provider '($provider)': its module path ($module) contains a single quote; move it"}
    }
    let out = (mktemp --tmpdir provisioning-provider-XXXXXX.json)
    let call_args = (0..<($args | length) | each {|i| $"$a.($i)" } | str join " ")
    let code = ([
        $"use '($module)' [($fn)]"
        "let a = ($env.PROVISIONING_PROVIDER_ARGS | from json)"
        $"let r = \(($fn) ($call_args)\)"
        "$r | to json | save --force $env.PROVISIONING_PROVIDER_RESULT"
    ] | str join "\n")
    try {
        with-env {PROVISIONING_PROVIDER_ARGS: ($args | to json --raw), PROVISIONING_PROVIDER_RESULT: $out} {
            ^$nu.current-exe --no-config-file --commands $code
        }
    } catch {|e|
        rm --force $out
        error make {msg: $"provider '($provider)': ($fn) failed \(($module)\): ($e.msg)"}
    }
    let raw = (open --raw $out)
    rm --force $out
    if ($raw | is-empty) { null } else { $raw | from json }
}
