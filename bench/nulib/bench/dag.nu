# The DAG benchmark's task (bench/run-dag): the same trivial work in every runner (orchestrator, baseline, make,
# ninja). Optionally sleeps `sleep_ms`, then appends one line, the task id, to the marker file `marker`, so that a
# task that ran twice (two lines) or never (no file) is caught. Args come as JSON in PROVISIONING_PARAMS:
#   { id: "t0001", marker: "/abs/markers/t0001", sleep_ms: 0 }
export def mark [req: record] {
    let ms = ($req.sleep_ms? | default 0)
    if $ms > 0 { sleep ($ms * 1ms) }
    $"($req.id)\n" | save --append $req.marker
    { ok: true, id: $req.id }
}
