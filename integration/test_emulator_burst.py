"""ptx-emulator under a burst of concurrent clients: OTLP/gRPC, OTLP/HTTP and SLS PutLogs at once,
several processes of several threads each. Every acknowledged request must be stored, and the
counters of /api/stats and the query API must add up exactly to what was acknowledged.

Each worker is its own process (the GIL would otherwise serialise the clients) and reports what
the emulator acknowledged; nothing is retried, so acknowledged == stored is an exact check.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import EMULATOR_BIN, ROOT

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")
pytest.importorskip("opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc")

PROCESSES = 3      # per client kind
THREADS = 4        # per process
REQUESTS = 24      # per thread; OTLP workers alternate traces and logs requests
ITEMS = 5          # spans, log records or SLS logs per request

WORKER = r"""
import http.client, json, sys, threading, time
sys.path.insert(0, INTEGRATION)
from test_emulator_sls import log_group, put_logs

def otlp_requests(service, thread):
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    now = time.time_ns()
    for r in range(REQUESTS):
        if r % 2 == 0:
            trace_id = bytes([WORKER_ID, thread, r]) + bytes(13)
            spans = [{"trace_id": trace_id, "span_id": bytes([WORKER_ID, thread, r, i + 1]) + bytes(4), "name": f"op-{i}",
                      "start_time_unix_nano": now, "end_time_unix_nano": now + 1000} for i in range(ITEMS)]
            req = ExportTraceServiceRequest()
            rs = req.resource_spans.add()
            rs.resource.attributes.add(key="service.name").value.string_value = service
            ss = rs.scope_spans.add()
            for s in spans:
                ss.spans.add(name=s["name"], trace_id=s["trace_id"], span_id=s["span_id"],
                                    start_time_unix_nano=s["start_time_unix_nano"],
                                    end_time_unix_nano=s["end_time_unix_nano"])
            yield "traces", req
        else:
            req = ExportLogsServiceRequest()
            rl = req.resource_logs.add()
            rl.resource.attributes.add(key="service.name").value.string_value = service
            sl = rl.scope_logs.add()
            for i in range(ITEMS):
                rec = sl.log_records.add(time_unix_nano=now, severity_number=9)
                rec.body.string_value = f"{service} t{thread} r{r} i{i}"
            yield "logs", req

def run_grpc(thread, acks):
    import grpc
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2_grpc import LogsServiceStub
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub
    channel = grpc.insecure_channel(ADDRESS)
    stubs = {"traces": TraceServiceStub(channel), "logs": LogsServiceStub(channel)}
    for signal, req in otlp_requests(SERVICE, thread):
        try:
            stubs[signal].Export(req, timeout=30)
            acks.append((signal, ITEMS))
        except grpc.RpcError as err:
            acks.append(("error", str(err.code())))
    channel.close()

def run_http(thread, acks):
    host, port = ADDRESS.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    for signal, req in otlp_requests(SERVICE, thread):
        try:
            conn.request("POST", f"/v1/{signal}", body=req.SerializeToString(),
                         headers={"Content-Type": "application/x-protobuf"})
            resp = conn.getresponse()
            resp.read()
            acks.append((signal, ITEMS) if resp.status == 200 else ("error", resp.status))
        except OSError as err:
            acks.append(("error", repr(err)))
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.close()

class Sls:
    sls = ADDRESS

def run_sls(thread, acks):
    now = int(time.time())
    for r in range(REQUESTS):
        logs = [(now, [("worker", SERVICE), ("thread", str(thread)), ("request", str(r)), ("item", str(i))], None)
                for i in range(ITEMS)]
        try:
            reply = put_logs(Sls, "burst", log_group(logs, topic=SERVICE), project="burst")
            acks.append(("sls", ITEMS) if reply.status == 200 else ("error", reply.status))
        except OSError as err:
            acks.append(("error", repr(err)))

run = {"grpc": run_grpc, "http": run_http, "sls": run_sls}[KIND]
results = [[] for _ in range(THREADS)]
threads = [threading.Thread(target=run, args=(t, results[t])) for t in range(THREADS)]
for t in threads: t.start()
for t in threads: t.join()
summary = {}
for acks in results:
    for kind, n in acks:
        if kind == "error":
            summary.setdefault("errors", []).append(n)
        else:
            summary[kind + "_requests"] = summary.get(kind + "_requests", 0) + 1
            summary[kind + "_items"] = summary.get(kind + "_items", 0) + n
print(json.dumps(summary))
"""


def start_worker(kind, worker_id, address):
    service = f"burst-{kind}-{worker_id}"
    header = (f"INTEGRATION = {os.path.join(ROOT, 'integration')!r}\nKIND = {kind!r}\nWORKER_ID = {worker_id}\n"
              f"SERVICE = {service!r}\nADDRESS = {address!r}\nTHREADS = {THREADS}\nREQUESTS = {REQUESTS}\n"
              f"ITEMS = {ITEMS}\n")
    proc = subprocess.Popen([sys.executable, "-c", header + textwrap.dedent(WORKER)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return service, proc


def test_concurrent_grpc_http_and_sls_clients_lose_nothing(emu):
    addresses = {"grpc": emu.addresses["otlp-grpc"], "http": emu.addresses["http"], "sls": emu.sls}
    workers = []
    worker_id = 0
    for kind in ("grpc", "http", "sls"):
        for _ in range(PROCESSES):
            worker_id += 1
            workers.append((kind, *start_worker(kind, worker_id, addresses[kind])))
    acked = {}
    for kind, service, proc in workers:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        acked[service] = json.loads(out.strip().splitlines()[-1])

    # Under no fault every request is acknowledged: the burst itself must not make the emulator refuse.
    per_thread = REQUESTS // 2
    for service, got in acked.items():
        assert "errors" not in got, (service, got["errors"][:5])
        if "-sls-" in service:
            assert got == {"sls_requests": THREADS * REQUESTS, "sls_items": THREADS * REQUESTS * ITEMS}
        else:
            assert got == {"traces_requests": THREADS * per_thread, "traces_items": THREADS * per_thread * ITEMS,
                           "logs_requests": THREADS * per_thread, "logs_items": THREADS * per_thread * ITEMS}

    def total(kind, key):
        return sum(got.get(key, 0) for service, got in acked.items() if f"-{kind}-" in service)

    stats = emu.get("/api/stats")
    for signal in ("traces", "logs"):
        counts = stats[signal]
        assert counts["rejected_requests"] == 0
        assert counts["requests"] == total("grpc", f"{signal}_requests") + total("http", f"{signal}_requests")
        assert counts["items"] == total("grpc", f"{signal}_items") + total("http", f"{signal}_items")
        assert counts["by_protocol"]["grpc"]["items"] == total("grpc", f"{signal}_items")
        assert counts["by_protocol"]["http_protobuf"]["items"] == total("http", f"{signal}_items")
    assert stats["sls"]["rejected_requests"] == 0
    assert (stats["sls"]["log_groups"], stats["sls"]["logs"]) == (total("sls", "sls_requests"),
                                                                  total("sls", "sls_items"))

    # The query API: every acknowledged trace with all its spans, every log record, every SLS log.
    for kind in ("grpc", "http"):
        for service in (s for s in acked if f"-{kind}-" in s):
            traces = emu.get(f"/api/traces?service={service}&limit=1000")
            assert traces["total"] == acked[service]["traces_requests"]
            assert {t["span_count"] for t in traces["traces"]} == {ITEMS}
            logs = emu.get(f"/api/logs?service={service}&limit=1000")
            assert logs["total"] == acked[service]["logs_items"]
            bodies = {log["body"]["value"] for log in logs["logs"]}
            assert len(bodies) == acked[service]["logs_items"]  # each record once
    assert stats["store"]["spans"] == total("grpc", "traces_items") + total("http", "traces_items")
    assert stats["log_store"]["logs"] == total("grpc", "logs_items") + total("http", "logs_items")

    groups = emu.get("/api/sls/projects/burst/logstores/burst")["log_groups"]
    assert len(groups) == total("sls", "sls_requests")
    seen = set()
    for group in groups:
        for log in group["logs"]:
            c = dict(log["contents"])
            assert c["worker"] == group["topic"]
            seen.add((c["worker"], c["thread"], c["request"], c["item"]))
    assert len(seen) == total("sls", "sls_items")  # every acknowledged log, none twice
