"""Console output: span start and end in compact, pretty and json, filtered by console_level."""
import json

import pytest

from conftest import run_app

APP = """
import pytracingx as ptx
ptx.init(ptx.Config("console-svc", console_format={fmt!r}, console_level={level!r}, console_output={enabled!r}))
with ptx.start_span("outer", kind="server", attributes={{"user": "ann", "n": 3}}) as outer:
    with ptx.start_span("inner") as inner:
        inner.add_event("cache miss")
    outer.set_status("error", "boom")
print(outer.trace_id(), outer.span_id(), inner.span_id())
"""


def run_console(fmt="compact", level="info", enabled=True):
    out, err, _ = run_app(APP.format(fmt=fmt, level=level, enabled=enabled))
    trace_id, outer_id, inner_id = out.split()
    return err, trace_id, outer_id, inner_id


def test_json_lines_carry_exact_fields():
    err, trace_id, outer_id, inner_id = run_console("json")
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(l["event"], l["name"]) for l in lines] == [
        ("span_start", "outer"), ("span_start", "inner"), ("span_end", "inner"), ("span_end", "outer")]
    start, _, inner_end, outer_end = lines
    assert start["level"] == "info" and start["kind"] == "server"
    assert start["trace_id"] == trace_id and start["span_id"] == outer_id
    assert start["attributes"] == {"user": "ann", "n": 3}
    assert inner_end["span_id"] == inner_id and inner_end["parent_span_id"] == outer_id
    assert [e["name"] for e in inner_end["events"]] == ["cache miss"]
    assert outer_end["level"] == "error"
    assert (outer_end["status"], outer_end["status_message"]) == ("ERROR", "boom")
    assert int(outer_end["end_time_unix_nano"]) >= int(outer_end["start_time_unix_nano"])


def test_compact_is_one_line_per_event():
    err, trace_id, outer_id, _ = run_console("compact")
    lines = err.splitlines()
    assert len(lines) == 4
    assert 'span.start "outer" kind=server' in lines[0] and f"trace_id={trace_id}" in lines[0]
    assert 'user="ann"' in lines[0] and "n=3" in lines[0]
    assert lines[3].split()[1] == "ERROR" and 'status=ERROR:"boom"' in lines[3]


def test_pretty_shows_attributes_on_their_own_lines():
    err, trace_id, _, _ = run_console("pretty")
    assert f">> outer [server] trace_id={trace_id}" in err
    assert '    user = "ann"' in err
    assert "\x1b[" not in err  # no colours when stderr is not a terminal


@pytest.mark.parametrize("level, names", [("error", ["outer"]), ("off", []), ("debug", ["outer", "inner", "inner", "outer"])])
def test_console_level_filters(level, names):
    err, *_ = run_console("json", level)
    assert [json.loads(line)["name"] for line in err.splitlines()] == names


def test_console_output_false_prints_nothing():
    err, *_ = run_console("json", "info", enabled=False)
    assert err == ""


def test_console_only_mode_samples_like_parentbased_always_on():
    out, err, _ = run_app(
        """
        import json, pytracingx as ptx
        ptx.init(ptx.Config("solo", console_format="json"))
        with ptx.start_span("root") as root:
            root.set_attribute("late", 1)
            headers = {}
            ptx.inject_headers(headers)
        with ptx.extract_headers({"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}):
            with ptx.start_span("unsampled") as child:
                downstream = {}
                ptx.inject_headers(downstream)
        print(json.dumps({"tp": headers["traceparent"], "rec": root.is_recording(), "down": downstream["traceparent"],
                          "trace": root.trace_id(), "span": root.span_id(), "child": child.span_id()}))
        """
    )
    got = json.loads(out)
    assert got["tp"] == f"00-{got['trace']}-{got['span']}-01"
    assert got["down"] == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{got['child']}-00"
    end = [json.loads(l) for l in err.splitlines() if json.loads(l)["event"] == "span_end"][0]
    assert end["name"] == "root" and end["attributes"] == {"late": 1}
