# cluster create: servers, then task services on them.
#
#   cluster-workflow {infra: "wuji", params: {name: "demo", servers?: [...], taskservs?: [...], plan?: "small"}}
#       → a workflow document (JSON shape of POST /workflows/cluster/create and /workflows/batch/submit):
#         one task per server and per task service on a server, with depends_on, a rollback for each, and
#         on_failure = "rollback". Orchestrated mode submits it.
#   create-cluster {same request}
#       → runs the same steps here, one after another in dependency order (direct mode); when a step fails, the
#         steps done so far are undone in reverse order and the error names the failed step.
#
# Defaults: name = the infra, servers = ["<name>-cp-1", "<name>-worker-1"], taskservs = containerd, kubernetes,
# cilium. Servers whose name contains "cp" are the control plane (else the first server is). containerd and
# kubernetes go on every server; cilium, postgres and apps once, on the first control-plane server.

use common.nu [cluster-request cluster-steps]
use ../servers/create.nu [create-server]
use ../servers/delete.nu [delete-server]
use ../taskservs/create.nu [create-taskserv]
use ../taskservs/delete.nu [delete-taskserv]
use ../lib/task.nu [progress progress-range once]

export def cluster-workflow [req: record] {
    let c = (cluster-request $req "cluster-workflow")
    let tasks = (cluster-steps $c | each {|s|
        let forward = if $s.kind == "server" {
            {module: "servers/create.nu", function: "create-server"}
        } else {
            {module: "taskservs/create.nu", function: "create-taskserv"}
        }
        let undo = if $s.kind == "server" {
            {module: "servers/delete.nu", function: "delete-server"}
        } else {
            {module: "taskservs/delete.nu", function: "delete-taskserv"}
        }
        {id: $s.id}
        | merge $forward
        | merge {args: $s.args, depends_on: $s.depends_on, timeout: (if $s.kind == "server" { "5m" } else { "10m" })}
        | merge {rollback: ($undo | insert args $s.undo)}
    })
    {
        workflow: {name: $"cluster-($c.name)", priority: "normal", max_attempts: 2, on_failure: "rollback"}
        task: $tasks
    }
}

export def create-cluster [req: record] {
    let c = (cluster-request $req "create-cluster")
    once $"create-cluster ($c.provider)/($c.infra)/($c.name)" $req {||
        let steps = (cluster-steps $c)
        let n = ($steps | length)
        progress 0 $"cluster ($c.infra)/($c.name): ($n) steps"
        # The steps run without the task's idempotency key: the cluster as a whole is the unit `once` records,
        # and each step is idempotent by itself.
        let results = (with-env {PROVISIONING_IDEMPOTENCY_KEY: ""} {
            $steps | enumerate | reduce --fold [] {|it, done|
                let s = $it.item
                let r = (try {
                    progress-range ($it.index * 100 / $n | math floor) (($it.index + 1) * 100 / $n | math floor) {
                        if $s.kind == "server" { create-server $s.args } else { create-taskserv $s.args }
                    }
                } catch {|e|
                    undo-steps ($done | reverse)
                    error make {msg: $"create-cluster ($c.infra)/($c.name): step ($s.id) failed, ($done | length) earlier steps undone: ($e.msg)"}
                })
                $done | append {step: $s, result: $r}
            }
        })
        progress 100 $"cluster ($c.infra)/($c.name): created"
        {
            infra: $c.infra, name: $c.name, provider: $c.provider, servers: $c.servers, control_plane: $c.control_plane
            taskservs: $c.taskservs, changed: ($results | any {|x| $x.result.changed? == true })
            steps: ($results | each {|x| {id: $x.step.id, changed: ($x.result.changed? | default false)} })
        }
    }
}

# Undoes done steps (given last first): delete-taskserv / delete-server, each idempotent. An undo that fails is
# reported and the others still run.
def undo-steps [done: list] {
    for d in $done {
        try {
            if $d.step.kind == "server" { delete-server $d.step.undo } else { delete-taskserv $d.step.undo } | ignore
        } catch {|e|
            print --stderr $"undo of step ($d.step.id) failed: ($e.msg)"
        }
    }
}
