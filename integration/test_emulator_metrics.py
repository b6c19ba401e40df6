"""ptx-emulator's OTLP metrics as a black box: ExportMetricsServiceRequest over HTTP (JSON, and
protobuf for one gauge) read back from /api/metrics with exact values for every point type,
series identity and filters, retention, and the SLS trace-instance write-through
({instance}-metrics) read back with GetLogs v2.
"""
import json
import os
import time
import urllib.error

import pytest

from conftest import EMULATOR_BIN, Emulator
from test_emulator_logs import field_double, field_fixed64, key_value
from test_emulator_sls import field_bytes, sls_call

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

T0 = 1_700_000_000_000_000_001  # above 2^53 on purpose: must survive as a string
CUMULATIVE, DELTA = 2, 1


def kv(key, value):
    if isinstance(value, bool):
        v = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": value}
    return {"key": key, "value": v}


def request(metrics, service="shop", scope=("shop.meter", "1.2"), resource_extra=()):
    return {"resourceMetrics": [{
        "resource": {"attributes": [kv("service.name", service), *resource_extra]},
        "scopeMetrics": [{"scope": {"name": scope[0], "version": scope[1]}, "metrics": metrics}],
    }]}


def post_metrics(emu, body, headers=None):
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    status, reply = emu.post("/v1/metrics", json.dumps(body).encode(), all_headers)
    assert status == 200, reply
    assert json.loads(reply) == {"partialSuccess": {}}


def sum_metric(value, attributes, time_ns, temporality=CUMULATIVE):
    return {"name": "http.requests", "description": "requests served", "unit": "{request}",
            "sum": {"aggregationTemporality": temporality, "isMonotonic": True,
                    "dataPoints": [{"attributes": attributes, "startTimeUnixNano": str(T0),
                                    "timeUnixNano": str(time_ns), "asInt": str(value)}]}}


def series_of(emu, query=""):
    return emu.get("/api/metrics" + ("?" + query if query else ""))


SHOP_RESOURCE = {"attributes": {"service.name": {"type": "string", "value": "shop"}},
                 "dropped_attributes_count": 0, "schema_url": ""}
SHOP_SCOPE = {"name": "shop.meter", "version": "1.2", "attributes": {}, "dropped_attributes_count": 0,
              "schema_url": ""}


def test_cumulative_sum_across_requests_and_gauge(emu):
    post_metrics(emu, request([
        sum_metric(5, [kv("http.method", "GET"), kv("http.status_code", 200)], T0 + 10),
        {"name": "cpu.utilization", "unit": "1",
         "gauge": {"dataPoints": [{"timeUnixNano": str(T0 + 11), "asDouble": 0.25,
                                   "attributes": [kv("cpu", 0)]}]}},
    ]))
    # Same series, attributes in another order, enum as its name.
    post_metrics(emu, request([
        sum_metric(8, [kv("http.status_code", 200), kv("http.method", "GET")], T0 + 20,
                   temporality="AGGREGATION_TEMPORALITY_CUMULATIVE"),
    ]))

    body = series_of(emu, "name=http.requests")
    assert body == {"total": 1, "series": [{
        "name": "http.requests", "description": "requests served", "unit": "{request}",
        "type": "sum", "temporality": "cumulative", "monotonic": True, "service": "shop",
        "scope": SHOP_SCOPE, "resource": SHOP_RESOURCE,
        "attributes": {"http.method": {"type": "string", "value": "GET"},
                       "http.status_code": {"type": "int", "value": "200"}},
        "point_count": 2,
        "points": [
            {"start_time_unix_nano": str(T0), "time_unix_nano": str(T0 + 10),
             "value": {"type": "int", "value": "5"}, "flags": 0},
            {"start_time_unix_nano": str(T0), "time_unix_nano": str(T0 + 20),
             "value": {"type": "int", "value": "8"}, "flags": 0},
        ],
    }]}

    gauge = series_of(emu, "name=cpu.utilization")["series"]
    assert len(gauge) == 1
    assert {k: gauge[0][k] for k in ("type", "temporality", "monotonic", "unit", "attributes")} == {
        "type": "gauge", "temporality": "unspecified", "monotonic": False, "unit": "1",
        "attributes": {"cpu": {"type": "int", "value": "0"}}}
    assert gauge[0]["points"] == [{"start_time_unix_nano": "0", "time_unix_nano": str(T0 + 11),
                                   "value": {"type": "double", "value": 0.25}, "flags": 0}]

    assert emu.get("/api/metrics/names") == {"names": ["cpu.utilization", "http.requests"]}
    stats = emu.get("/api/stats")
    assert stats["metrics"]["by_protocol"]["http_json"]["items"] == 3
    assert stats["metrics"]["requests"] == 2
    counts = {k: v for k, v in stats["metric_store"].items() if not k.endswith("bytes")}
    assert counts == {"points": 3, "series": 2, "evicted_points": 0}
    assert stats["metric_store"]["bytes"] > 0 and stats["metric_store"]["evicted_bytes"] == 0


def test_histogram_exponential_histogram_and_summary(emu):
    post_metrics(emu, request([
        {"name": "http.duration", "unit": "ms",
         "histogram": {"aggregationTemporality": DELTA, "dataPoints": [{
             "attributes": [kv("route", "/cart")],
             "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 60),
             "count": "6", "sum": 127.5, "min": 0.5, "max": 80.0,
             "bucketCounts": ["1", "2", "3"], "explicitBounds": [1.0, 10.0], "flags": 1}]}},
        {"name": "http.duration.unsummed", "unit": "ms",
         "histogram": {"aggregationTemporality": DELTA, "dataPoints": [{
             "timeUnixNano": str(T0 + 60), "count": "1", "bucketCounts": ["1"]}]}},
        {"name": "payload.size", "unit": "By",
         "exponentialHistogram": {"aggregationTemporality": CUMULATIVE, "dataPoints": [{
             "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 60),
             "count": "7", "sum": 12.25, "scale": -2, "zeroCount": "1", "zeroThreshold": 0.001,
             "positive": {"offset": -3, "bucketCounts": ["2", "3"]},
             "negative": {"offset": 1, "bucketCounts": ["1"]},
             "min": -4.0, "max": 9.5}]}},
        {"name": "gc.pause", "unit": "s",
         "summary": {"dataPoints": [{
             "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 60),
             "count": "4", "sum": 10.0,
             "quantileValues": [{"quantile": 0.5, "value": 2.0}, {"quantile": 0.99, "value": 4.5}]}]}},
    ]))

    hist = series_of(emu, "name=http.duration")["series"]
    assert len(hist) == 1
    assert (hist[0]["type"], hist[0]["temporality"], hist[0]["monotonic"]) == ("histogram", "delta", False)
    assert hist[0]["attributes"] == {"route": {"type": "string", "value": "/cart"}}
    assert hist[0]["points"] == [{
        "start_time_unix_nano": str(T0), "time_unix_nano": str(T0 + 60),
        "count": "6", "sum": 127.5, "min": 0.5, "max": 80.0,
        "bucket_counts": ["1", "2", "3"], "explicit_bounds": [1.0, 10.0], "flags": 1}]
    unsummed = series_of(emu, "name=http.duration.unsummed")["series"][0]["points"][0]
    assert (unsummed["sum"], unsummed["min"], unsummed["max"]) == (None, None, None)
    assert unsummed["explicit_bounds"] == [] and unsummed["bucket_counts"] == ["1"]

    exp = series_of(emu, "name=payload.size")["series"]
    assert (exp[0]["type"], exp[0]["temporality"]) == ("exponential_histogram", "cumulative")
    assert exp[0]["points"] == [{
        "start_time_unix_nano": str(T0), "time_unix_nano": str(T0 + 60),
        "count": "7", "sum": 12.25, "scale": -2, "zero_count": "1", "zero_threshold": 0.001,
        "positive": {"offset": -3, "bucket_counts": ["2", "3"]},
        "negative": {"offset": 1, "bucket_counts": ["1"]},
        "min": -4.0, "max": 9.5, "flags": 0}]

    summary = series_of(emu, "name=gc.pause")["series"]
    assert (summary[0]["type"], summary[0]["temporality"]) == ("summary", "unspecified")
    assert summary[0]["points"] == [{
        "start_time_unix_nano": str(T0), "time_unix_nano": str(T0 + 60),
        "count": "4", "sum": 10.0,
        "quantile_values": [{"quantile": 0.5, "value": 2.0}, {"quantile": 0.99, "value": 4.5}],
        "flags": 0}]


def test_series_identity_and_filters(emu):
    def point(value, attributes, time_ns):
        return {"name": "jobs", "gauge": {"dataPoints": [
            {"attributes": attributes, "timeUnixNano": str(time_ns), "asInt": str(value)}]}}

    post_metrics(emu, request([
        point(1, [kv("queue", "a"), kv("zone", "z1")], T0),
        point(2, [kv("zone", "z1"), kv("queue", "a")], T0 + 1),  # same series
        point(3, [kv("queue", "b"), kv("zone", "z1")], T0 + 2),
        point(4, [kv("queue", "a")], T0 + 3),                    # fewer attributes: another series
    ]))
    post_metrics(emu, request([point(5, [kv("queue", "a"), kv("zone", "z1")], T0 + 4)], service="worker"))

    def values(query):
        return [[p["value"]["value"] for p in s["points"]] for s in series_of(emu, query)["series"]]

    # Ordered by name, service, scope, type, temporality, then attribute set.
    assert values("name=jobs") == [["1", "2"], ["4"], ["3"], ["5"]]
    assert values("attr=queue:a&attr=zone:z1") == [["1", "2"], ["5"]]
    assert values("attr=queue:a&attr=zone:z1&service=shop") == [["1", "2"]]
    assert values("attr=zone:z1&limit=1") == [["1", "2"]]
    assert series_of(emu, "attr=zone:z1&limit=1")["total"] == 3
    assert values("service=worker") == [["5"]]
    assert values("name=nope") == []
    assert values("attr=queue:c") == []
    for query in ("attr=nocolon", "limit=0", "limit=x", "type=sum"):
        with pytest.raises(urllib.error.HTTPError) as err:
            emu.get("/api/metrics?" + query)
        assert err.value.code == 400
        assert "error" in json.loads(err.value.read())

    assert emu.get("/api/stats")["metric_store"]["series"] == 4
    emu.reset()
    assert series_of(emu) == {"total": 0, "series": []}
    assert emu.get("/api/metrics/names") == {"names": []}
    assert emu.get("/api/stats")["metric_store"] == {"points": 0, "series": 0, "evicted_points": 0,
                                                     "bytes": 0, "evicted_bytes": 0}


def gauge_request_protobuf(name, value, time_ns, service="pb-svc"):
    """ExportMetricsServiceRequest with one double gauge point (field numbers from spec/otlp.md)."""
    point = field_bytes(7, key_value("host", "h1")) + field_fixed64(3, time_ns) + field_double(4, value)
    metric = field_bytes(1, name) + field_bytes(5, field_bytes(1, point))
    scope_metrics = field_bytes(1, field_bytes(1, "pb.meter")) + field_bytes(2, metric)
    resource = field_bytes(1, key_value("service.name", service))
    return field_bytes(1, field_bytes(1, resource) + field_bytes(2, scope_metrics))


def test_http_protobuf_gauge(emu):
    status, reply = emu.post("/v1/metrics", gauge_request_protobuf("temperature", 21.5, T0),
                             {"Content-Type": "application/x-protobuf"})
    assert status == 200, reply
    series = series_of(emu, "service=pb-svc")["series"]
    assert len(series) == 1
    assert series[0]["scope"]["name"] == "pb.meter"
    assert series[0]["attributes"] == {"host": {"type": "string", "value": "h1"}}
    assert series[0]["points"] == [{"start_time_unix_nano": "0", "time_unix_nano": str(T0),
                                    "value": {"type": "double", "value": 21.5}, "flags": 0}]
    assert emu.get("/api/stats")["metrics"]["by_protocol"]["http_protobuf"]["items"] == 1


def test_retention_evicts_oldest_points():
    emu = Emulator(["--max-metric-points", "3"])
    try:
        for i in range(5):
            post_metrics(emu, request([{"name": "m" if i < 2 else "n", "gauge": {"dataPoints": [
                {"timeUnixNano": str(T0 + i), "asInt": str(i)}]}}]))
        assert emu.get("/api/metrics/names") == {"names": ["n"]}
        points = series_of(emu)["series"][0]["points"]
        assert [p["value"]["value"] for p in points] == ["2", "3", "4"]
        # Each point encodes as time_unix_nano (fixed64) + as_int (sfixed64): 2 * 9 bytes.
        assert emu.get("/api/stats")["metric_store"] == {"points": 3, "series": 1, "evicted_points": 2,
                                                         "bytes": 3 * 18, "evicted_bytes": 2 * 18}
    finally:
        emu.stop()


def test_trace_instance_headers_write_through_to_sls(emu):
    now_ns = time.time_ns()
    headers = {"x-sls-otel-project": "obs-proj", "x-sls-otel-instance-id": "inst1"}
    post_metrics(emu, request([
        {"name": "http.requests", "description": "requests served", "unit": "{request}",
         "sum": {"aggregationTemporality": CUMULATIVE, "isMonotonic": True, "dataPoints": [{
             "attributes": [kv("route", "/cart"), kv("method", "GET")],
             "startTimeUnixNano": str(now_ns - 1000), "timeUnixNano": str(now_ns), "asInt": "7"}]}},
        {"name": "http.duration", "unit": "ms",
         "histogram": {"aggregationTemporality": DELTA, "dataPoints": [{
             "timeUnixNano": str(now_ns), "count": "3", "sum": 4.5, "max": 3.0,
             "bucketCounts": ["1", "2"], "explicitBounds": [2.5]}]}},
    ], resource_extra=[kv("host.name", "box-1")]), headers)

    now = now_ns // 1_000_000_000
    reply = sls_call(emu, "POST", "/logstores/inst1-metrics/logs", project="obs-proj",
                     body=json.dumps({"from": now - 5, "to": now + 5, "query": "*"}).encode(),
                     headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    common = {"__time__": str(now), "__time_ns_part__": str(now_ns % 1_000_000_000),
              "__topic__": "", "__source__": "", "__time_nano__": str(now_ns),
              "resource": '{"host.name":"box-1","service.name":"shop"}', "service": "shop", "host": "box-1",
              "otlp.name": "shop.meter", "otlp.version": "1.2"}
    assert reply.json()["data"] == [
        {**common, "__name__": "http.requests", "__labels__": "method#$#GET|route#$#/cart", "__value__": "7",
         "type": "sum", "temporality": "cumulative", "monotonic": "true", "description": "requests served",
         "unit": "{request}", "startTimeUnixNano": str(now_ns - 1000), "flags": "0"},
        {**common, "__name__": "http.duration", "__labels__": "", "__value__": "4.5",
         "count": "3", "sum": "4.5", "min": "", "max": "3", "bucketCounts": "[1,2]", "explicitBounds": "[2.5]",
         "type": "histogram", "temporality": "delta", "monotonic": "false", "description": "", "unit": "ms",
         "startTimeUnixNano": "0", "flags": "0"},
    ]
    reply = sls_call(emu, "POST", "/logstores/inst1-metrics/logs", project="obs-proj",
                     body=json.dumps({"from": now - 5, "to": now + 5, "query": "__name__: http.requests"}).encode(),
                     headers={"Content-Type": "application/json"})
    assert [row["__value__"] for row in reply.json()["data"]] == ["7"]
    assert [s["name"] for s in series_of(emu)["series"]] == ["http.duration", "http.requests"]
    listing = sls_call(emu, "GET", "/logstores", project="obs-proj").json()
    assert listing["logstores"] == ["inst1-metrics"]
