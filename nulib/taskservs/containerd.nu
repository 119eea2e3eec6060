# taskserv containerd: the container runtime. Renders config.toml (containerd 1.7, CRI plugin, systemd cgroups).
#
# config keys (defaults below): version, root, state, sandbox_image, systemd_cgroup, snapshotter,
# registry_mirrors ({"docker.io": ["https://mirror.example"]}), max_container_log_line_size.

export const REQUIRES = []
export const SCOPE = "node"      # installed on every server of a cluster

export def defaults [server: record] {
    {
        version: "1.7.22"
        root: "/var/lib/containerd"
        state: "/run/containerd"
        sandbox_image: "registry.k8s.io/pause:3.10"
        systemd_cgroup: true
        snapshotter: "overlayfs"
        registry_mirrors: {}
        max_container_log_line_size: 16384
    }
}

export def render [server: record, config: record] {
    let c = (defaults $server | merge deep --strategy=overwrite $config)
    let mirrors = ($c.registry_mirrors | transpose host endpoints | reduce --fold {} {|m, acc|
        $acc | insert $m.host {endpoint: ($m.endpoints | each {|e| $e | into string })}
    })
    let doc = {
        version: 2
        root: $c.root
        state: $c.state
        grpc: {address: ($c.state | path join "containerd.sock")}
        plugins: {
            "io.containerd.grpc.v1.cri": {
                sandbox_image: $c.sandbox_image
                max_container_log_line_size: $c.max_container_log_line_size
                containerd: {
                    snapshotter: $c.snapshotter
                    default_runtime_name: "runc"
                    runtimes: {runc: {
                        runtime_type: "io.containerd.runc.v2"
                        options: {SystemdCgroup: $c.systemd_cgroup}
                    }}
                }
                registry: {mirrors: $mirrors}
            }
        }
    }
    let header = $"# containerd ($c.version) on ($server.infra)/($server.name), rendered by nulib/taskservs/containerd.nu\n"
    [{path: "config.toml", content: ($header + ($doc | to toml))}]
}
