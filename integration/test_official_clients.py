"""ptx-emulator driven by clients nobody here wrote, installed from PyPI (ci/setup.sh):

- the OpenTelemetry Python SDK with its OTLP gRPC and OTLP HTTP exporters, all three signals,
  read back exactly through the emulator's query API;
- the official Alibaba Cloud SLS Python SDK (aliyun-log-python-sdk): create project and logstore,
  put_logs with lz4, get_logs (v2, with each reply compression the emulator can send), pull_logs
  through list_shards/get_cursor, and SignatureNotMatch for a wrong key.

The SLS SDK only reaches a raw-IP endpoint on port 80 (it decides "raw IP" before it strips the
port, so "127.0.0.1:4319" becomes the unresolvable host "project.127.0.0.1"), so its emulator
listens on 127.0.0.1:80 under a lock file that keeps parallel test runs apart.
"""
import errno
import fcntl
import os
import socket
import time

import pytest

from conftest import EMULATOR_BIN, Emulator

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

otel_trace = pytest.importorskip("opentelemetry.sdk.trace")
aliyun_log = pytest.importorskip("aliyun.log")

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry._logs import SeverityNumber  # noqa: E402
from opentelemetry.sdk._logs import LoggerProvider  # noqa: E402
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402
from opentelemetry.trace import Link, SpanKind, Status, StatusCode  # noqa: E402

T0 = 1_700_000_000_000_000_001  # ns; above 2^53 on purpose: must survive as a string


def otel_exporters(emu, protocol):
    """(span, metric, log) exporters of the official SDK for one OTLP protocol."""
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        endpoint = emu.addresses["otlp-grpc"]
        return (OTLPSpanExporter(endpoint=endpoint, insecure=True, timeout=10),
                OTLPMetricExporter(endpoint=endpoint, insecure=True, timeout=10),
                OTLPLogExporter(endpoint=endpoint, insecure=True, timeout=10))
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    base = emu.http_base
    return (OTLPSpanExporter(endpoint=base + "/v1/traces", timeout=10),
            OTLPMetricExporter(endpoint=base + "/v1/metrics", timeout=10),
            OTLPLogExporter(endpoint=base + "/v1/logs", timeout=10))


WIRE_PROTOCOL = {"grpc": "grpc", "http": "http_protobuf"}


def resource_json(service):
    return {"attributes": {"service.name": {"type": "string", "value": service},
                           "deployment.environment": {"type": "string", "value": "ci"}},
            "dropped_attributes_count": 0, "schema_url": ""}


def scope_json(name, version):
    return {"name": name, "version": version, "attributes": {}, "dropped_attributes_count": 0, "schema_url": ""}


def sdk_resource(service):
    # Resource(...) rather than Resource.create(...): no SDK-added attributes, so exact comparison holds.
    return Resource({"service.name": service, "deployment.environment": "ci"})


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_otel_sdk_traces_read_back_exactly(emu, protocol):
    span_exporter, _, _ = otel_exporters(emu, protocol)
    service = f"otel-{protocol}"
    provider = TracerProvider(resource=sdk_resource(service))
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    tracer = provider.get_tracer("checkout.lib", "3.1")

    linked = trace_api.SpanContext(trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736, span_id=0x00F067AA0BA902B7,
                                   is_remote=True, trace_flags=trace_api.TraceFlags(1))
    root = tracer.start_span("GET /cart", kind=SpanKind.SERVER, start_time=T0,
                             attributes={"http.method": "GET", "http.status_code": 200, "ratio": 0.5,
                                         "cached": False, "tags": ["a", "b"]})
    child = tracer.start_span("SELECT cart", context=trace_api.set_span_in_context(root), kind=SpanKind.CLIENT,
                              start_time=T0 + 1000, links=[Link(linked, {"link.kind": "batch"})])
    child.add_event("retry", {"attempt": 2}, timestamp=T0 + 1500)
    child.set_status(Status(StatusCode.ERROR, "timed out"))
    child.end(end_time=T0 + 9000)
    root.set_status(Status(StatusCode.OK))
    root.end(end_time=T0 + 50_000_000)
    assert provider.force_flush(10_000)
    provider.shutdown()

    trace_id = format(root.get_span_context().trace_id, "032x")
    root_id = format(root.get_span_context().span_id, "016x")
    child_id = format(child.get_span_context().span_id, "016x")
    trace = emu.get(f"/api/traces/{trace_id}")
    assert trace["span_count"] == 2
    got_root, got_child = trace["spans"]  # ordered by start time
    common = {"trace_id": trace_id, "trace_state": "", "dropped_attributes_count": 0, "dropped_events_count": 0,
              "dropped_links_count": 0, "service": service, "resource": resource_json(service),
              "scope": scope_json("checkout.lib", "3.1"),
              "origin": {"protocol": WIRE_PROTOCOL[protocol], "sls_project": "", "sls_instance_id": ""}}
    # flags: the exporter sends "is-remote known" (0x100), plus 0x200 when the parent or link is remote.
    assert got_root == {
        **common, "span_id": root_id, "parent_span_id": "", "name": "GET /cart", "kind": "server", "kind_number": 2,
        "start_time_unix_nano": str(T0), "end_time_unix_nano": str(T0 + 50_000_000), "duration_ns": "50000000",
        "attributes": {"http.method": {"type": "string", "value": "GET"},
                       "http.status_code": {"type": "int", "value": "200"},
                       "ratio": {"type": "double", "value": 0.5},
                       "cached": {"type": "bool", "value": False},
                       "tags": {"type": "array", "value": [{"type": "string", "value": "a"},
                                                           {"type": "string", "value": "b"}]}},
        "events": [], "links": [], "status": {"code": "ok", "message": ""}, "flags": 0x100,
    }
    assert got_child == {
        **common, "span_id": child_id, "parent_span_id": root_id, "name": "SELECT cart", "kind": "client",
        "kind_number": 3, "start_time_unix_nano": str(T0 + 1000), "end_time_unix_nano": str(T0 + 9000),
        "duration_ns": "8000", "attributes": {},
        "events": [{"name": "retry", "time_unix_nano": str(T0 + 1500),
                    "attributes": {"attempt": {"type": "int", "value": "2"}}, "dropped_attributes_count": 0}],
        "links": [{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "trace_state": "",
                   "attributes": {"link.kind": {"type": "string", "value": "batch"}},
                   "dropped_attributes_count": 0, "flags": 0x300}],
        "status": {"code": "error", "message": "timed out"}, "flags": 0x100,
    }
    listed = emu.get(f"/api/traces?service={service}")
    assert listed["total"] == 1 and listed["traces"][0]["error"] is True
    stats = emu.get("/api/stats")["traces"]
    assert stats["by_protocol"][WIRE_PROTOCOL[protocol]]["items"] == 2
    assert stats["rejected_requests"] == 0


def point_value(point):
    value = point["value"]
    return int(value["value"]) if value["type"] == "int" else value["value"]


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_otel_sdk_metrics_read_back_exactly(emu, protocol):
    _, metric_exporter, _ = otel_exporters(emu, protocol)
    service = f"otel-{protocol}"
    # A reader that never fires by itself: the only export is the force_flush below.
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(resource=sdk_resource(service), metric_readers=[reader])
    meter = provider.get_meter("checkout.meter", "2.0")
    orders = meter.create_counter("orders.placed", unit="{order}", description="orders placed")
    orders.add(3, {"region": "eu"})
    orders.add(4, {"region": "eu"})
    orders.add(10, {"region": "us"})
    value = meter.create_histogram("order.value", unit="EUR")
    value.record(5.0, {"region": "eu"})
    value.record(20.0, {"region": "eu"})
    queue = meter.create_up_down_counter("queue.depth")
    queue.add(5)
    queue.add(-2)
    load = meter.create_gauge("cpu.load")
    load.set(0.75, {"cpu": 0})
    before = time.time_ns()
    assert provider.force_flush(10_000)
    try:
        counters = emu.get("/api/metrics?name=orders.placed")
        assert counters["total"] == 2
        by_region = {s["attributes"]["region"]["value"]: s for s in counters["series"]}
        assert sorted(by_region) == ["eu", "us"]
        for region, expected in (("eu", 7), ("us", 10)):
            series = by_region[region]
            assert {k: series[k] for k in ("type", "temporality", "monotonic", "unit", "description", "service",
                                           "scope", "resource", "point_count")} == {
                "type": "sum", "temporality": "cumulative", "monotonic": True, "unit": "{order}",
                "description": "orders placed", "service": service, "scope": scope_json("checkout.meter", "2.0"),
                "resource": resource_json(service), "point_count": 1}
            (point,) = series["points"]
            assert point["value"] == {"type": "int", "value": str(expected)}
            start, end = int(point["start_time_unix_nano"]), int(point["time_unix_nano"])
            assert 0 < start <= end <= time.time_ns() and end >= before

        (hist,) = emu.get("/api/metrics?name=order.value")["series"]
        assert (hist["type"], hist["temporality"], hist["unit"]) == ("histogram", "cumulative", "EUR")
        (point,) = hist["points"]
        assert point["count"] == "2"
        assert point["sum"] == 25.0 and point["min"] == 5.0 and point["max"] == 20.0
        # The SDK's default boundaries; 5.0 falls in (0, 5], 20.0 in (10, 25].
        assert point["explicit_bounds"] == [0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0,
                                            1000.0, 2500.0, 5000.0, 7500.0, 10000.0]
        assert [int(c) for c in point["bucket_counts"]] == [0, 1, 0, 1] + [0] * 12

        (depth,) = emu.get("/api/metrics?name=queue.depth")["series"]
        assert (depth["type"], depth["monotonic"]) == ("sum", False)
        assert [point_value(p) for p in depth["points"]] == [3]

        (gauge,) = emu.get("/api/metrics?name=cpu.load")["series"]
        assert gauge["type"] == "gauge"
        assert gauge["attributes"] == {"cpu": {"type": "int", "value": "0"}}
        assert [point_value(p) for p in gauge["points"]] == [0.75]

        stats = emu.get("/api/stats")["metrics"]
        assert stats["by_protocol"][WIRE_PROTOCOL[protocol]]["items"] == 5  # data points
        assert stats["rejected_requests"] == 0
    finally:
        provider.shutdown()


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_otel_sdk_logs_read_back_exactly(emu, protocol):
    span_exporter, _, log_exporter = otel_exporters(emu, protocol)
    service = f"otel-{protocol}"
    provider = LoggerProvider(resource=sdk_resource(service))
    provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
    logger = provider.get_logger("payments", "1.0")
    tracer = TracerProvider().get_tracer("unused")  # only for a span context to correlate with
    span = tracer.start_span("pay")
    logger.emit(timestamp=T0, observed_timestamp=T0 + 5, severity_number=SeverityNumber.ERROR,
                severity_text="ERROR", body="card declined", attributes={"order.id": 42, "retry": True},
                context=trace_api.set_span_in_context(span), event_name="payment.failure")
    logger.emit(timestamp=T0 + 10, observed_timestamp=T0 + 11, severity_number=SeverityNumber.INFO,
                severity_text="INFO", body={"event": "slow", "ms": 900})
    span.end()
    assert provider.force_flush(10_000)
    provider.shutdown()

    logs = emu.get(f"/api/logs?service={service}")
    assert logs["total"] == 2
    info, error = logs["logs"]  # newest first
    common = {"dropped_attributes_count": 0, "service": service, "resource": resource_json(service),
              "scope": scope_json("payments", "1.0"),
              "origin": {"protocol": WIRE_PROTOCOL[protocol], "sls_project": "", "sls_instance_id": ""}}
    assert int(span.get_span_context().trace_flags) & 1 == 1
    assert error == {
        **common, "time_unix_nano": str(T0), "observed_time_unix_nano": str(T0 + 5),
        "severity_number": 17, "severity_text": "ERROR", "body": {"type": "string", "value": "card declined"},
        "attributes": {"order.id": {"type": "int", "value": "42"}, "retry": {"type": "bool", "value": True}},
        "trace_id": format(span.get_span_context().trace_id, "032x"),
        "span_id": format(span.get_span_context().span_id, "016x"),
        # The span's W3C trace flags as the SDK set them: sampled (0x01), and random (0x02) in newer SDKs.
        "flags": int(span.get_span_context().trace_flags), "event_name": "payment.failure",
    }
    assert info == {
        **common, "time_unix_nano": str(T0 + 10), "observed_time_unix_nano": str(T0 + 11),
        "severity_number": 9, "severity_text": "INFO",
        "body": {"type": "kvlist", "value": {"event": {"type": "string", "value": "slow"},
                                          "ms": {"type": "int", "value": "900"}}},
        "attributes": {}, "trace_id": "", "span_id": "", "flags": 0, "event_name": "",
    }
    stats = emu.get("/api/stats")["logs"]
    assert stats["by_protocol"][WIRE_PROTOCOL[protocol]]["items"] == 2


# ---- aliyun-log-python-sdk ----

SLS_LOCK = os.environ.get("PTX_SLS_PORT80_LOCK", "/tmp/ptx-emulator-sls-port80.lock")
AK_ID, AK_SECRET = "official-ak", "official-secret"


def port80_available():
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", 80))
        except OSError as err:
            if err.errno == errno.EACCES:
                return False
            raise
    return True


@pytest.fixture(scope="module")
def sls_emulator():
    """An emulator whose SLS listener is 127.0.0.1:80, held under a lock for the whole module."""
    with open(SLS_LOCK, "w") as lock:
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{SLS_LOCK} held for 5 minutes by another test run")
                time.sleep(0.2)
        if not port80_available():
            pytest.skip("binding 127.0.0.1:80 needs root or CAP_NET_BIND_SERVICE")
        emu = Emulator(["--sls", "127.0.0.1:80", "--credential", f"{AK_ID}:{AK_SECRET}"])
        try:
            yield emu
        finally:
            emu.stop()


@pytest.fixture
def sls(sls_emulator):
    sls_emulator.reset()
    return sls_emulator


def sls_client(key=AK_SECRET):
    # The endpoint as users of a raw-IP SLS endpoint write it: no scheme, no port.
    return aliyun_log.LogClient("127.0.0.1", AK_ID, key)


def put(client, project, logstore, items, topic="", source="", compress_type="lz4", tags=None):
    request = aliyun_log.PutLogsRequest(project, logstore, topic, source, items, compress=True,
                                        logtags=tags, compress_type=compress_type)
    return client.put_logs(request)


def test_sls_sdk_project_logstore_put_get_pull(sls):
    client = sls_client()
    assert client.create_project("official", "made by the official SDK").get_request_id()
    client.create_logstore("official", "orders", ttl=7, shard_count=1)
    assert client.list_logstore("official").get_logstores() == ["orders"]
    assert client.get_logstore("official", "orders").get_shard_count() == 1

    now = int(time.time())
    items = [aliyun_log.LogItem(now - 2, [("message", "paid"), ("order", "17")], time_nano_part=500),
             aliyun_log.LogItem(now - 1, [("message", "shipped"), ("order", "17"), ("carrier", "dhl")],
                                time_nano_part=600)]
    response = put(client, "official", "orders", items, topic="checkout", source="10.0.0.7",
                   tags=[("env", "ci")])
    assert len(response.get_request_id()) == 24
    put(client, "official", "orders", [aliyun_log.LogItem(now, [("message", "zstd body")])],
        compress_type="zstd")

    # Stored as sent: the query API shows the lz4 and the zstd group.
    view = sls.get("/api/sls/projects/official/logstores/orders")
    groups = view["log_groups"]
    assert [g["topic"] for g in groups] == ["checkout", ""]
    assert groups[0]["source"] == "10.0.0.7"
    assert [dict(log["contents"]) for log in groups[0]["logs"]] == [
        {"message": "paid", "order": "17"}, {"message": "shipped", "order": "17", "carrier": "dhl"}]

    # GetLogs v2 (the SDK's default), reply lz4-compressed because the SDK asks for it.
    got = client.get_logs(aliyun_log.GetLogsRequest("official", "orders", now - 60, now + 60, topic="checkout",
                                                    query="order: 17", line=10))
    assert got.is_completed() and got.get_count() == 2
    rows = [log.get_contents() for log in got.get_logs()]
    assert rows == [
        {"__topic__": "checkout", "__time_ns_part__": "500", "__tag__:env": "ci", "message": "paid", "order": "17"},
        {"__topic__": "checkout", "__time_ns_part__": "600", "__tag__:env": "ci", "message": "shipped",
         "order": "17", "carrier": "dhl"},
    ]
    assert [log.get_time() for log in got.get_logs()] == [now - 2, now - 1]
    assert [log.get_source() for log in got.get_logs()] == ["10.0.0.7", "10.0.0.7"]
    assert client.get_log("official", "orders", now - 60, now + 60, query="zstd").get_count() == 1

    # PullLogs: list_shards, cursor at begin, then all three log groups with an lz4 and a zstd reply.
    (shard,) = client.list_shards("official", "orders").get_shards_info()
    assert shard["shardID"] == 0 and shard["status"] == "readwrite"
    cursor = client.get_cursor("official", "orders", 0, "begin").get_cursor()
    end_cursor = client.get_end_cursor("official", "orders", 0).get_cursor()
    for accept in ("lz4", "zstd"):
        pulled = client.pull_logs("official", "orders", 0, cursor, count=10, accept_compress_type=accept)
        assert (pulled.get_loggroup_count(), pulled.get_log_count()) == (2, 3)
        assert pulled.get_next_cursor() == end_cursor
        assert pulled.headers["x-log-compresstype"] == accept
        logs = pulled.get_flatten_logs_json()
        assert [(log["__topic__"], log["message"]) for log in logs] == [
            ("checkout", "paid"), ("checkout", "shipped"), ("", "zstd body")]
        assert logs[0]["__tag__:env"] == "ci" and logs[0]["__source__"] == "10.0.0.7"
    empty = client.pull_logs("official", "orders", 0, end_cursor, count=10)
    assert empty.get_loggroup_count() == 0 and empty.get_next_cursor() == end_cursor

    client.delete_logstore("official", "orders")
    with pytest.raises(aliyun_log.LogException) as missing:
        client.get_logstore("official", "orders")
    assert (missing.value.get_error_code(), missing.value.resp_status) == ("LogStoreNotExist", 404)
    client.delete_project("official")


@pytest.mark.parametrize("accept", ["lz4", "zstd", "deflate", ""])
def test_sls_get_logs_v2_reply_compression(sls, accept):
    """GetLogs v2 through the SDK's own signed request, asking for each reply compression."""
    import json

    from aliyun.log.compress import Compressor

    client = sls_client()
    client.create_project("replies", "")
    client.create_logstore("replies", "ls", shard_count=1)
    now = int(time.time())
    put(client, "replies", "ls", [aliyun_log.LogItem(now, [("k", "v" * 200)])])
    body = json.dumps({"from": now - 5, "to": now + 5, "line": 10, "offset": 0, "reverse": False}).encode()
    headers = {"Content-Type": "application/json", "x-log-bodyrawsize": str(len(body)), "Accept-Encoding": accept}
    raw, header = client._send("POST", "replies", body, "/logstores/ls/logs", {}, headers, respons_body_type="raw")
    assert header.get("x-log-compresstype", "") == accept
    plain = Compressor.decompress_response(header, raw)
    if accept:
        assert int(header["x-log-bodyrawsize"]) == len(plain) and len(raw) < len(plain)
    reply = json.loads(plain)
    assert reply["meta"]["progress"] == "Complete" and reply["meta"]["count"] == 1
    assert reply["data"][0]["k"] == "v" * 200


def test_sls_wrong_key_gets_signature_not_match(sls):
    sls_client().create_project("guarded", "")
    bad = sls_client(key="not-the-secret")
    with pytest.raises(aliyun_log.LogException) as put_err:
        put(bad, "guarded", "ls", [aliyun_log.LogItem(int(time.time()), [("k", "v")])])
    assert (put_err.value.get_error_code(), put_err.value.resp_status) == ("SignatureNotMatch", 401)
    assert len(put_err.value.get_request_id()) == 24
    with pytest.raises(aliyun_log.LogException) as list_err:
        bad.list_logstore("guarded")
    assert list_err.value.get_error_code() == "SignatureNotMatch"
    stats = sls.get("/api/stats")["sls"]
    assert stats["rejected_requests"] == 2


def test_sls_missing_project_and_logstore_errors(sls):
    client = sls_client()
    with pytest.raises(aliyun_log.LogException) as no_project:
        client.list_shards("nowhere", "ls")
    assert (no_project.value.get_error_code(), no_project.value.resp_status) == ("ProjectNotExist", 404)
    client.create_project("somewhere", "")
    with pytest.raises(aliyun_log.LogException) as no_logstore:
        client.get_cursor("somewhere", "ls", 0, "begin")
    assert (no_logstore.value.get_error_code(), no_logstore.value.resp_status) == ("LogStoreNotExist", 404)
    with pytest.raises(aliyun_log.LogException) as exists:
        client.create_project("somewhere", "")
    assert exists.value.get_error_code() == "ProjectAlreadyExist"


@pytest.mark.parametrize("auth_version", ["v1", "v4"])
def test_sls_sdk_signature_versions_and_sts_token(sls, auth_version):
    """The SDK's v4 signing (and an STS token, signed as an x-acs- header) is verified like v1."""
    from aliyun.log.auth import AUTH_VERSION_1, AUTH_VERSION_4

    version = AUTH_VERSION_4 if auth_version == "v4" else AUTH_VERSION_1
    client = aliyun_log.LogClient("127.0.0.1", AK_ID, AK_SECRET, securityToken="sts-token", auth_version=version,
                                  region="cn-hangzhou")
    client.create_project(f"signed-{auth_version}", "")
    now = int(time.time())
    put(client, f"signed-{auth_version}", "ls", [aliyun_log.LogItem(now, [("sig", auth_version)])])
    got = client.get_log(f"signed-{auth_version}", "ls", now - 5, now + 5)
    assert [log.get_contents()["sig"] for log in got.get_logs()] == [auth_version]

    wrong = aliyun_log.LogClient("127.0.0.1", AK_ID, "wrong", auth_version=version, region="cn-hangzhou")
    with pytest.raises(aliyun_log.LogException) as err:
        wrong.get_log(f"signed-{auth_version}", "ls", now - 5, now + 5)
    assert (err.value.get_error_code(), err.value.resp_status) == ("SignatureNotMatch", 401)
