# The known task services. Each is a module taskservs/<name>.nu that exports
#   REQUIRES                              the task services it needs installed first
#   SCOPE                                 "node": on every server of a cluster; "cluster": once, on its first
#                                         control-plane server, after what it requires is on every server
#   defaults [server: record]             its default config for that server
#   render [server: record, config: record]  → list<{path, content}>: its files, from the defaults merged with config
# Adding one: write the module, then add it to the `use` lines, KNOWN and the two `match`es below.

use containerd.nu
use kubernetes.nu
use cilium.nu
use postgres.nu
use apps.nu

# In install order: a task service comes after the ones it requires.
export const KNOWN = ["containerd", "kubernetes", "cilium", "postgres", "apps"]

# Checks that `name` is a known task service; the error lists the known ones.
export def check-taskserv [name: any, where: string] {
    if ($name | describe) != "string" or $name not-in $KNOWN {
        error make {msg: $"($where): unknown taskserv '($name)'; known taskservs: ($KNOWN | str join ', ')"}
    }
    $name
}

# The task services `name` requires.
export def requires [name: string] {
    match $name {
        "containerd" => $containerd.REQUIRES
        "kubernetes" => $kubernetes.REQUIRES
        "cilium" => $cilium.REQUIRES
        "postgres" => $postgres.REQUIRES
        "apps" => $apps.REQUIRES
    }
}

# Where `name` goes in a cluster: "node" or "cluster".
export def scope [name: string] {
    match $name {
        "containerd" => $containerd.SCOPE
        "kubernetes" => $kubernetes.SCOPE
        "cilium" => $cilium.SCOPE
        "postgres" => $postgres.SCOPE
        "apps" => $apps.SCOPE
    }
}

# The effective config of `name` on `server`: its defaults merged (deeply) with `config`.
export def effective-config [name: string, server: record, config: record] {
    let d = match $name {
        "containerd" => { containerd defaults $server }
        "kubernetes" => { kubernetes defaults $server }
        "cilium" => { cilium defaults $server }
        "postgres" => { postgres defaults $server }
        "apps" => { apps defaults $server }
    }
    $d | merge deep --strategy=overwrite $config
}

# The files of `name` on `server` with `config`: list<{path, content}>.
export def render [name: string, server: record, config: record] {
    match $name {
        "containerd" => { containerd render $server $config }
        "kubernetes" => { kubernetes render $server $config }
        "cilium" => { cilium render $server $config }
        "postgres" => { postgres render $server $config }
        "apps" => { apps render $server $config }
    }
}

# `names` in install order (KNOWN's order, which puts every task service after the ones it requires).
export def install-order [names: list<string>] {
    $KNOWN | where {|k| $k in $names }
}
