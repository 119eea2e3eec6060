# Small helpers for keeping state in files.

# Checks that `value` is safe as one path component (an infra, server or taskserv name) and returns it.
# Allowed: letters, digits, '_', '.', '-'; starting with a letter or digit; at most 63 characters.
export def check-name [what: string, value: any] {
    let v = ($value | default "")
    if ($v | describe) != "string" or not ($v =~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$') or ($v | str contains "..") {
        error make {
            msg: $"invalid ($what) name '($v)': use letters, digits, '_', '.' and '-', start with a letter or digit, at most 63 characters, no '..'"
        }
    }
    $v
}

# Writes `text` to `path` atomically: a temporary file in the same folder, then a rename over the target.
# Readers see the old content or the new one, never a half-written file.
export def save-atomic [path: string, text: string] {
    let dir = ($path | path dirname)
    mkdir $dir
    let tmp = ($dir | path join $".($path | path basename).tmp-($nu.pid)-(random chars --length 8)")
    $text | save --force $tmp
    try {
        mv --force $tmp $path
    } catch {|e|
        rm --force $tmp
        error make {msg: $"cannot write ($path): ($e.msg)"}
    }
}

# Reads a JSON file, with a clear error if it is not JSON.
export def read-json [path: string] {
    let raw = (open --raw $path)
    try {
        $raw | from json
    } catch {
        error make {msg: $"($path) is not valid JSON; fix or remove it"}
    }
}

# The current time in UTC, RFC 3339 with milliseconds.
export def now-utc [] {
    date now | date to-timezone UTC | format date "%Y-%m-%dT%H:%M:%S%.3fZ"
}
