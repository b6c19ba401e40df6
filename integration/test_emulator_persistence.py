"""ptx-emulator as a tool that keeps its data: --data-dir survives kill -9, byte retention keeps
memory flat, and GET /api/export -> --load / POST /api/import round-trips exactly."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import EMULATOR_BIN, Emulator, app_json
from test_emulator_sls import assert_error, log_group, put_logs, sls_call

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

JSON = {"Content-Type": "application/json"}

SDK_APP = """
import json, pytracingx as ptx
ptx.init(ptx.Config("persist-app", resource_attributes={{"build": 7}}, console_output=False,
         sinks=[ptx.TraceSink({grpc!r}, batch_schedule_delay_ms=50),
                ptx.OtlpLogSink({http!r}, protocol="http/protobuf"),
                ptx.MetricSink({grpc!r}, export_interval_ms=3600000)]))
log = ptx.get_logger("orders")
requests = ptx.get_meter("shop", "1.2").counter("http.requests", unit="1")
latency = ptx.get_meter("shop", "1.2").histogram("http.latency", unit="ms", boundaries=[10, 100])
with ptx.start_span("checkout", kind="server", attributes={{"cart.items": 3, "vip": True}}) as root:
    with ptx.start_span("charge", kind="client") as child:
        child.add_event("retry", {{"attempt": 2}}, timestamp_ns=1700000000000000000)
        child.add_link("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", {{"link.kind": "batch"}})
        child.set_status("error", "card declined")
        log.warning("declined", attributes={{"amount": 12.5}})
    log.info("done")
requests.add(2, {{"route": "/a"}})
requests.add(1, {{"route": "/b"}})
for v in (5, 50, 500):
    latency.record(v, {{"route": "/a"}})
print(json.dumps({{"ok": ptx.force_flush(10000), "trace": root.trace_id()}}))
"""


def json_post(emu, path, payload):
    status, reply = emu.post(path, json.dumps(payload).encode(), JSON)
    assert status == 200, reply
    return json.loads(reply)


def hex_id(n, size):
    return format(n, f"0{size * 2}x")


def span_request(first, count, service="stream", pad=0):
    spans = [{
        "traceId": hex_id(1 + i // 4, 16), "spanId": hex_id(1 + i, 8), "name": f"op-{i}", "kind": 2,
        "startTimeUnixNano": str(1700000000000000000 + i), "endTimeUnixNano": str(1700000000000001000 + i),
        "attributes": [{"key": "pad", "value": {"stringValue": "x" * pad}}],
    } for i in range(first, first + count)]
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": spans}]}]}


def sls_json(emu, method, path, payload, project):
    body = json.dumps(payload).encode()
    return sls_call(emu, method, path, body=body, project=project,
                    headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"})


def populate(emu):
    """Everything the emulator can store, through the SDK, OTLP/JSON and the SLS API."""
    got = app_json(SDK_APP.format(grpc=emu.grpc_endpoint, http=emu.http_base))
    assert got["ok"] is True
    json_post(emu, "/v1/traces", span_request(0, 6, service="json-svc"))
    assert sls_json(emu, "POST", "/", {"projectName": "keep", "description": "kept"}, "keep").status == 200
    assert sls_json(emu, "POST", "/", {"projectName": "gone"}, "gone").status == 200
    for name, ttl in (("app", 7), ("dropped", 1)):
        reply = sls_json(emu, "POST", "/logstores", {"logstoreName": name, "ttl": ttl, "shardCount": 1}, "keep")
        assert reply.status == 200, reply.body
    now = int(time.time())
    for i in range(3):
        reply = put_logs(emu, "app", log_group([(now, [("n", str(i)), ("msg", "hello")], 5)], topic="t"),
                         project="keep")
        assert reply.status == 200, reply.body
    assert sls_call(emu, "DELETE", "/logstores/dropped", project="keep").status == 200
    assert sls_call(emu, "DELETE", "/", project="gone").status == 200
    return got["trace"]


def readable(emu, drop_origin=False):
    """What the query API shows, in a comparable form."""
    out = {"traces": emu.get("/api/traces?limit=10000"),
           "logs": emu.get("/api/logs?limit=10000"),
           "metrics": emu.get("/api/metrics?limit=10000"),
           "metric_names": emu.get("/api/metrics/names"),
           "sls": emu.get("/api/sls/projects")}
    out["trace_spans"] = {t["trace_id"]: emu.get(f"/api/traces/{t['trace_id']}") for t in out["traces"]["traces"]}
    for project in out["sls"]["projects"]:
        for logstore in project["logstores"]:
            key = f"{project['name']}/{logstore['name']}"
            out["sls/" + key] = emu.get(f"/api/sls/projects/{project['name']}/logstores/{logstore['name']}")
    if drop_origin:
        def strip(value):
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k != "origin"}
            if isinstance(value, list):
                return [strip(v) for v in value]
            return value
        out = strip(out)
    return out


def kill9(emu):
    emu.proc.send_signal(signal.SIGKILL)
    emu.proc.wait(timeout=10)


def test_everything_acknowledged_survives_kill_9(tmp_path):
    data_dir = str(tmp_path / "data")
    # Small segments so that compaction into snapshots runs while data arrives.
    args = ["--data-dir", data_dir, "--wal-segment-bytes", "1024"]
    emu = Emulator(args)
    try:
        trace = populate(emu)
        # Compaction runs in the background once a segment is full: wait for a snapshot, then
        # write more so that recovery needs the snapshot and the segment after it.
        deadline = time.monotonic() + 10
        while not any(name.startswith("snapshot-") for name in os.listdir(data_dir)):
            assert time.monotonic() < deadline, os.listdir(data_dir)
            time.sleep(0.01)
        json_post(emu, "/v1/traces", span_request(50, 2, service="after-snapshot"))
        before = readable(emu)
        logstore_before = sls_call(emu, "GET", "/logstores/app", project="keep").json()
    finally:
        kill9(emu)
    assert len(before["trace_spans"][trace]["spans"]) == 2
    assert {p["name"] for p in before["sls"]["projects"]} == {"keep"}

    emu = Emulator(args)
    try:
        after = readable(emu)
        assert after == before
        assert sls_call(emu, "GET", "/logstores/app", project="keep").json() == logstore_before
        assert_error(sls_call(emu, "GET", "/", project="gone"), 404, "ProjectNotExist")
        assert_error(sls_call(emu, "GET", "/logstores/dropped", project="keep"), 404, "LogStoreNotExist")
        # New writes after recovery land beside the recovered ones, and survive too.
        json_post(emu, "/v1/traces", span_request(100, 1, service="later"))
        again = readable(emu)
        assert again["traces"]["total"] == before["traces"]["total"] + 1
    finally:
        kill9(emu)
    emu = Emulator(args)
    try:
        assert readable(emu) == again
        # Deletions and reset are journaled like writes.
        emu.reset()
    finally:
        emu.stop()
    emu = Emulator(args)
    try:
        assert emu.get("/api/traces")["total"] == 0
        assert emu.get("/api/sls/projects") == {"projects": []}
    finally:
        emu.stop()


@pytest.mark.parametrize("policy", ["interval", "never"])
def test_relaxed_fsync_policies_survive_kill_9(tmp_path, policy):
    args = ["--data-dir", str(tmp_path), "--fsync", policy]
    emu = Emulator(args)
    try:
        json_post(emu, "/v1/traces", span_request(0, 5))
        before = readable(emu)
    finally:
        kill9(emu)
    emu = Emulator(args)
    try:
        assert readable(emu) == before
        assert before["traces"]["total"] == 2
    finally:
        emu.stop()


def test_a_locked_data_dir_is_refused(tmp_path):
    first = Emulator(["--data-dir", str(tmp_path)])
    try:
        proc = subprocess.run([EMULATOR_BIN, "--otlp-grpc", "127.0.0.1:0", "--http", "127.0.0.1:0",
                               "--sls", "127.0.0.1:0", "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 1
        assert proc.stderr.strip() == (f"ptx-emulator: --data-dir {tmp_path} is locked by another ptx-emulator "
                                       f"(pid {first.proc.pid}); stop it or choose another directory")
    finally:
        first.stop()


def test_bad_persistence_flags_are_refused(tmp_path):
    proc = subprocess.run([EMULATOR_BIN, "--fsync", "sometimes"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.startswith("ptx-emulator: --fsync: expected always, interval or never, got 'sometimes'")
    proc = subprocess.run([EMULATOR_BIN, "--load", str(tmp_path / "missing.jsonl"), "--http", "127.0.0.1:0",
                           "--otlp-grpc", "127.0.0.1:0", "--sls", "127.0.0.1:0"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"ptx-emulator: --load: cannot read {tmp_path / 'missing.jsonl'}"
    help_text = subprocess.run([EMULATOR_BIN, "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ("--data-dir PATH", "PTX_EMULATOR_DATA_DIR", "--fsync POLICY", "only 'always' survives power loss",
                 "--wal-segment-bytes N", "--load PATH", "--max-span-bytes N", "--max-log-bytes N",
                 "--max-metric-point-bytes N", "--max-sls-log-bytes N"):
        assert flag in help_text


def export_lines(emu):
    with urllib.request.urlopen(emu.http_base + "/api/export", timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/x-ndjson"
        return resp.read().decode().splitlines()


def test_export_then_load_or_import_gives_identical_query_results(tmp_path):
    source = Emulator()
    try:
        populate(source)
        # More spans than one export line holds, so batching is exercised.
        for first in range(0, 1200, 400):
            json_post(source, "/v1/traces", span_request(first, 400))
        lines = export_lines(source)
        expected = readable(source, drop_origin=True)
    finally:
        source.stop()
    kinds = [next(iter(json.loads(line))) for line in lines]
    # 2 SDK spans + 6 + 1200 spans -> 3 trace lines of <= 500, then logs, then metrics.
    assert kinds == ["resourceSpans"] * 3 + ["resourceLogs", "resourceMetrics"]
    first_span = json.loads(lines[0])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(first_span["traceId"]) == 32 and len(first_span["spanId"]) == 16  # OTLP/JSON hex ids

    path = tmp_path / "telemetry.jsonl"
    path.write_text("\n".join(lines) + "\n")
    loaded = Emulator(["--load", str(path)])
    try:
        got = readable(loaded, drop_origin=True)
        # SLS is not OTLP: it is not part of the export.
        expected_otlp = {k: v for k, v in expected.items() if not k.startswith("sls")}
        assert {k: v for k, v in got.items() if not k.startswith("sls")} == expected_otlp
        assert got["trace_spans"] == expected["trace_spans"]
        assert export_lines(loaded) == lines  # and exporting again gives the same file
    finally:
        loaded.stop()

    imported = Emulator()
    try:
        status, reply = imported.post("/api/import", path.read_bytes(), {"Content-Type": "application/x-ndjson"})
        assert status == 200, reply
        points = sum(len(data["dataPoints"]) for rm in json.loads(lines[4])["resourceMetrics"]
                     for sm in rm["scopeMetrics"] for m in sm["metrics"]
                     for data in [m.get("sum") or m.get("histogram") or m.get("gauge")])
        assert points == sum(len(series["points"]) for series in expected["metrics"]["series"]) > 0
        assert json.loads(reply) == {"lines": 5, "spans": 1208, "log_records": 2, "data_points": points}
        assert export_lines(imported) == lines
        status, reply = imported.post("/api/import", lines[0].encode() + b"\n{\"nothing\": 1}\n",
                                      {"Content-Type": "application/x-ndjson"})
        assert status == 400
        assert json.loads(reply) == {"error": "line 2: not an OTLP export request (no resourceSpans, resourceLogs "
                                              "or resourceMetrics) (1 line(s) before it imported)"}
    finally:
        imported.stop()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_byte_limits_keep_memory_flat_under_a_long_stream():
    limit = 2 << 20
    emu = Emulator(["--max-span-bytes", str(limit), "--max-spans", "100000000"])
    try:
        batch, pad = 250, 1000
        sent = 0

        def send(batches):
            nonlocal sent
            for _ in range(batches):
                json_post(emu, "/v1/traces", span_request(sent, batch, pad=pad))
                sent += batch

        # 10000 spans of ~1.1 KB: five times the limit, allocator arenas and buffers warmed up.
        send(40)
        warm = rss_kib(emu.proc.pid)
        send(160)  # 40000 more, ~44 MB encoded, had it all been kept
        grown = rss_kib(emu.proc.pid) - warm
        stats = emu.get("/api/stats")["store"]
        assert stats["bytes"] <= limit
        assert stats["spans"] + stats["evicted_spans"] == sent
        assert stats["evicted_bytes"] > 20 * limit
        assert grown < 8 * 1024, f"RSS grew by {grown} KiB after the store was full"
    finally:
        emu.stop()
