"""Fault injection (/api/faults) proving the SDK's retry behaviour for every sink, end to end:
metrics and OTLP logs over HTTP and gRPC, plus what test_fault_injection.py leaves out for
traces (the attempt budget) and SLS (non-retryable codes, Retry-After, the export timeout).

For each: a retryable code then success delivers everything exactly once after a back-off; a
non-retryable code drops the batch (counted) after exactly one request; a server-given delay
(Retry-After, gRPC RetryInfo) replaces the back-off; a sink that keeps failing gives up after
its attempt budget (6 attempts) with everything counted as failed.
"""
import json
import os
import textwrap
import urllib.error

import pytest

from conftest import EMULATOR_BIN, app_json

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

ITEMS = 4
MAX_ATTEMPTS = 6  # transport::RetryPolicy{}.max_attempts, first try included
GRPC_UNAVAILABLE, GRPC_INVALID_ARGUMENT, GRPC_RESOURCE_EXHAUSTED = 14, 3, 8
GRPC_PATHS = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}


def add_fault(emu, signal, protocol, *, http=None, grpc=None, count=1, server_delay_ms=None):
    """A fault on one signal's export path: `http` status on otlp-http, `grpc` code on otlp-grpc."""
    if protocol == "grpc":
        fault = {"target": "otlp-grpc", "path": GRPC_PATHS[signal], "grpc_code": grpc, "count": count}
        if server_delay_ms is not None:
            fault["retry_delay_ms"] = server_delay_ms
    else:
        fault = {"target": "otlp-http", "path": f"/v1/{signal}", "http_status": http, "count": count}
        if server_delay_ms is not None:
            fault["retry_after_s"] = server_delay_ms // 1000
    status, body = emu.post("/api/faults", json.dumps(fault).encode(), {"Content-Type": "application/json"})
    assert status == 201, body


def run_app(emu, signal, protocol):
    """An app that produces ITEMS items of `signal`, times one force_flush, shuts down, reports."""
    endpoint = emu.grpc_endpoint if protocol == "grpc" else emu.http_base
    wire = "grpc" if protocol == "grpc" else "http/protobuf"
    # Long schedule delays and export intervals: the only export is the one force_flush starts.
    if signal == "traces":
        sink = f"ptx.TraceSink({endpoint!r}, protocol={wire!r}, batch_schedule_delay_ms=60000)"
        produce = """
        for i in range(ITEMS):
            with ptx.start_span(f"op-{i}"):
                pass
        """
        stats = 'ptx.stats()["traces"][0]'
    elif signal == "logs":
        sink = f"ptx.OtlpLogSink({endpoint!r}, protocol={wire!r}, batch_schedule_delay_ms=60000)"
        produce = """
        log = ptx.get_logger("orders")
        for i in range(ITEMS):
            log.info(f"order-{i}")
        """
        stats = 'ptx.stats()["logs"][0]'
    else:
        # Delta: a point whose export failed is not sent again by the final collection.
        sink = (f"ptx.MetricSink({endpoint!r}, protocol={wire!r}, export_interval_ms=3600000, "
                f"temporality='delta')")
        produce = """
        ops = ptx.get_meter("faulty").counter("app.ops")
        for i in range(ITEMS):
            ops.add(i + 1, {"worker": i})
        """
        stats = 'ptx.stats()["metrics"]["sinks"][0]'
    source = f"""
import json, time, pytracingx as ptx
ITEMS = {ITEMS}
ptx.init(ptx.Config("faulty-{signal}", console_output=False, sinks=[{sink}]))
{textwrap.dedent(produce)}
t0 = time.monotonic()
ok = ptx.force_flush(30000)
took = time.monotonic() - t0
ptx.shutdown()
print(json.dumps({{"ok": ok, "took": took, "stats": {stats}}}))
"""
    return app_json(source, timeout=90)


def stored(emu, signal):
    """What the emulator holds for the app's service, as comparable values."""
    service = f"faulty-{signal}"
    if signal == "traces":
        names = []
        for summary in emu.get(f"/api/traces?service={service}")["traces"]:
            names += [s["name"] for s in emu.get(f"/api/traces/{summary['trace_id']}")["spans"]]
        return sorted(names)
    if signal == "logs":
        return sorted(log["body"]["value"] for log in emu.get(f"/api/logs?service={service}")["logs"])
    points = []
    for series in emu.get("/api/metrics?name=app.ops")["series"]:
        for point in series["points"]:
            points.append((int(series["attributes"]["worker"]["value"]), int(point["value"]["value"])))
    return sorted(points)


EXPECTED = {
    "traces": sorted(f"op-{i}" for i in range(ITEMS)),
    "logs": sorted(f"order-{i}" for i in range(ITEMS)),
    "metrics": [(i, i + 1) for i in range(ITEMS)],
}


def emulator_counts(emu, signal):
    stats = emu.get("/api/stats")
    return stats[signal], stats["faults"]["injected"]


SIGNAL_PROTOCOLS = [(s, p) for s in ("metrics", "logs") for p in ("http", "grpc")]


@pytest.mark.parametrize("signal,protocol", SIGNAL_PROTOCOLS)
def test_retryable_code_then_success_loses_nothing(emu, signal, protocol):
    add_fault(emu, signal, protocol, http=503, grpc=GRPC_UNAVAILABLE, count=2)
    got = run_app(emu, signal, protocol)
    assert got["ok"] is True, got
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (ITEMS, 0)
    # Two computed back-offs: 1 s and 2 s, each jittered by at least 0.8.
    assert got["took"] >= 0.8 + 1.6
    assert stored(emu, signal) == EXPECTED[signal]  # each item exactly once
    counts, injected = emulator_counts(emu, signal)
    assert (counts["requests"], counts["rejected_requests"], counts["items"]) == (1, 2, ITEMS)
    assert injected == 2
    assert emu.get("/api/faults")["faults"] == []


@pytest.mark.parametrize("signal,protocol", SIGNAL_PROTOCOLS)
def test_non_retryable_code_drops_and_counts_without_retry(emu, signal, protocol):
    add_fault(emu, signal, protocol, http=400, grpc=GRPC_INVALID_ARGUMENT, count=5)
    got = run_app(emu, signal, protocol)
    assert got["ok"] is False
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (0, ITEMS)
    (fault,) = emu.get("/api/faults")["faults"]
    assert (fault["count"], fault["remaining"]) == (5, 4)  # one request, no retry
    assert stored(emu, signal) == []
    counts, injected = emulator_counts(emu, signal)
    assert (counts["rejected_requests"], injected) == (1, 1)


@pytest.mark.parametrize("signal,protocol", SIGNAL_PROTOCOLS)
def test_server_retry_delay_replaces_backoff(emu, signal, protocol):
    # 429 + Retry-After: 2 over HTTP; RESOURCE_EXHAUSTED + RetryInfo 2 s over gRPC (retryable only
    # because of the RetryInfo). 2 s is beyond the first computed back-off (at most 1.2 s).
    add_fault(emu, signal, protocol, http=429, grpc=GRPC_RESOURCE_EXHAUSTED, server_delay_ms=2000)
    got = run_app(emu, signal, protocol)
    assert got["ok"] is True, got
    assert got["took"] >= 2.0
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (ITEMS, 0)
    assert stored(emu, signal) == EXPECTED[signal]
    counts, injected = emulator_counts(emu, signal)
    assert (counts["rejected_requests"], injected) == (1, 1)


@pytest.mark.parametrize("signal,protocol", [("traces", "http"), ("traces", "grpc"), *SIGNAL_PROTOCOLS])
def test_gives_up_after_the_attempt_budget(emu, signal, protocol):
    # A zero server delay keeps the test fast; the attempt budget, not the deadline, ends it.
    add_fault(emu, signal, protocol, http=503, grpc=GRPC_UNAVAILABLE, count=10,
              server_delay_ms=0 if protocol == "http" else 1)
    got = run_app(emu, signal, protocol)
    assert got["ok"] is False
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (0, ITEMS)
    (fault,) = emu.get("/api/faults")["faults"]
    assert fault["remaining"] == 10 - MAX_ATTEMPTS
    assert stored(emu, signal) == []
    counts, injected = emulator_counts(emu, signal)
    assert (counts["requests"], counts["rejected_requests"], injected) == (0, MAX_ATTEMPTS, MAX_ATTEMPTS)


def add_sls_fault(emu, **fault):
    body = {"target": "sls", "path": "/logstores/faulted/shards/lb", **fault}
    status, reply = emu.post("/api/faults", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert status == 201, reply


def run_sls_app(emu):
    return app_json(
        f"""
        import json, time, pytracingx as ptx
        ptx.init(ptx.Config("sls-faulty", console_output=False,
                 sinks=[ptx.SlsLogSink("http://{emu.sls}", "shop", "faulted", "ak-id", "ak-secret",
                                       batch_linger_ms=60000)]))
        log = ptx.get_logger("orders")
        for i in range({ITEMS}):
            log.info(f"order-{{i}}")
        t0 = time.monotonic()
        ok = ptx.force_flush(60000)
        took = time.monotonic() - t0
        print(json.dumps({{"ok": ok, "took": took, "stats": ptx.stats()["logs"][0]}}))
        """,
        timeout=90,
    )


def sls_messages(emu):
    try:
        view = emu.get("/api/sls/projects/shop/logstores/faulted")
    except urllib.error.HTTPError as err:
        assert err.code == 404
        return []
    return sorted(dict(log["contents"])["message"] for group in view["log_groups"] for log in group["logs"])


def test_sls_retry_after_replaces_backoff(emu):
    # The SLS sink's own first back-off is 100 ms; a Retry-After of 2 s must be waited out instead.
    add_sls_fault(emu, http_status=503, retry_after_s=2)
    got = run_sls_app(emu)
    assert got["ok"] is True, got
    assert got["took"] >= 2.0
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (ITEMS, 0)
    assert sls_messages(emu) == sorted(f"order-{i}" for i in range(ITEMS))
    stats = emu.get("/api/stats")
    assert (stats["sls"]["rejected_requests"], stats["faults"]["injected"]) == (1, 1)


def test_sls_gives_up_at_its_export_timeout(emu):
    # Like the official producers the SLS sink retries until its 30 s export timeout, backing off
    # 100 ms doubling up to 10 s without jitter: attempts at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3, 12.7
    # and 22.7 s; the next wait (10 s) would pass the deadline, so it gives up after 9 attempts.
    add_sls_fault(emu, http_status=503, count=20)
    got = run_sls_app(emu)
    assert got["ok"] is False
    assert 22.7 <= got["took"] < 30
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (0, ITEMS)
    (fault,) = emu.get("/api/faults")["faults"]
    assert fault["remaining"] == 20 - 9
    assert sls_messages(emu) == []


@pytest.mark.parametrize("http_status,error_code", [(400, "InvalidTimestamp"), (404, "LogStoreNotExist")])
def test_sls_non_retryable_error_drops_and_counts(emu, http_status, error_code):
    add_sls_fault(emu, http_status=http_status, error_code=error_code, count=3)
    got = run_sls_app(emu)
    assert got["ok"] is False
    assert (got["stats"]["exported"], got["stats"]["export_failures"]) == (0, ITEMS)
    (fault,) = emu.get("/api/faults")["faults"]
    assert fault["remaining"] == 2  # one PutLogs, not retried
    stats = emu.get("/api/stats")
    assert (stats["sls"]["rejected_requests"], stats["faults"]["injected"]) == (1, 1)
    assert emu.get("/api/sls/projects")["projects"] == []
