"""Behaviours found missing in review: each test failed before its fix."""
import json
import sys

import pytest

from conftest import app_json, run_app, wait_for_spans

import pytracingx as ptx


def test_exit_restores_context_even_when_the_exception_cannot_be_printed(emu):
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("unprintable", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))
        class Bad(Exception):
            def __str__(self):
                raise RuntimeError("no")
        try:
            with ptx.start_span("bad") as span:
                raise Bad()
        except Bad:
            pass
        print(json.dumps({{"after": ptx.current_trace_context(), "recording": span.is_recording(),
                          "trace": span.trace_id(), "flush": ptx.force_flush(10000)}}))
        """
    )
    assert got["after"] == {"trace_id": None, "span_id": None}
    assert got["recording"] is False and got["flush"] is True
    (span,) = wait_for_spans(emu, got["trace"], 1)
    assert span["status"] == {"code": "error", "message": "Bad: <unprintable Bad object>"}
    assert span["events"][0]["name"] == "exception"


def test_init_can_be_retried_after_a_failure():
    got = app_json(
        """
        import json, pytracingx as ptx
        too_many = [ptx.TraceSink("http://127.0.0.1:1") for _ in range(9)]
        try:
            ptx.init(ptx.Config("retry", console_output=False, sinks=too_many))
            first = "no error"
        except ValueError as e:
            first = str(e)
        ptx.init(ptx.Config("retry", console_output=False))
        with ptx.start_span("ok") as s:
            pass
        print(json.dumps({"first": first, "trace_id": s.trace_id()}))
        """
    )
    assert got["first"] == "at most 8 trace pipelines are supported, got 9"
    assert got["trace_id"] is not None  # the second init is running


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(endpoint="ftp://h:4317"), "scheme must be http or https"),
        (dict(endpoint="collector:4318", protocol="http"), "must start with http:// or https://"),
        (dict(endpoint="h:4317", headers={"x-a": "b\nc"}), "invalid header 'x-a'"),
        (dict(endpoint="http://h:4318", protocol="http", headers={"X Bad": "v"}), "invalid header 'X Bad'"),
        (dict(endpoint="h:4317", timeout_ms=2**62), "timeout_ms must be at most"),
        (dict(endpoint="h:4317", batch_max_queue=2**40), "batch_max_queue must be at most"),
        (dict(endpoint="h:4317", sampler="traceidratio", sampler_arg=10**400), "sampler_arg is out of range"),
    ],
)
def test_sink_values_the_exporter_would_refuse_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ptx.TraceSink(**kwargs)


def test_zero_in_the_environment_warns_and_keeps_the_default():
    out, err, _ = run_app(
        """
        import json, pytracingx as ptx
        d = ptx.TraceSink("http://127.0.0.1:4317").describe()
        print(json.dumps([d["batch_schedule_delay_ms"], d["timeout_ms"]]))
        """,
        env={"OTEL_BSP_SCHEDULE_DELAY": "0", "OTEL_EXPORTER_OTLP_TIMEOUT": "-5"},
    )
    assert json.loads(out) == [5000, 10000]
    assert "ignoring invalid OTEL_BSP_SCHEDULE_DELAY='0'" in err


def test_huge_flush_timeout_is_treated_as_forever(emu):
    got = app_json(
        f"""
        import json, sys, pytracingx as ptx
        ptx.init(ptx.Config("huge", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))
        with ptx.start_span("x"):
            pass
        print(json.dumps(ptx.force_flush(sys.maxsize)))
        """
    )
    assert got is True


@pytest.mark.parametrize("state", ["before-init", "disabled", "after-shutdown"])
def test_context_passes_through_when_not_recording(state):
    setup = {
        "before-init": "",
        "disabled": "ptx.init(ptx.Config('d', console_output=False))",
        "after-shutdown": "ptx.init(ptx.Config('s', console_output=False)); ptx.shutdown()",
    }[state]
    got = app_json(
        f"""
        import json, pytracingx as ptx
        {setup}
        incoming = {{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "baggage": "k=v"}}
        with ptx.extract_headers(incoming):
            with ptx.start_span("passthrough") as span:
                out = {{}}
                ptx.inject_headers(out)
        print(json.dumps({{"out": out, "recording": span.is_recording()}}))
        """,
        env={"OTEL_SDK_DISABLED": "true"} if state == "disabled" else None,
    )
    assert got["recording"] is False
    assert got["out"] == {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "baggage": "k=v"}


def test_generator_spans_are_current_only_inside_the_generator(emu):
    got = app_json(
        f"""
        import asyncio, json, pytracingx as ptx
        ptx.init(ptx.Config("gens", console_output=False, sinks=[ptx.TraceSink({emu.grpc_endpoint!r})]))
        seen = {{}}

        @ptx.trace
        def rows():
            for i in range(5):
                seen.setdefault("inside_sync", ptx.current_trace_context()["span_id"])
                yield i

        @ptx.trace
        async def arows():
            for i in range(5):
                seen.setdefault("inside_async", ptx.current_trace_context()["span_id"])
                yield i

        async def main():
            with ptx.start_span("consumer") as consumer:
                for r in rows():
                    seen.setdefault("between_sync", ptx.current_trace_context()["span_id"])
                    if r == 2:
                        break
                gen = arows()
                async for r in gen:
                    seen.setdefault("between_async", ptx.current_trace_context()["span_id"])
                    if r == 2:
                        break
                await gen.aclose()
                seen["after"] = ptx.current_trace_context()["span_id"]
            return consumer

        consumer = asyncio.run(main())
        ptx.force_flush(10000)
        print(json.dumps({{"seen": seen, "consumer": consumer.span_id(), "trace": consumer.trace_id()}}))
        """
    )
    seen, consumer = got["seen"], got["consumer"]
    assert seen["between_sync"] == consumer and seen["between_async"] == consumer and seen["after"] == consumer
    spans = {s["name"]: s for s in wait_for_spans(emu, got["trace"], 3)}
    assert seen["inside_sync"] == spans["rows"]["span_id"] and seen["inside_async"] == spans["arows"]["span_id"]
    assert spans["rows"]["parent_span_id"] == consumer and spans["arows"]["parent_span_id"] == consumer
    assert spans["rows"]["status"]["code"] == "unset"  # closing early is not a failure


def test_fork_while_another_python_hook_waits_for_its_lock():
    # logging's fork hook waits for logging's lock with the GIL released; a span ending on
    # another thread meanwhile must not deadlock with the SDK's own fork preparation.
    out, _, code = run_app(
        """
        import logging, os, threading, time, pytracingx as ptx
        ptx.init(ptx.Config("forklock", console_output=False,
                 sinks=[ptx.TraceSink("http://127.0.0.1:1", batch_schedule_delay_ms=10, timeout_ms=200)]))
        stop = False
        def spans():
            while not stop:
                with ptx.start_span("busy"):
                    pass
        def hold_logging_lock():
            logging._acquireLock()
            time.sleep(0.5)
            logging._releaseLock()
        threading.Thread(target=spans, daemon=True).start()
        threading.Thread(target=hold_logging_lock, daemon=True).start()
        time.sleep(0.1)
        pid = os.fork()
        if pid == 0:
            with ptx.start_span("child"):
                pass
            os._exit(0)
        os.waitpid(pid, 0)
        stop = True
        print("forked")
        """,
        timeout=30,
    )
    assert (out.strip(), code) == ("forked", 0)
