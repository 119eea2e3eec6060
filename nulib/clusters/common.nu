# A cluster as a plan: which servers, which task services on which server, in which order. clusters/create.nu and
# delete.nu turn it into a workflow document (orchestrated mode) or run it here (direct mode).

use ../servers/common.nu [req-infra req-params req-provider]
use ../lib/state.nu [check-name]
use ../taskservs/registry.nu

export const DEFAULT_TASKSERVS = ["containerd", "kubernetes", "cilium"]

# `{infra, params: {name?, servers?, taskservs?, plan?, provider?}}` → {infra, name, provider, plan, servers,
# control_plane, taskservs}, checked. `name` defaults to the infra; `servers` to ["<name>-cp-1", "<name>-worker-1"];
# `taskservs` to containerd, kubernetes, cilium (put in install order).
export def cluster-request [req: record, what: string] {
    let infra = (req-infra $req $what)
    let params = (req-params $req $what)
    let provider = (req-provider $params)
    let name = (check-name cluster ($params.name? | default $infra))
    let where = $"($what) cluster '($name)' in infra '($infra)'"
    let servers = ($params.servers? | default [$"($name)-cp-1" $"($name)-worker-1"])
    if ($servers | describe | str starts-with "list") == false or ($servers | is-empty) {
        error make {msg: $"($where): params.servers must be a non-empty list of server names, got ($servers | to json --raw)"}
    }
    for s in $servers { check-name $"server \(($where)\)" $s }
    if ($servers | uniq | length) != ($servers | length) {
        error make {msg: $"($where): params.servers names a server twice: ($servers | to json --raw)"}
    }
    let taskservs = ($params.taskservs? | default $DEFAULT_TASKSERVS)
    if ($taskservs | describe | str starts-with "list") == false {
        error make {msg: $"($where): params.taskservs must be a list of taskserv names, got ($taskservs | to json --raw)"}
    }
    for t in $taskservs { registry check-taskserv $t $where }
    let plan = ($params.plan? | default null)
    if $plan != null and ($plan | describe) != "string" {
        error make {msg: $"($where): params.plan must be a string, got ($plan | to json --raw)"}
    }
    let cps = ($servers | where {|s| $s =~ '(^|[-_.])cp([-_.0-9]|$)' })
    let control_plane = if ($cps | is-empty) { [($servers | first)] } else { $cps }
    {
        infra: $infra, name: $name, provider: $provider, plan: $plan, servers: $servers
        control_plane: $control_plane, taskservs: (registry install-order ($taskservs | uniq))
    }
}

# The steps of cluster `c`, in an order that respects dependencies: list of
# {id, kind: "server" | "taskserv", server, taskserv?, args, depends_on, undo}.
export def cluster-steps [c: record] {
    let first_cp = ($c.control_plane | first)
    let base = {infra: $c.infra}
    let provider = (if $c.provider == "local" { {} } else { {provider: $c.provider} })
    let server_steps = ($c.servers | each {|s|
        let role = if $s in $c.control_plane { "control-plane" } else { "worker" }
        let spec = ({name: $s, role: $role, cluster: $c.name} | merge (if $c.plan == null { {} } else { {plan: $c.plan} }) | merge $provider)
        {
            id: $"server-($s)", kind: "server", server: $s
            args: ($base | insert params $spec)
            depends_on: []
            undo: ($base | insert params ({name: $s} | merge $provider))
        }
    })
    let ts_steps = ($c.taskservs | each {|t|
        let targets = if (registry scope $t) == "node" { $c.servers } else { [$first_cp] }
        let needs = (registry requires $t | where {|r| $r in $c.taskservs })
        $targets | each {|s|
            let on = if (registry scope $t) == "node" { [$s] } else { $c.servers }
            let deps = ([$"server-($s)"] | append ($needs | each {|r|
                let r_on = if (registry scope $r) == "node" { $on } else { [$first_cp] }
                $r_on | each {|x| $"($r)-($x)" }
            } | flatten) | uniq)
            {
                id: $"($t)-($s)", kind: "taskserv", server: $s, taskserv: $t
                args: ($base | insert params ({server: $s, taskserv: $t, config: (cluster-config $c $t $s)} | merge $provider))
                depends_on: $deps
                undo: ($base | insert params ({server: $s, taskserv: $t} | merge $provider))
            }
        }
    } | flatten)
    $server_steps | append $ts_steps
}

# What a cluster tells each task service about itself.
def cluster-config [c: record, taskserv: string, server: string] {
    let cp = ($c.control_plane | first)
    match $taskserv {
        "kubernetes" => {
            role: (if $server in $c.control_plane { "control-plane" } else { "worker" })
            cluster_name: $c.name
            control_plane_endpoint: $"($cp):6443"
        }
        "cilium" => {k8s_service_host: $cp}
        _ => { {} }
    }
}
