"""Metrics from a Python app, aggregated natively, read back exactly from a real ptx-emulator."""
import pytest

from conftest import app_json, attrs

import pytracingx as ptx

APP = """
import json, pytracingx as ptx
meter = ptx.get_meter("shop", "1.2")
requests = meter.counter("http.requests", unit="1", description="served requests")  # before init
calls = {{"n": 0}}

def queue_depth():
    calls["n"] += 1
    return [(7 * calls["n"], {{"queue": "orders"}})]

ptx.init(ptx.Config("metrics-app", console_output=False, sinks=[ptx.MetricSink(
    {endpoint!r}, protocol={protocol!r}, temporality={temporality!r}, export_interval_ms=3600000)]))
latency = meter.histogram("http.latency", unit="ms", boundaries=[10, 100])
inflight = meter.up_down_counter("inflight")
temp = meter.gauge("temperature")
meter.observable_gauge("queue.depth", queue_depth)
assert meter.counter("HTTP.Requests") is requests  # same name, same instrument

requests.add(2, {{"route": "/a", "code": 200}})
requests.add(3, {{"code": 200, "route": "/a"}})   # same series, other key order
requests.add(1, {{"route": "/b", "code": 500}})
for v in (5, 10, 10.5, 100, 250):
    latency.record(v, {{"route": "/a"}})
latency.record(float("nan"), {{"route": "/a"}})    # never poisons sum/min/max
inflight.add(4)
inflight.add(-1)
temp.record(21.5, {{"room": "lab"}})
first = ptx.force_flush(10000)
requests.add(10, {{"route": "/a", "code": 200}})
latency.record(1, {{"route": "/a"}})
second = ptx.force_flush(10000)
before_shutdown = calls["n"]
ptx.shutdown()  # collects and exports once more
print(json.dumps({{"first": first, "second": second, "callbacks": before_shutdown, "stats": ptx.stats()["metrics"]}}))
"""


def series(emu, name):
    return emu.get(f"/api/metrics?name={name}")["series"]


def value(point):
    v = point["value"]
    return int(v["value"]) if v["type"] == "int" else v["value"]


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
@pytest.mark.parametrize("temporality", ["cumulative", "delta"])
def test_instruments_export_exact_values(emu, protocol, temporality):
    endpoint = emu.grpc_endpoint if protocol == "grpc" else emu.http_base
    got = app_json(APP.format(endpoint=endpoint, protocol=protocol, temporality=temporality))
    assert got["first"] is True and got["second"] is True
    assert got["callbacks"] == 2  # once per collection
    assert got["stats"]["dropped_measurements"] == 1

    by_route = {attrs(s["attributes"])["route"]: s for s in series(emu, "http.requests")}
    a = by_route["/a"]
    assert (a["type"], a["temporality"], a["monotonic"], a["unit"]) == ("sum", temporality, True, "1")
    assert a["description"] == "served requests" and a["scope"]["name"] == "shop" and a["service"] == "metrics-app"
    assert attrs(a["attributes"]) == {"route": "/a", "code": 200}
    assert a["points"][0]["value"]["type"] == "int"
    if temporality == "cumulative":
        # Three collections: two flushes and shutdown, each reporting the running total.
        p1, p2, p3 = a["points"]
        assert [value(p) for p in a["points"]] == [5, 15, 15]
        assert p1["start_time_unix_nano"] == p2["start_time_unix_nano"] == p3["start_time_unix_nano"]
        assert [value(p) for p in by_route["/b"]["points"]] == [1, 1, 1]
    else:
        # Deltas: nothing new at shutdown, so no third point.
        p1, p2 = a["points"]
        assert [value(p) for p in a["points"]] == [5, 10]
        assert p2["start_time_unix_nano"] == p1["time_unix_nano"]
        assert [value(p) for p in by_route["/b"]["points"]] == [1]
    assert int(p2["time_unix_nano"]) > int(p1["time_unix_nano"])

    (h,) = series(emu, "http.latency")
    assert h["type"] == "histogram" and h["temporality"] == temporality
    h1, h2 = h["points"][:2]
    assert len(h["points"]) == (3 if temporality == "cumulative" else 2)
    assert h1["explicit_bounds"] == [10, 100]
    assert (h1["count"], h1["sum"], h1["min"], h1["max"]) == ("5", 375.5, 5, 250)
    assert h1["bucket_counts"] == ["2", "2", "1"]  # 10 sits in (-inf,10], 100 in (10,100]
    if temporality == "cumulative":
        assert (h2["count"], h2["sum"], h2["min"], h2["max"], h2["bucket_counts"]) == ("6", 376.5, 1, 250, ["3", "2", "1"])
    else:
        assert (h2["count"], h2["sum"], h2["min"], h2["max"], h2["bucket_counts"]) == ("1", 1, 1, 1, ["1", "0", "0"])

    (ud,) = series(emu, "inflight")
    assert ud["temporality"] == "cumulative" and ud["monotonic"] is False  # up-down stays cumulative
    assert value(ud["points"][0]) == 3

    (g,) = series(emu, "temperature")
    assert g["type"] == "gauge" and value(g["points"][0]) == 21.5

    (q,) = series(emu, "queue.depth")
    # An observable gauge is observed at every collection, shutdown included.
    assert [value(p) for p in q["points"]] == [7, 14, 21] and attrs(q["attributes"]) == {"queue": "orders"}


def test_bad_measurements_raise():
    meter = ptx.get_meter("validation")
    with pytest.raises(ValueError, match="counter values must not be negative"):
        meter.counter("c").add(-1)
    with pytest.raises(TypeError, match="must be an int or a float"):
        meter.counter("c").add("1")
    with pytest.raises(ValueError, match="already exists as a counter"):
        meter.histogram("c")
    with pytest.raises(ValueError, match="boundaries must be strictly increasing"):
        meter.histogram("h", boundaries=[5, 1])
    with pytest.raises(ValueError, match="unknown temporality 'weekly'"):
        ptx.MetricSink("h:4317", temporality="weekly")
    meter.counter("c").add(1)  # before init: dropped silently, no error


def test_failing_callback_is_reported_and_skipped(emu):
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("cb", console_output=False,
                 sinks=[ptx.MetricSink({emu.grpc_endpoint!r}, export_interval_ms=3600000)]))
        meter = ptx.get_meter("cb")
        def broken():
            raise RuntimeError("sensor offline")
        meter.observable_gauge("broken", broken)
        meter.observable_counter("fine", lambda: [(3, None)])
        print(json.dumps({{"ok": ptx.force_flush(10000), "stats": ptx.stats()["metrics"]}}))
        """
    )
    assert got["stats"]["callback_failures"] == 1
    assert series(emu, "broken") == []
    (fine,) = series(emu, "fine")
    assert value(fine["points"][0]) == 3
