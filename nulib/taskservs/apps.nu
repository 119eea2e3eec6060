# taskserv apps: the applications of a cluster. Renders apps.yaml: one Deployment per image. Needs kubernetes
# (it runs on the cluster), so a cluster installs it last.
#
# config keys (defaults below): namespace, replicas, images (list of "name:tag").

export const REQUIRES = ["kubernetes"]
export const SCOPE = "cluster"   # installed once per cluster, on its first control-plane server

export def defaults [server: record] {
    {namespace: "default", replicas: 1, images: []}
}

export def render [server: record, config: record] {
    let c = (defaults $server | merge deep --strategy=overwrite $config)
    let docs = ($c.images | each {|image|
        let name = ($image | into string | split row ":" | first | split row "/" | last)
        {
            apiVersion: "apps/v1"
            kind: "Deployment"
            metadata: {name: $name, namespace: $c.namespace, labels: {app: $name}}
            spec: {
                replicas: $c.replicas
                selector: {matchLabels: {app: $name}}
                template: {metadata: {labels: {app: $name}}, spec: {containers: [{name: $name, image: ($image | into string)}]}}
            }
        }
    })
    let header = $"# apps on ($server.infra)/($server.name), rendered by nulib/taskservs/apps.nu\n"
    [{path: "apps.yaml", content: ($header + ($docs | each {|d| $d | to yaml } | str join "---\n"))}]
}
