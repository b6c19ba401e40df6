"""The emulator's fault injection (POST /api/faults) driving the SDK's retry behaviour end to end."""
import json

from conftest import app_json, wait_for_spans

SPANS = 5


def add_fault(emu, **fault):
    status, body = emu.post("/api/faults", json.dumps(fault).encode(), {"Content-Type": "application/json"})
    assert status == 201, body
    return json.loads(body)


def trace_app(endpoint, protocol, flush_ms=30000, schedule_ms=50):
    """An app that ends SPANS spans of one trace, then times force_flush."""
    return f"""
        import json, time, pytracingx as ptx
        ptx.init(ptx.Config("faulty", console_output=False,
                 sinks=[ptx.TraceSink({endpoint!r}, protocol={protocol!r}, timeout_ms=5000,
                                      batch_schedule_delay_ms={schedule_ms})]))
        with ptx.start_span("root") as root:
            for i in range({SPANS} - 1):
                with ptx.start_span(f"child-{{i}}"):
                    pass
        t0 = time.monotonic()
        ok = ptx.force_flush({flush_ms})
        took = time.monotonic() - t0
        print(json.dumps({{"ok": ok, "took": took, "trace": root.trace_id(), "stats": ptx.stats()["traces"][0]}}))
        """


def assert_delivered_once(emu, got):
    assert got["ok"] is True, got
    spans = wait_for_spans(emu, got["trace"], SPANS)
    assert len(spans) == SPANS
    assert sorted(s["name"] for s in spans) == ["child-0", "child-1", "child-2", "child-3", "root"]
    assert len({s["span_id"] for s in spans}) == SPANS


def test_http_503_twice_is_retried_and_delivered_once(emu):
    add_fault(emu, target="otlp-http", path="/v1/traces", http_status=503, count=2)
    got = app_json(trace_app(emu.http_base, "http/protobuf"))
    assert_delivered_once(emu, got)
    assert emu.get("/api/faults")["faults"] == []
    stats = emu.get("/api/stats")
    assert stats["faults"]["injected"] == 2
    assert stats["traces"]["rejected_requests"] == 2
    assert stats["traces"]["items"] == SPANS


def test_grpc_unavailable_is_retried_and_delivered_once(emu):
    add_fault(emu, target="otlp-grpc", path="/opentelemetry.proto.collector.trace.v1.TraceService/Export",
              grpc_code=14, retry_delay_ms=100, count=2)
    got = app_json(trace_app(emu.grpc_endpoint, "grpc"))
    assert_delivered_once(emu, got)
    assert emu.get("/api/faults")["faults"] == []
    stats = emu.get("/api/stats")
    assert stats["faults"]["injected"] == 2
    assert stats["traces"]["by_protocol"]["grpc"]["rejected_requests"] == 2


def test_429_retry_after_is_honoured(emu):
    add_fault(emu, target="otlp-http", path="/v1/traces", http_status=429, retry_after_s=1)
    # A long schedule delay: the only export is the one force_flush starts.
    got = app_json(trace_app(emu.http_base, "http/protobuf", schedule_ms=60000))
    assert_delivered_once(emu, got)
    assert got["took"] >= 1.0
    assert emu.get("/api/stats")["faults"]["injected"] == 1


def test_permanent_400_is_not_retried(emu):
    add_fault(emu, target="otlp-http", path="/v1/traces", http_status=400, count=5)
    got = app_json(trace_app(emu.http_base, "http/protobuf", schedule_ms=60000))
    assert got["ok"] is False
    assert got["stats"]["export_failures"] == SPANS
    (fault,) = emu.get("/api/faults")["faults"]
    assert (fault["count"], fault["remaining"]) == (5, 4)  # consumed exactly once
    assert emu.get("/api/stats")["faults"]["injected"] == 1
    assert emu.get("/api/traces")["traces"] == []


def test_sls_server_busy_is_retried(emu):
    logstore = "faulted"
    add_fault(emu, target="sls", path=f"/logstores/{logstore}", http_status=503)
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("sls-faulty", console_output=False,
                 sinks=[ptx.SlsLogSink("http://{emu.sls}", "shop", {logstore!r}, "ak-id", "ak-secret",
                                       batch_linger_ms=50)]))
        log = ptx.get_logger("orders")
        log.info("paid")
        log.warning("late")
        ok = ptx.force_flush(30000)
        print(json.dumps({{"ok": ok, "stats": ptx.stats()["logs"][0]}}))
        """
    )
    assert got["ok"] is True, got
    assert got["stats"]["exported"] == 2 and got["stats"]["export_failures"] == 0
    view = emu.get(f"/api/sls/projects/shop/logstores/{logstore}")
    messages = sorted(dict(log["contents"])["message"] for group in view["log_groups"] for log in group["logs"])
    assert messages == ["late", "paid"]
    stats = emu.get("/api/stats")
    assert stats["faults"]["injected"] == 1
    assert stats["sls"]["rejected_requests"] == 1
    assert emu.get("/api/faults")["faults"] == []


def test_dropped_connection_and_delay_are_survived(emu):
    add_fault(emu, target="otlp-http", path="/v1/traces", drop_connection=True)
    add_fault(emu, target="otlp-http", path="/v1/traces", delay_ms=300)
    got = app_json(trace_app(emu.http_base, "http/protobuf", schedule_ms=60000))
    assert_delivered_once(emu, got)
    assert got["took"] >= 0.3
    stats = emu.get("/api/stats")
    assert stats["faults"]["injected"] == 2
    assert stats["traces"]["requests"] == 1  # the delayed request was stored
