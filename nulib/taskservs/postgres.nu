# taskserv postgres: renders postgresql.conf and pg_hba.conf. Independent of the other task services.
#
# config keys (defaults below): version, port, listen_addresses, max_connections, shared_buffers, data_directory,
# settings (record: more postgresql.conf keys), hba (list of {type, database, user, address?, method}).

export const REQUIRES = []
export const SCOPE = "cluster"   # installed once per cluster, on its first control-plane server

export def defaults [server: record] {
    {
        version: "16"
        port: 5432
        listen_addresses: "localhost"
        max_connections: 100
        shared_buffers: "128MB"
        data_directory: "/var/lib/postgresql/16/main"
        settings: {}
        hba: [
            {type: "local", database: "all", user: "postgres", method: "peer"}
            {type: "local", database: "all", user: "all", method: "peer"}
            {type: "host", database: "all", user: "all", address: "127.0.0.1/32", method: "scram-sha-256"}
            {type: "host", database: "all", user: "all", address: "::1/128", method: "scram-sha-256"}
        ]
    }
}

# One postgresql.conf value: numbers and bools bare, everything else single-quoted ('' inside).
def conf-value [v: any] {
    match ($v | describe) {
        "int" | "float" => { $v | into string }
        "bool" => { if $v { "on" } else { "off" } }
        _ => { $"'($v | into string | str replace --all "'" "''")'" }
    }
}

export def render [server: record, config: record] {
    let c = (defaults $server | merge deep --strategy=overwrite $config)
    let where = $"taskserv postgres on ($server.infra)/($server.name)"
    let settings = ({
        data_directory: $c.data_directory
        listen_addresses: $c.listen_addresses
        port: $c.port
        max_connections: $c.max_connections
        shared_buffers: $c.shared_buffers
    } | merge $c.settings)
    let conf_lines = ($settings | transpose k v | each {|s|
        if not ($s.k =~ '^[a-z_][a-z0-9_.]*$') {
            error make {msg: $"($where): config.settings key '($s.k)' is not a postgresql.conf parameter name"}
        }
        $"($s.k) = (conf-value $s.v)"
    })
    let hba_lines = ($c.hba | enumerate | each {|e|
        let r = $e.item
        let fields = if $r.type? == "local" {
            [$r.type? $r.database? $r.user? $r.method?]
        } else {
            [$r.type? $r.database? $r.user? $r.address? $r.method?]
        }
        for f in $fields {
            if ($f == null) or (($f | describe) != "string") or ($f | is-empty) or ($f =~ '\s') {
                error make {msg: $"($where): config.hba[($e.index)] needs type, database, user, (if $r.type? == 'local' { '' } else { 'address, ' })method as strings without spaces, got ($r | to json --raw)"}
            }
        }
        $fields | str join "\t"
    })
    let header = $"# postgres ($c.version) on ($server.infra)/($server.name), rendered by nulib/taskservs/postgres.nu\n"
    [
        {path: "postgresql.conf", content: ($header + ($conf_lines | str join "\n") + "\n")}
        {path: "pg_hba.conf", content: ($header + "# TYPE\tDATABASE\tUSER\tADDRESS\tMETHOD\n" + ($hba_lines | str join "\n") + "\n")}
    ]
}
