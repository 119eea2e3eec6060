# taskserv cilium: the CNI. Renders values.yaml for the cilium Helm chart. Needs kubernetes.
#
# config keys (defaults below): version, cluster_id, k8s_service_host, k8s_service_port, ipam_mode,
# pod_cidr, kube_proxy_replacement, hubble (bool), operator_replicas.

export const REQUIRES = ["kubernetes"]
export const SCOPE = "cluster"   # installed once per cluster, on its first control-plane server

export def defaults [server: record] {
    {
        version: "1.16.1"
        cluster_id: 1
        k8s_service_host: $"($server.infra)-cp"
        k8s_service_port: 6443
        ipam_mode: "kubernetes"
        pod_cidr: "10.244.0.0/16"
        kube_proxy_replacement: true
        hubble: true
        operator_replicas: 1
    }
}

export def render [server: record, config: record] {
    let c = (defaults $server | merge deep --strategy=overwrite $config)
    let values = {
        cluster: {name: $server.infra, id: $c.cluster_id}
        k8sServiceHost: $c.k8s_service_host
        k8sServicePort: $c.k8s_service_port
        kubeProxyReplacement: $c.kube_proxy_replacement
        ipam: {mode: $c.ipam_mode, operator: {clusterPoolIPv4PodCIDRList: [$c.pod_cidr]}}
        hubble: {enabled: $c.hubble, relay: {enabled: $c.hubble}, ui: {enabled: $c.hubble}}
        operator: {replicas: $c.operator_replicas}
    }
    let header = $"# cilium ($c.version) on ($server.infra)/($server.name), rendered by nulib/taskservs/cilium.nu\n# helm upgrade --install cilium cilium/cilium --version ($c.version) -n kube-system -f values.yaml\n"
    [{path: "values.yaml", content: ($header + ($values | to yaml))}]
}
