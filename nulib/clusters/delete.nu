# cluster delete: task services off, then servers away; the reverse of clusters/create.nu.
#
#   cluster-delete-workflow {infra: "wuji", params: {name: "demo", servers?: [...], taskservs?: [...]}}
#       → a workflow document: one delete task per step of the cluster, each after the steps that depend on what it
#         removes (cilium before kubernetes before containerd, taskservs before their server). No rollback: a
#         delete cannot be undone; on_failure = "fail", and every task is idempotent, so rerunning it is safe.
#   delete-cluster {same request}
#       → runs those steps here in that order (direct mode). Idempotent: a missing server or taskserv is fine.
#
# The request must describe the cluster as it was created (same servers and taskservs; the defaults match).

use common.nu [cluster-request cluster-steps]
use ../servers/delete.nu [delete-server]
use ../taskservs/delete.nu [delete-taskserv]
use ../lib/task.nu [progress progress-range once]

# The delete steps in order: reverse of the create steps, each depending on the deletes of its dependents.
def delete-steps [c: record] {
    let forward = (cluster-steps $c)
    $forward | reverse | each {|s|
        let dependents = ($forward | where {|x| $s.id in $x.depends_on } | get id)
        {
            id: $"delete-($s.id)", kind: $s.kind, args: $s.undo
            depends_on: ($dependents | each {|d| $"delete-($d)" })
        }
    }
}

export def cluster-delete-workflow [req: record] {
    let c = (cluster-request $req "cluster-delete-workflow")
    let tasks = (delete-steps $c | each {|s|
        let action = if $s.kind == "server" {
            {module: "servers/delete.nu", function: "delete-server"}
        } else {
            {module: "taskservs/delete.nu", function: "delete-taskserv"}
        }
        {id: $s.id} | merge $action | merge {args: $s.args, depends_on: $s.depends_on, timeout: "5m"}
    })
    {
        workflow: {name: $"cluster-delete-($c.name)", priority: "normal", max_attempts: 2, on_failure: "fail"}
        task: $tasks
    }
}

export def delete-cluster [req: record] {
    let c = (cluster-request $req "delete-cluster")
    once $"delete-cluster ($c.provider)/($c.infra)/($c.name)" $req {||
        let steps = (delete-steps $c)
        let n = ($steps | length)
        let results = (with-env {PROVISIONING_IDEMPOTENCY_KEY: ""} {
            $steps | enumerate | each {|it|
                let s = $it.item
                let r = (try {
                    progress-range ($it.index * 100 / $n | math floor) (($it.index + 1) * 100 / $n | math floor) {
                        if $s.kind == "server" { delete-server $s.args } else { delete-taskserv $s.args }
                    }
                } catch {|e|
                    error make {msg: $"delete-cluster ($c.infra)/($c.name): step ($s.id) failed: ($e.msg); the steps before it are done, rerun to finish"}
                })
                {id: $s.id, changed: ($r.changed? | default false)}
            }
        })
        progress 100 $"cluster ($c.infra)/($c.name): deleted"
        {infra: $c.infra, name: $c.name, provider: $c.provider, servers: $c.servers, changed: ($results | any {|x| $x.changed }), steps: $results}
    }
}
