"""The hot paths written against the CPython API (issue 6): Span, start_span, counter.add,
histogram.record and logger.info keep the API, the errors and the exported values of the
pybind11 versions they replace. Values are read back exactly from a real ptx-emulator."""
import gc
import weakref

import pytest

from conftest import app_json, attrs, wait_for_spans

import pytracingx as ptx


# ---------------------------------------------------------------------------- the Span type
def test_span_is_a_native_type_that_cannot_be_built_directly():
    with ptx.start_span("s") as span:
        assert type(span) is ptx.Span and isinstance(span, ptx.Span)
    assert ptx.Span.__module__ == "pytracingx._native" and ptx.Span.__name__ == "Span"
    with pytest.raises(TypeError, match=r"Span cannot be instantiated directly; use start_span\(\)"):
        ptx.Span()
    with pytest.raises(TypeError):
        class Sub(ptx.Span):  # noqa: F841 - not a base type, as before
            pass


def test_span_supports_weak_references_and_is_freed():
    span = ptx.start_span("weak")
    ref = weakref.ref(span)
    assert ref() is span
    span.end()
    del span
    gc.collect()
    assert ref() is None


def test_span_argument_errors_name_the_function_and_argument():
    with pytest.raises(TypeError, match=r"start_span\(\) missing required argument 'name'"):
        ptx.start_span()
    with pytest.raises(TypeError, match=r"start_span\(\) got an unexpected keyword argument 'attrs'"):
        ptx.start_span("s", attrs={})
    with pytest.raises(TypeError, match=r"start_span\(\) got multiple values for argument 'name'"):
        ptx.start_span("s", name="t")
    with pytest.raises(TypeError, match=r"start_span\(\) takes at most 5 positional arguments \(6 given\)"):
        ptx.start_span("s", None, "internal", None, None, 1)
    with pytest.raises(TypeError, match="name must be a str, got int"):
        ptx.start_span(1)
    with pytest.raises(TypeError, match="attributes must be a dict, got list"):
        ptx.start_span("s", attributes=[("a", 1)])
    with pytest.raises(ValueError, match="unknown span kind 'sideways'"):
        ptx.start_span("s", kind="sideways")
    with pytest.raises(ValueError, match="attribute key must not be empty"):
        ptx.start_span("s", {"": 1})
    span = ptx.start_span("s")
    with pytest.raises(TypeError, match=r"set_attribute\(\) missing required argument 'value'"):
        span.set_attribute("k")
    with pytest.raises(TypeError, match="attribute keys must be str, got int"):
        span.set_attribute(1, "v")
    with pytest.raises(TypeError, match="escaped must be a bool, got str"):
        span.record_exception(ValueError("x"), escaped="yes")
    with pytest.raises(TypeError, match=r"__exit__\(\) missing required argument 'tb'"):
        span.__exit__(None, None)
    with pytest.raises(TypeError, match="end_time_ns must be an int, got float"):
        span.end(1.5)
    span.end()


def test_span_methods_accept_keywords_and_the_with_block_returns_the_span():
    with ptx.start_span(name="kw", attributes={"a": 1}, kind="SERVER") as span:
        span.set_attribute(key="k", value="v")
        span.add_event(name="e", attributes={"x": 1}, timestamp_ns=5)
        span.set_status(code="ok", description=None)
        assert span.__exit__(None, None, None) is False  # exits once here ...
    # ... and once more by the with statement: idempotent, the context is back to none.
    assert ptx.current_trace_context() == {"trace_id": None, "span_id": None}
    assert repr(span) == "Span(non-recording)"  # before init: no context


def test_enter_and_exit_bound_and_unbound():
    span = ptx.start_span("manual")
    enter, exit_ = span.__enter__, span.__exit__
    assert enter.__self__ is span and exit_.__self__ is span
    assert enter() is span
    with pytest.raises(TypeError, match=r"__enter__\(\) takes no arguments"):
        enter(1)
    assert exit_(None, None, None) is False
    assert ptx.Span.__enter__(span) is span
    assert ptx.Span.__exit__(span, exc_type=None, exc=None, tb=None) is False
    assert ptx.Span.__enter__.__name__ == "__enter__"
    assert ptx.Span.__exit__.__doc__.startswith("__exit__(self, exc_type: object, exc: object, tb: object)")
    with pytest.raises(TypeError, match="descriptor '__exit__' for 'Span' objects doesn't apply to a 'int' object"):
        ptx.Span.__exit__(1, None, None, None)
    with pytest.raises(TypeError, match="cannot create"):
        type(enter)()
    # Many bound methods alive at once (more than the free list holds), then all freed.
    spans = [ptx.start_span("s%d" % i) for i in range(40)]
    bound = [s.__exit__ for s in spans]
    refs = [weakref.ref(s) for s in spans]
    del spans
    assert all(r() is not None for r in refs)  # the bound methods keep their spans alive
    for b in bound:
        assert b(None, None, None) is False
    del bound, b
    gc.collect()
    assert all(r() is None for r in refs)


APP = """
import json, sys, threading, pytracingx as ptx
ptx.init(ptx.Config("hot-app", console_output=False, sinks=[
    ptx.TraceSink({endpoint!r}, protocol="http/protobuf"),
    ptx.MetricSink({endpoint!r}, protocol="http/protobuf", export_interval_ms=3600000),
    ptx.OtlpLogSink({endpoint!r}, protocol="http/protobuf")]))
meter = ptx.get_meter("hot")
hits = meter.counter("hits")
sizes = meter.histogram("sizes", boundaries=[10])
log = ptx.get_logger("hot.log")

class Loud:
    # str() of this value records a measurement itself: the nested call must not disturb
    # the attributes the outer call is converting.
    def __str__(self):
        hits.add(100, {{"nested": True, "route": "/zzz-a-longer-value-than-the-small-string-buffer"}})
        return "loud"

# One thread, many shapes: per-thread reuse of converted attributes must not leak keys or
# values from one call into the next.
hits.add(1, {{"route": "/a-longer-route-than-fifteen-bytes", "code": 200}})
hits.add(2, {{"code": 200}})
hits.add(3, {{"route": None, "code": 200}})          # None is skipped: same series as above
hits.add(4, {{"route": 7}})                            # the string slot now holds an int
hits.add(5, {{"route": "/b"}})
hits.add(6, {{"route": "/a-longer-route-than-fifteen-bytes", "code": 200}})
hits.add(7, {{"route": Loud(), "code": 201}})
hits.add(8)
try:
    hits.add(9, {{"route": "/c", 5: "bad key"}})       # fails half-way through the dict ...
except TypeError as e:
    error = str(e)
hits.add(10, {{"route": "/b"}})                        # ... and leaves nothing behind
sizes.record(5, {{"route": "/a"}})
sizes.record(50.5, attributes={{"route": "/a"}})

def worker(i):
    for _ in range(1000):
        hits.add(1, {{"thread": i % 2, "kind": "worker"}})
threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()

with ptx.start_span("root", attributes={{"level": 0}}) as root:
    with ptx.start_span("child", {{"level": 1}}, "client") as child:
        with ptx.start_span("leaf", attributes={{"level": 2}}):
            log.info("in leaf", attributes={{"order.id": 12345, "customer.tier": "gold"}})
    try:
        with ptx.start_span("fails"):
            raise KeyError("k")
    except KeyError:
        pass
log.warning(message="outside")
print(json.dumps({{"ok": ptx.force_flush(10000), "error": error, "trace": root.trace_id(),
                  "root": root.span_id(), "child": child.span_id()}}))
"""


def test_hot_paths_export_exact_values(emu):
    got = app_json(APP.format(endpoint=emu.http_base))
    assert got["ok"] is True
    assert got["error"] == "attribute keys must be str, got int"

    series = {}
    for s in emu.get("/api/metrics?name=hits")["series"]:
        key = tuple(sorted(attrs(s["attributes"]).items()))
        series[key] = int(s["points"][-1]["value"]["value"])
    assert series == {
        (("code", 200), ("route", "/a-longer-route-than-fifteen-bytes")): 1 + 6,
        (("code", 200),): 2 + 3,
        (("route", 7),): 4,
        (("route", "/b"),): 5 + 10,
        (("code", 201), ("route", "loud")): 7,
        (("nested", True), ("route", "/zzz-a-longer-value-than-the-small-string-buffer")): 100,
        (): 8,
        (("kind", "worker"), ("thread", 0)): 4000,
        (("kind", "worker"), ("thread", 1)): 4000,
    }
    (h,) = emu.get("/api/metrics?name=sizes")["series"]
    assert attrs(h["attributes"]) == {"route": "/a"}
    point = h["points"][-1]
    assert (point["count"], point["sum"], point["min"], point["max"]) == ("2", 55.5, 5, 50.5)
    assert point["bucket_counts"] == ["1", "1"]

    spans = {s["name"]: s for s in wait_for_spans(emu, got["trace"], 4)}
    assert set(spans) == {"root", "child", "leaf", "fails"}
    assert spans["child"]["parent_span_id"] == got["root"] and spans["child"]["kind"] == "client"
    assert spans["leaf"]["parent_span_id"] == got["child"]
    assert spans["fails"]["parent_span_id"] == got["root"]
    assert spans["fails"]["status"] == {"code": "error", "message": "KeyError: 'k'"}
    assert [attrs(spans[n]["attributes"])["level"] for n in ("root", "child", "leaf")] == [0, 1, 2]

    logs = {r["body"]["value"]: r for r in emu.get("/api/logs?service=hot-app")["logs"]}
    leaf = logs["in leaf"]
    assert (leaf["severity_number"], leaf["severity_text"]) == (9, "INFO")
    assert attrs(leaf["attributes"]) == {"order.id": 12345, "customer.tier": "gold"}
    assert leaf["trace_id"] == got["trace"] and leaf["span_id"] == spans["leaf"]["span_id"]
    assert (logs["outside"]["severity_text"], logs["outside"]["trace_id"]) == ("WARN", "")


def test_measurement_and_log_argument_errors():
    meter = ptx.get_meter("hot.validation")
    counter, histogram, log = meter.counter("c"), meter.histogram("h"), ptx.get_logger("hot")
    with pytest.raises(TypeError, match=r"add\(\) missing required argument 'value'"):
        counter.add()
    with pytest.raises(TypeError, match=r"add\(\) got an unexpected keyword argument 'attrs'"):
        counter.add(1, attrs={})
    with pytest.raises(TypeError, match=r"add\(\) takes at most 2 positional arguments \(3 given\)"):
        counter.add(1, {}, 2)
    with pytest.raises(TypeError, match="attributes must be a dict, got tuple"):
        histogram.record(1, ("a", 1))
    with pytest.raises(TypeError, match="histogram value must be an int or a float, got str"):
        histogram.record("1")
    with pytest.raises(ValueError, match="counter values must not be negative"):
        counter.add(value=-1.5, attributes={"a": 1})
    with pytest.raises(TypeError, match=r"info\(\) takes at most 1 positional argument \(2 given\)"):
        log.info("m", {"a": 1})  # attributes are keyword-only
    with pytest.raises(TypeError, match=r"warning\(\) missing required argument 'message'"):
        log.warning(attributes={})
    with pytest.raises(TypeError, match="attribute keys must be str, got int"):
        log.error("m", attributes={1: 2})
    with pytest.raises(TypeError):
        ptx.Counter.add(log, 1)  # a method of one class called on another object
    with pytest.raises(TypeError, match=r"emit_log_record\(\) missing required argument 'severity_text'"):
        ptx.emit_log_record("n", "m", severity_number=9)
    with pytest.raises(TypeError, match=r"emit_log_record\(\) takes at most 2 positional arguments \(4 given\)"):
        ptx.emit_log_record("n", "m", 9, "INFO")  # severities are keyword-only
    with pytest.raises(ValueError, match="severity_number must be between 1 and 24"):
        ptx.emit_log_record("n", "m", severity_number=25, severity_text="X")
    log.info(message="fine", attributes=None)  # before init: dropped, no error


# ------------------------------------------------------------------- malloc tuning at init
MALLOC_PROBE = """
    import ctypes, json, os
    import pytracingx as ptx

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    libc.mallinfo2.restype = MallInfo2

    def parked_in_fastbins():
        # 64-byte chunks beyond the 7 the thread's tcache keeps go to the arena's fastbins,
        # unless fastbins are off; fsmblks counts the bytes parked there.
        blocks = [libc.malloc(48) for _ in range(300)]
        for b in blocks:
            libc.free(b)
        return libc.mallinfo2().fsmblks

    before = parked_in_fastbins()
    endpoint = dict(endpoint="http://127.0.0.1:9", protocol="http/protobuf")
    sinks = {"trace": [ptx.TraceSink(**endpoint)], "log": [ptx.OtlpLogSink(**endpoint)],
             "metric": [ptx.MetricSink(**endpoint)]}[os.environ["PROBE_SINK"]]
    ptx.init(ptx.Config(service_name="malloc", console_output=False, sinks=sinks))
    after = parked_in_fastbins()
    ptx.shutdown(100)
    print(json.dumps({"before": before, "after": after}))
"""


def test_init_with_a_span_or_log_sink_turns_glibc_fastbins_off_unless_told_not_to():
    for sink in ("trace", "log"):
        tuned = app_json(MALLOC_PROBE, env={"PROBE_SINK": sink})
        assert tuned["before"] > 0 and tuned["after"] == 0, sink
    kept = app_json(MALLOC_PROBE, env={"PROBE_SINK": "trace", "PTX_MALLOC_TUNING": "off"})
    assert kept["before"] > 0 and kept["after"] > 0
    metrics_only = app_json(MALLOC_PROBE, env={"PROBE_SINK": "metric"})  # no records to free
    assert metrics_only["before"] > 0 and metrics_only["after"] > 0
