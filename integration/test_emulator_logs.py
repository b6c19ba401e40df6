"""ptx-emulator's OTLP logs as a black box: ExportLogsServiceRequest over HTTP (JSON and
protobuf) read back from /api/logs with exact values, and the SLS trace-instance write-through
({instance}-logs, {instance}-traces) read back with GetLogs.
"""
import json
import os
import struct
import time

import pytest

from conftest import EMULATOR_BIN
from test_emulator_sls import field_bytes, field_varint, sls_call, varint

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

TRACE = "5b8efff798038103d269b633813fc60c"
SPAN = "eee19b7ec3c1b174"
T0 = 1_700_000_000_000_000_001  # above 2^53 on purpose: must survive as a string


def field_fixed64(number, value):
    return varint(number << 3 | 1) + struct.pack("<Q", value)


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def field_double(number, value):
    return varint(number << 3 | 1) + struct.pack("<d", value)


def any_value(value):
    if isinstance(value, bool):
        return field_varint(2, int(value))
    if isinstance(value, int):
        return field_varint(3, value & ((1 << 64) - 1))
    if isinstance(value, float):
        return field_double(4, value)
    if isinstance(value, bytes):
        return field_bytes(7, value)
    if isinstance(value, list):
        return field_bytes(5, b"".join(field_bytes(1, any_value(v)) for v in value))
    if isinstance(value, dict):
        return field_bytes(6, b"".join(field_bytes(1, key_value(k, v)) for k, v in value.items()))
    return field_bytes(1, value)


def key_value(key, value):
    return field_bytes(1, key) + field_bytes(2, any_value(value))


def logs_request_protobuf(records, service="log-svc"):
    resource = field_bytes(1, key_value("service.name", service)) + field_bytes(1, key_value("host.name", "box-1"))
    scope = field_bytes(1, "my.logger") + field_bytes(2, "2.0")
    scope_logs = field_bytes(1, scope)
    for r in records:
        rec = field_fixed64(1, r["time"]) + field_fixed64(11, r.get("observed", 0))
        rec += field_varint(2, r["severity"]) + field_bytes(3, r["severity_text"])
        rec += field_bytes(5, any_value(r["body"]))
        for k, v in r.get("attributes", {}).items():
            rec += field_bytes(6, key_value(k, v))
        if r.get("flags"):
            rec += field_fixed32(8, r["flags"])
        if r.get("trace_id"):
            rec += field_bytes(9, bytes.fromhex(r["trace_id"])) + field_bytes(10, bytes.fromhex(r["span_id"]))
        if r.get("event_name"):
            rec += field_bytes(12, r["event_name"])
        scope_logs += field_bytes(2, rec)
    resource_logs = field_bytes(1, resource) + field_bytes(2, scope_logs)
    return field_bytes(1, resource_logs)


def post_logs(emu, body, content_type, headers=None):
    all_headers = {"Content-Type": content_type}
    all_headers.update(headers or {})
    return emu.post("/v1/logs", body, all_headers)


def test_http_json_logs_read_back_exactly(emu):
    request = {"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-svc"}}]},
        "schemaUrl": "https://opentelemetry.io/schemas/1.21.0",
        "scopeLogs": [{
            "scope": {"name": "json.scope", "version": "0.1"},
            "logRecords": [{
                "timeUnixNano": str(T0), "observedTimeUnixNano": str(T0 + 5),
                "severityNumber": 17, "severityText": "ERROR",
                "body": {"stringValue": "payment failed"},
                "attributes": [{"key": "order.id", "value": {"intValue": "42"}},
                               {"key": "retry", "value": {"boolValue": True}}],
                "droppedAttributesCount": 1,
                "traceId": TRACE, "spanId": SPAN, "flags": 1, "eventName": "payment.failure",
            }],
        }],
    }]}
    status, body = post_logs(emu, json.dumps(request).encode(), "application/json")
    assert status == 200, body
    assert json.loads(body) == {"partialSuccess": {}}

    logs = emu.get("/api/logs")
    assert logs["total"] == 1
    assert logs["logs"] == [{
        "time_unix_nano": str(T0), "observed_time_unix_nano": str(T0 + 5),
        "severity_number": 17, "severity_text": "ERROR",
        "body": {"type": "string", "value": "payment failed"},
        "attributes": {"order.id": {"type": "int", "value": "42"}, "retry": {"type": "bool", "value": True}},
        "dropped_attributes_count": 1,
        "trace_id": TRACE, "span_id": SPAN, "flags": 1, "event_name": "payment.failure",
        "service": "json-svc",
        "resource": {"attributes": {"service.name": {"type": "string", "value": "json-svc"}},
                     "dropped_attributes_count": 0, "schema_url": "https://opentelemetry.io/schemas/1.21.0"},
        "scope": {"name": "json.scope", "version": "0.1", "attributes": {}, "dropped_attributes_count": 0,
                  "schema_url": ""},
        "origin": {"protocol": "http_json", "sls_project": "", "sls_instance_id": ""},
    }]
    stats = emu.get("/api/stats")
    assert stats["logs"]["by_protocol"]["http_json"]["items"] == 1
    counts = {k: v for k, v in stats["log_store"].items() if not k.endswith("bytes")}
    assert counts == {"logs": 1, "evicted_logs": 0}
    assert stats["log_store"]["bytes"] > 0 and stats["log_store"]["evicted_bytes"] == 0


def test_http_protobuf_logs_and_filters(emu):
    records = [
        {"time": T0, "severity": 9, "severity_text": "INFO", "body": "cart opened",
         "attributes": {"items": 3, "ratio": 0.5, "tags": ["a", "b"], "raw": b"\x01\x02"}},
        {"time": T0 + 10, "severity": 13, "severity_text": "WARN",
         "body": {"event": "slow", "ms": 900}, "trace_id": TRACE, "span_id": SPAN, "flags": 1},
        {"time": 0, "observed": T0 + 20, "severity": 21, "severity_text": "FATAL", "body": "Cart crashed"},
    ]
    status, body = post_logs(emu, logs_request_protobuf(records), "application/x-protobuf")
    assert status == 200, body

    logs = emu.get("/api/logs")
    assert logs["total"] == 3
    # newest first (time, else observed time)
    assert [entry["severity_text"] for entry in logs["logs"]] == ["FATAL", "WARN", "INFO"]
    info = logs["logs"][2]
    assert info["body"] == {"type": "string", "value": "cart opened"}
    assert info["attributes"] == {
        "items": {"type": "int", "value": "3"},
        "ratio": {"type": "double", "value": 0.5},
        "tags": {"type": "array", "value": [{"type": "string", "value": "a"}, {"type": "string", "value": "b"}]},
        "raw": {"type": "bytes", "value": "AQI="},
    }
    assert info["trace_id"] == "" and info["span_id"] == "" and info["flags"] == 0
    assert info["scope"]["name"] == "my.logger" and info["scope"]["version"] == "2.0"
    assert info["origin"]["protocol"] == "http_protobuf"
    warn = logs["logs"][1]
    assert warn["body"] == {"type": "kvlist", "value": {"event": {"type": "string", "value": "slow"},
                                                        "ms": {"type": "int", "value": "900"}}}
    assert warn["trace_id"] == TRACE and warn["span_id"] == SPAN and warn["flags"] == 1
    assert logs["logs"][0]["time_unix_nano"] == "0"
    assert logs["logs"][0]["observed_time_unix_nano"] == str(T0 + 20)

    def texts(query):
        return [entry["severity_text"] for entry in emu.get("/api/logs?" + query)["logs"]]

    assert texts("severity_min=13") == ["FATAL", "WARN"]
    assert texts("text=cart") == ["FATAL", "INFO"]
    assert texts(f"trace_id={TRACE.upper()}") == ["WARN"]
    assert texts("service=log-svc&limit=1") == ["FATAL"]
    assert emu.get("/api/logs?service=log-svc&limit=1")["total"] == 3
    assert texts("service=other") == []
    status, _ = emu.post("/api/reset")
    assert emu.get("/api/logs")["total"] == 0


def test_bad_log_queries_are_400(emu):
    import urllib.error
    for query in ("severity_min=x", "trace_id=12", "limit=0", "nope=1"):
        with pytest.raises(urllib.error.HTTPError) as err:
            emu.get("/api/logs?" + query)
        assert err.value.code == 400


def test_trace_instance_headers_write_through_to_sls(emu):
    now_ns = time.time_ns()
    records = [{"time": now_ns, "severity": 17, "severity_text": "ERROR", "body": "boom",
                "attributes": {"user": "u1"}, "trace_id": TRACE, "span_id": SPAN, "flags": 1}]
    headers = {"x-sls-otel-project": "obs-proj", "x-sls-otel-instance-id": "inst1"}
    status, body = post_logs(emu, logs_request_protobuf(records), "application/x-protobuf", headers)
    assert status == 200, body
    assert emu.get("/api/logs")["logs"][0]["origin"] == {
        "protocol": "http_protobuf", "sls_project": "obs-proj", "sls_instance_id": "inst1"}

    now = now_ns // 1_000_000_000
    reply = sls_call(emu, "POST", "/logstores/inst1-logs/logs", project="obs-proj",
                     body=json.dumps({"from": now - 5, "to": now + 5, "query": "boom"}).encode(),
                     headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == [{
        "__time__": str(now), "__time_ns_part__": str(now_ns % 1_000_000_000),
        "__topic__": "", "__source__": "",
        "timeUnixNano": str(now_ns), "observedTimeUnixNano": "0",
        "severityNumber": "17", "severityText": "ERROR", "content": "boom",
        "attribute": '{"user":"u1"}', "traceID": TRACE, "spanID": SPAN, "flags": "1", "eventName": "",
        "resource": '{"host.name":"box-1","service.name":"log-svc"}', "service": "log-svc", "host": "box-1",
        "otlp.name": "my.logger", "otlp.version": "2.0",
    }]

    span = {"traceId": TRACE, "spanId": SPAN, "name": "GET /cart", "kind": 2,
            "startTimeUnixNano": str(now_ns), "endTimeUnixNano": str(now_ns + 2_500_000),
            "attributes": [{"key": "http.status_code", "value": {"intValue": "200"}}],
            "status": {"code": 2, "message": "bad"}}
    traces = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
                                                               "value": {"stringValue": "cart"}}]},
                                 "scopeSpans": [{"scope": {"name": "tracer"}, "spans": [span]}]}]}
    status, body = emu.post("/v1/traces", json.dumps(traces).encode(),
                            {"Content-Type": "application/json", **headers})
    assert status == 200, body
    reply = sls_call(emu, "POST", "/logstores/inst1-traces/logs", project="obs-proj",
                     body=json.dumps({"from": now - 5, "to": now + 5, "query": "name: cart"}).encode(),
                     headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    rows = reply.json()["data"]
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("traceID", "spanID", "parentSpanID", "name", "kind", "start", "end", "duration",
                                "statusCode", "statusMessage", "attribute", "service", "otlp.name")} == {
        "traceID": TRACE, "spanID": SPAN, "parentSpanID": "", "name": "GET /cart", "kind": "server",
        "start": str(now_ns // 1000), "end": str((now_ns + 2_500_000) // 1000), "duration": "2500",
        "statusCode": "ERROR", "statusMessage": "bad", "attribute": '{"http.status_code":200}',
        "service": "cart", "otlp.name": "tracer"}
    listing = sls_call(emu, "GET", "/logstores", project="obs-proj").json()
    assert listing["logstores"] == ["inst1-logs", "inst1-traces"]
