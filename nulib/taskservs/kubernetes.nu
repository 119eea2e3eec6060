# taskserv kubernetes: renders kubeadm-config.yaml (InitConfiguration + ClusterConfiguration on a control plane,
# JoinConfiguration on a worker) and kubelet-config.yaml (KubeletConfiguration). Needs containerd.
#
# config keys (defaults below): version, role ("control-plane" | "worker"; default: control-plane when the server's
# name contains "cp" or its spec says role = "control-plane", else worker), cluster_name, control_plane_endpoint,
# pod_subnet, service_subnet, dns_domain, cgroup_driver, container_runtime_endpoint, max_pods, cni ({name}),
# node_labels (record).

export const REQUIRES = ["containerd"]
export const SCOPE = "node"      # installed on every server of a cluster

export def defaults [server: record] {
    let role = if ($server.spec?.role? | default "") in ["control-plane", "worker"] {
        $server.spec.role
    } else if ($server.name =~ '(^|[-_.])cp([-_.0-9]|$)') { "control-plane" } else { "worker" }
    {
        version: "1.31"
        role: $role
        cluster_name: $server.infra
        control_plane_endpoint: $"($server.infra)-cp:6443"
        pod_subnet: "10.244.0.0/16"
        service_subnet: "10.96.0.0/12"
        dns_domain: "cluster.local"
        cgroup_driver: "systemd"
        container_runtime_endpoint: "unix:///run/containerd/containerd.sock"
        max_pods: 110
        cni: {name: "cilium"}
        node_labels: {}
    }
}

export def render [server: record, config: record] {
    let c = (defaults $server | merge deep --strategy=overwrite $config)
    if $c.role not-in ["control-plane", "worker"] {
        error make {msg: $"taskserv kubernetes on ($server.infra)/($server.name): config.role must be control-plane or worker, got '($c.role)'"}
    }
    let labels = ($c.node_labels | transpose k v | each {|l| $"($l.k)=($l.v)" } | str join ",")
    let node = ({name: $server.name, criSocket: $c.container_runtime_endpoint}
        | merge (if ($labels | is-empty) { {} } else { {kubeletExtraArgs: [{name: "node-labels", value: $labels}]} }))
    let kubeadm = if $c.role == "control-plane" {
        [
            {apiVersion: "kubeadm.k8s.io/v1beta4", kind: "InitConfiguration", nodeRegistration: $node}
            {
                apiVersion: "kubeadm.k8s.io/v1beta4"
                kind: "ClusterConfiguration"
                clusterName: $c.cluster_name
                kubernetesVersion: $"v($c.version)"
                controlPlaneEndpoint: $c.control_plane_endpoint
                networking: {podSubnet: $c.pod_subnet, serviceSubnet: $c.service_subnet, dnsDomain: $c.dns_domain}
            }
        ]
    } else {
        [{
            apiVersion: "kubeadm.k8s.io/v1beta4"
            kind: "JoinConfiguration"
            nodeRegistration: $node
            discovery: {bootstrapToken: {apiServerEndpoint: $c.control_plane_endpoint, unsafeSkipCAVerification: false}}
        }]
    }
    let kubelet = {
        apiVersion: "kubelet.config.k8s.io/v1beta1"
        kind: "KubeletConfiguration"
        cgroupDriver: $c.cgroup_driver
        containerRuntimeEndpoint: $c.container_runtime_endpoint
        clusterDomain: $c.dns_domain
        maxPods: $c.max_pods
        authentication: {anonymous: {enabled: false}, webhook: {enabled: true}}
        authorization: {mode: "Webhook"}
    }
    let header = $"# kubernetes ($c.version) \(($c.role)\) on ($server.infra)/($server.name), rendered by nulib/taskservs/kubernetes.nu\n"
    [
        {path: "kubeadm-config.yaml", content: ($header + ($kubeadm | each {|d| $d | to yaml } | str join "---\n"))}
        {path: "kubelet-config.yaml", content: ($header + ($kubelet | to yaml))}
    ]
}
