"""Spans from a Python app exported into a real ptx-emulator and read back exactly."""
import json
import socket
import threading
import time

import pytest

from conftest import app_json, attr_types, attrs, run_app, wait_for_spans

PROTOCOLS = [
    pytest.param("grpc", None, id="grpc"),
    pytest.param("http/protobuf", None, id="http"),
    pytest.param("http/protobuf", "gzip", id="http-gzip"),
    pytest.param("grpc", "gzip", id="grpc-gzip"),
]


def endpoint_for(emu, protocol):
    return emu.grpc_endpoint if protocol == "grpc" else emu.http_base


@pytest.mark.parametrize("protocol, compression", PROTOCOLS)
def test_spans_arrive_with_every_field(emu, protocol, compression):
    raw = f"ptx.RawOtlp(compression={compression!r})" if compression else "None"
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("orders", resource_attributes={{"deployment.environment": "test", "build": 7}},
                            console_output=False,
                            sinks=[ptx.TraceSink({endpoint_for(emu, protocol)!r}, protocol={protocol!r},
                                                 raw_otlp={raw}, batch_schedule_delay_ms=50)]))
        with ptx.start_span("GET /orders", kind="server", attributes={{
                "http.method": "GET", "http.status_code": 200, "ratio": 0.5, "cached": False,
                "blob": b"\\x00\\x01", "tags": ["a", "b"], "ids": [1, 2, 3], "flags": [True, False],
                "weights": [1.5, 2.5], "skipped": None, "obj": {{"k": 1}}}}) as root:
            with ptx.start_span("db.query", kind="client") as child:
                child.set_attribute("db.rows", 42)
                child.add_event("retry", {{"attempt": 2}}, timestamp_ns=1700000000000000000)
                child.add_link("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", {{"link.kind": "batch"}})
                child.set_status("error", "timed out")
            try:
                with ptx.start_span("charge", kind="producer") as failing:
                    raise KeyError("card")
            except KeyError:
                pass
            root.set_status("ok", "ignored with ok")
        ok = ptx.force_flush(10000)
        print(json.dumps({{"ok": ok, "trace": root.trace_id(), "root": root.span_id(),
                          "child": child.span_id(), "failing": failing.span_id()}}))
        """
    )
    assert got["ok"] is True
    spans = {s["name"]: s for s in wait_for_spans(emu, got["trace"], 3)}
    root, child, failing = spans["GET /orders"], spans["db.query"], spans["charge"]

    assert root["span_id"] == got["root"] and root["parent_span_id"] == ""
    assert child["span_id"] == got["child"] and child["parent_span_id"] == got["root"]
    assert failing["parent_span_id"] == got["root"]
    assert {s["trace_id"] for s in spans.values()} == {got["trace"]}
    assert (root["kind"], child["kind"], failing["kind"]) == ("server", "client", "producer")

    assert attrs(root["attributes"]) == {
        "http.method": "GET", "http.status_code": 200, "ratio": 0.5, "cached": False,
        "blob": "AAE=", "tags": ["a", "b"], "ids": [1, 2, 3], "flags": [True, False],
        "weights": [1.5, 2.5], "obj": "{'k': 1}",
    }
    assert attr_types(root["attributes"]) == {
        "http.method": "string", "http.status_code": "int", "ratio": "double", "cached": "bool",
        "blob": "bytes", "tags": "array", "ids": "array", "flags": "array", "weights": "array",
        "obj": "string",
    }
    assert root["status"]["code"] == "ok" and root["status"]["message"] == ""
    assert int(root["end_time_unix_nano"]) >= int(child["end_time_unix_nano"]) >= int(child["start_time_unix_nano"])

    assert attrs(child["attributes"]) == {"db.rows": 42}
    assert child["status"] == {"code": "error", "message": "timed out"}
    (event,) = child["events"]
    assert event["name"] == "retry" and event["time_unix_nano"] == "1700000000000000000"
    assert attrs(event["attributes"]) == {"attempt": 2}
    (link,) = child["links"]
    assert (link["trace_id"], link["span_id"]) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    assert attrs(link["attributes"]) == {"link.kind": "batch"}

    assert failing["status"] == {"code": "error", "message": "KeyError: 'card'"}
    (exc,) = failing["events"]
    assert exc["name"] == "exception"
    exc_attrs = attrs(exc["attributes"])
    assert exc_attrs["exception.type"] == "KeyError"
    assert exc_attrs["exception.message"] == "'card'"
    assert exc_attrs["exception.escaped"] is True
    stack = exc_attrs["exception.stacktrace"]
    assert stack.startswith("Traceback (most recent call last):\n") and stack.endswith("KeyError: 'card'\n")
    assert ", in <module>" in stack

    resource = attrs(root["resource"]["attributes"])
    assert resource["service.name"] == "orders"
    assert resource["deployment.environment"] == "test" and resource["build"] == 7
    assert resource["telemetry.sdk.name"] == "pytracingx"
    assert resource["telemetry.sdk.language"] == "python"
    assert resource["telemetry.sdk.version"] == "0.4.0"
    assert isinstance(resource["process.pid"], int) and resource["host.name"] == socket.gethostname()


def test_span_limits_count_what_they_drop(emu):
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("lim", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r},
                 max_attributes_per_span=2, max_events_per_span=1, max_attribute_value_length=3)]))
        with ptx.start_span("limited", attributes={{"a": "abcdef", "b": 2, "c": 3}}) as s:
            s.add_event("one")
            s.add_event("two")
        ptx.force_flush(10000)
        print(json.dumps(s.trace_id()))
        """
    )
    (span,) = wait_for_spans(emu, got, 1)
    assert attrs(span["attributes"]) == {"a": "abc", "b": 2}
    assert span["dropped_attributes_count"] == 1
    assert [e["name"] for e in span["events"]] == ["one"]
    assert span["dropped_events_count"] == 1


def test_propagation_round_trip_across_processes(emu):
    upstream = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("frontend", console_output=False, sinks=[ptx.TraceSink({emu.http_base!r}, protocol="http")]))
        with ptx.start_span("call backend", kind="client") as span:
            headers = {{}}
            ptx.inject_headers(headers)
        ptx.force_flush(10000)
        print(json.dumps({{"headers": headers, "trace": span.trace_id(), "span": span.span_id()}}))
        """,
        env={"OTEL_PROPAGATORS": "tracecontext,baggage"},
    )
    headers = upstream["headers"]
    assert headers["traceparent"] == f"00-{upstream['trace']}-{upstream['span']}-01"
    headers["Baggage"] = "user.id=u%201,tier=gold"
    headers["TraceState"] = "vendor=abc"
    headers["TraceParent"] = headers.pop("traceparent")
    downstream = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("backend", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))
        incoming = {json.dumps(headers)}
        with ptx.extract_headers(incoming) as remote:
            with ptx.start_span("handle", kind="server") as span:
                out = {{}}
                ptx.inject_headers(out)
        after = ptx.current_trace_context()
        ptx.force_flush(10000)
        print(json.dumps({{"span": span.span_id(), "out": out, "after": after, "baggage": remote.baggage}}))
        """
    )
    spans = {s["name"]: s for s in wait_for_spans(emu, upstream["trace"], 2)}
    handle = spans["handle"]
    assert handle["span_id"] == downstream["span"]
    assert handle["parent_span_id"] == upstream["span"]
    assert handle["trace_state"] == "vendor=abc"
    assert handle["flags"] & 0x300 == 0x300  # parent known to be remote
    assert downstream["out"]["traceparent"] == f"00-{upstream['trace']}-{downstream['span']}-01"
    assert downstream["out"]["tracestate"] == "vendor=abc"
    assert downstream["out"]["baggage"] == "user.id=u%201,tier=gold"
    assert downstream["baggage"] == {"user.id": "u 1", "tier": "gold"}
    assert downstream["after"] == {"trace_id": None, "span_id": None}


def test_b3_propagators(emu):
    got = app_json(
        """
        import json, pytracingx as ptx
        ptx.init(ptx.Config("b3", console_output=False))
        with ptx.extract_headers({"X-B3-TraceId": "463ac35c9f6413ad", "X-B3-SpanId": "0020000000000001",
                                  "X-B3-Sampled": "1"}):
            with ptx.start_span("child") as span:
                out = {}
                ptx.inject_headers(out)
        print(json.dumps({"out": out, "trace": span.trace_id(), "span": span.span_id()}))
        """,
        env={"OTEL_PROPAGATORS": "b3,b3multi"},
    )
    assert got["trace"] == "0000000000000000463ac35c9f6413ad"
    assert got["out"]["b3"] == f"{got['trace']}-{got['span']}-1"
    # Injected names are lowercase (HTTP/2 and gRPC metadata require it).
    assert got["out"]["x-b3-traceid"] == got["trace"]
    assert got["out"]["x-b3-spanid"] == got["span"]
    assert got["out"]["x-b3-sampled"] == "1"


def test_invalid_headers_are_ignored(emu):
    got = app_json(
        """
        import json, pytracingx as ptx
        ptx.init(ptx.Config("bad", console_output=False))
        with ptx.start_span("outer") as outer:
            with ptx.extract_headers({"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}):
                with ptx.start_span("inner") as inner:
                    pass
        print(json.dumps({"outer": outer.trace_id(), "inner": inner.trace_id(), "parent_seen": inner.trace_id() == outer.trace_id()}))
        """
    )
    assert got["inner"] is not None and got["parent_seen"] is False


def test_asyncio_tasks_inherit_their_parent_and_not_each_other(emu):
    got = app_json(
        f"""
        import asyncio, json, pytracingx as ptx
        ptx.init(ptx.Config("aio", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))
        seen = {{}}

        async def worker(name, delay):
            with ptx.start_span(name) as span:
                await asyncio.sleep(delay)
                seen[name] = ptx.current_trace_context()["span_id"] == span.span_id()

        async def main():
            with ptx.start_span("parent") as parent:
                await asyncio.gather(worker("a", 0.02), worker("b", 0.01))
            return parent

        parent = asyncio.run(main())
        ptx.force_flush(10000)
        print(json.dumps({{"trace": parent.trace_id(), "parent": parent.span_id(), "seen": seen}}))
        """
    )
    assert got["seen"] == {"a": True, "b": True}
    spans = {s["name"]: s for s in wait_for_spans(emu, got["trace"], 3)}
    assert spans["a"]["parent_span_id"] == got["parent"]
    assert spans["b"]["parent_span_id"] == got["parent"]


def test_threads_do_not_inherit_the_current_span(emu):
    got = app_json(
        """
        import json, threading, pytracingx as ptx
        ptx.init(ptx.Config("thr", console_output=False))
        result = {}
        with ptx.start_span("main"):
            t = threading.Thread(target=lambda: result.update(ptx.current_trace_context()))
            t.start(); t.join()
        print(json.dumps(result))
        """
    )
    assert got == {"trace_id": None, "span_id": None}


def test_trace_decorator(emu):
    got = app_json(
        f"""
        import asyncio, json, pytracingx as ptx
        ptx.init(ptx.Config("deco", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))

        @ptx.trace
        def plain(x):
            return x * 2

        @ptx.trace("custom", kind="consumer", attributes={{"job": "nightly"}})
        async def coro():
            return plain(21)

        @ptx.trace()
        async def agen():
            for i in range(3):
                yield i

        @ptx.trace
        def broken():
            raise ValueError("bad")

        async def main():
            with ptx.start_span("root") as root:
                value = await coro()
                items = [i async for i in agen()]
                try:
                    broken()
                except ValueError:
                    pass
            return root, value, items

        root, value, items = asyncio.run(main())
        ptx.force_flush(10000)
        print(json.dumps({{"trace": root.trace_id(), "root": root.span_id(), "value": value, "items": items}}))
        """
    )
    assert got["value"] == 42 and got["items"] == [0, 1, 2]
    spans = {s["name"]: s for s in wait_for_spans(emu, got["trace"], 5)}
    assert set(spans) == {"root", "custom", "plain", "agen", "broken"}
    assert spans["custom"]["kind"] == "consumer"
    assert attrs(spans["custom"]["attributes"]) == {"job": "nightly"}
    assert spans["plain"]["parent_span_id"] == spans["custom"]["span_id"]
    assert spans["agen"]["parent_span_id"] == got["root"]
    assert spans["broken"]["status"]["code"] == "error"


def test_traceidratio_keeps_the_spans_the_algorithm_selects(emu):
    # bound = round(0.25 * 2**64) = 0x4000000000000000: keep iff the low 8 bytes are below it.
    trace_ids = {
        "0af7651916cd43dd8448eb211c80319c": False,  # low 0x8448eb211c80319c
        "00000000000000003fffffffffffffff": True,
        "00000000000000004000000000000000": False,
        "ffffffffffffffff0000000000000001": True,
        "1234567890abcdef1fffffffffffffff": True,
        "1234567890abcdefc000000000000000": False,
    }
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("ratio", console_output=False,
                 sinks=[ptx.TraceSink({emu.grpc_endpoint!r}, sampler="traceidratio", sampler_arg=0.25)]))
        out = {{}}
        for tid in {list(trace_ids)!r}:
            with ptx.extract_headers({{"traceparent": f"00-{{tid}}-00f067aa0ba902b7-01"}}):
                with ptx.start_span("sampled?") as span:
                    out[tid] = span.is_recording()
        ptx.force_flush(10000)
        print(json.dumps(out))
        """
    )
    assert got == trace_ids
    for tid, kept in trace_ids.items():
        if kept:
            assert len(wait_for_spans(emu, tid, 1)) == 1
    listed = {t["trace_id"] for t in emu.get("/api/traces?name=sampled%3F&limit=100")["traces"]}
    assert listed == {tid for tid, kept in trace_ids.items() if kept}


class BlackHole:
    """A TCP server that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
@pytest.mark.parametrize("backend", ["unreachable", "black-hole"])
def test_shutdown_is_bounded(protocol, backend):
    hole = BlackHole() if backend == "black-hole" else None
    port = hole.port if hole else closed_port()
    try:
        started = time.monotonic()
        got = app_json(
            f"""
            import json, time, pytracingx as ptx
            ptx.init(ptx.Config("stuck", console_output=False,
                     sinks=[ptx.TraceSink("http://127.0.0.1:{port}", protocol={protocol!r}, timeout_ms=60000,
                                          batch_schedule_delay_ms=10)]))
            for i in range(50):
                with ptx.start_span(f"s{{i}}"):
                    pass
            time.sleep(0.2)  # let the worker start an export that will hang
            t0 = time.monotonic()
            flushed = ptx.force_flush(300)
            t1 = time.monotonic()
            ptx.shutdown(timeout_ms=1000)
            t2 = time.monotonic()
            print(json.dumps({{"flushed": flushed, "flush_s": t1 - t0, "shutdown_s": t2 - t1}}))
            """,
            timeout=30,
        )
        total = time.monotonic() - started
    finally:
        if hole:
            hole.close()
    assert got["flushed"] is False
    assert got["flush_s"] < 1.0
    assert got["shutdown_s"] < 2.0
    assert total < 15  # includes interpreter start and exit


def test_interpreter_exit_without_shutdown_is_bounded():
    hole = BlackHole()
    try:
        started = time.monotonic()
        out, _, code = run_app(
            f"""
            import pytracingx as ptx
            ptx.init(ptx.Config("exit", console_output=False,
                     sinks=[ptx.TraceSink("http://127.0.0.1:{hole.port}", timeout_ms=60000, batch_schedule_delay_ms=10)]))
            for i in range(10):
                with ptx.start_span("pending"):
                    pass
            print("leaving")
            """,
            timeout=30,
        )
        took = time.monotonic() - started
    finally:
        hole.close()
    assert (out.strip(), code) == ("leaving", 0)
    assert took < 10  # the exit hook gives queued spans 5 s, then lets go


def test_full_queue_drops_and_counts_without_blocking():
    hole = BlackHole()
    try:
        got = app_json(
            f"""
            import json, time, pytracingx as ptx
            ptx.init(ptx.Config("flood", console_output=False,
                     sinks=[ptx.TraceSink("http://127.0.0.1:{hole.port}", protocol="http", timeout_ms=60000,
                                          batch_max_queue=16, batch_max_export=8, batch_schedule_delay_ms=10)]))
            for i in range(1000):
                with ptx.start_span("x"):
                    pass
            stats = ptx.stats()["traces"][0]
            ptx.shutdown(timeout_ms=500)
            print(json.dumps(stats))
            """,
            timeout=30,
        )
    finally:
        hole.close()
    assert got["queued"] + got["dropped"] == 1000
    assert got["dropped"] >= 1000 - 16 - 8
    assert got["exported"] == 0


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_forked_child_exports_its_own_spans(emu, protocol):
    got = app_json(
        f"""
        import json, os, pytracingx as ptx
        ptx.init(ptx.Config("forky", console_output=False,
                 sinks=[ptx.TraceSink({endpoint_for(emu, protocol)!r}, protocol={protocol!r},
                                      batch_schedule_delay_ms=50)]))
        with ptx.start_span("before-fork") as before:
            pass
        ptx.force_flush(10000)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            with ptx.start_span("in-child") as child:
                pass
            ok = ptx.force_flush(10000)
            os.write(w, json.dumps({{"trace": child.trace_id(), "ok": ok}}).encode())
            os._exit(0)
        os.close(w)
        child = json.loads(os.read(r, 4096).decode())
        os.waitpid(pid, 0)
        with ptx.start_span("in-parent") as parent:
            pass
        ok = ptx.force_flush(10000)
        print(json.dumps({{"before": before.trace_id(), "child": child, "parent": parent.trace_id(), "ok": ok}}))
        """
    )
    assert got["ok"] is True and got["child"]["ok"] is True
    assert got["child"]["trace"] != got["parent"]
    for trace_id, name in [(got["before"], "before-fork"), (got["child"]["trace"], "in-child"), (got["parent"], "in-parent")]:
        (span,) = wait_for_spans(emu, trace_id, 1)
        assert span["name"] == name
    # The span queued before the fork was exported once, by the parent only.
    assert len(emu.get("/api/traces?name=before-fork")["traces"]) == 1
