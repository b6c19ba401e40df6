"""Log records from a Python app through OtlpLogSink and SlsLogSink into a real ptx-emulator."""
import base64
import json
import socket
import threading

import pytest

from conftest import Emulator, app_json, attrs, run_app
from test_emulator_sls import parse_log_group_list, sls_call

import pytracingx as ptx

OTLP_APP = """
import json, pytracingx as ptx
ptx.init(ptx.Config("log-app", console_output=False, sinks=[ptx.OtlpLogSink({endpoint!r}, protocol={protocol!r})]))
log = ptx.get_logger("orders")
log.info("outside", attributes={{"n": 1}})
with ptx.start_span("checkout") as span:
    log.warning("paid", attributes={{"amount": 12.5, "items": 2, "vip": True, "tags": ["a", "b"]}})
    try:
        raise KeyError("sku-9")
    except KeyError:
        log.exception("lookup failed")
ptx.emit_log_record("audit", "custom", severity_number=22, severity_text="FATAL2", attributes={{"who": "ops"}})
print(json.dumps({{"ok": ptx.force_flush(10000), "trace": span.trace_id(), "span": span.span_id()}}))
"""


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_otlp_log_records_arrive_with_every_field(emu, protocol):
    endpoint = emu.grpc_endpoint if protocol == "grpc" else emu.http_base
    got = app_json(OTLP_APP.format(endpoint=endpoint, protocol=protocol))
    assert got["ok"] is True
    logs = {r["body"]["value"]: r for r in emu.get("/api/logs?service=log-app")["logs"]}
    assert set(logs) == {"outside", "paid", "lookup failed", "custom"}

    outside, paid, failed, custom = logs["outside"], logs["paid"], logs["lookup failed"], logs["custom"]
    assert (outside["trace_id"], outside["span_id"]) == ("", "")
    assert (paid["severity_number"], paid["severity_text"]) == (13, "WARN")
    assert attrs(paid["attributes"]) == {"amount": 12.5, "items": 2, "vip": True, "tags": ["a", "b"]}
    assert (paid["trace_id"], paid["span_id"], paid["flags"] & 1) == (got["trace"], got["span"], 1)
    assert paid["scope"]["name"] == "orders"
    assert int(paid["observed_time_unix_nano"]) >= int(paid["time_unix_nano"]) > 0
    assert (failed["severity_number"], failed["severity_text"]) == (17, "ERROR")
    exc = attrs(failed["attributes"])
    assert exc["exception.type"] == "KeyError" and exc["exception.message"] == "'sku-9'"
    assert exc["exception.stacktrace"].endswith("KeyError: 'sku-9'\n")
    assert (custom["severity_number"], custom["severity_text"], custom["scope"]["name"]) == (22, "FATAL2", "audit")
    assert attrs(custom["attributes"]) == {"who": "ops"}


SLS_APP = """
import json, pytracingx as ptx
ptx.init(ptx.Config("sls-app", resource_attributes={{"env": "test"}}, console_output={console!r}, console_level="warn",
         sinks=[ptx.SlsLogSink({endpoint!r}, "shop", {logstore!r}, "ak-id", {secret!r}, topic="orders", source="10.0.0.7",
                               security_token={token!r}, compression={compression!r}, signature_version={version!r},
                               region={region!r}, batch_linger_ms=50)]))
log = ptx.get_logger("checkout")
with ptx.start_span("pay") as span:
    log.info("paid", attributes={{"amount": 12.5, "count": 3, "ok": True}})
log.error("declined")
ok = ptx.force_flush(10000)
print(json.dumps({{"ok": ok, "trace": span.trace_id(), "span": span.span_id(), "stats": ptx.stats()["logs"][0]}}))
"""


def run_sls_app(emulator, logstore, secret="ak-secret", token=None, compression="lz4", version="v1", region=None,
                console=False):
    return run_app(SLS_APP.format(endpoint="http://" + emulator.sls, logstore=logstore, secret=secret, token=token,
                                  compression=compression, version=version, region=region, console=console))


@pytest.fixture(scope="module")
def secured():
    """An emulator that checks signatures against one credential."""
    emu = Emulator(["--credential", "ak-id:ak-secret"])
    yield emu
    emu.stop()


@pytest.mark.parametrize(
    "compression, version, region, token",
    [("lz4", "v1", None, None), ("zstd", "v4", "cn-hangzhou", None), ("none", "v1", None, "sts-token"),
     ("lz4", "v4", "cn-shanghai", "sts-token")],
)
def test_sls_log_sink_writes_signed_logs(secured, compression, version, region, token):
    logstore = f"app-{compression}-{version}-{'token' if token else 'plain'}"
    out, _, _ = run_sls_app(secured, logstore, token=token, compression=compression, version=version, region=region)
    got = json.loads(out)
    assert got["ok"] is True and got["stats"]["exported"] == 2
    reply = sls_call(secured, "POST", f"/logstores/{logstore}/logs", project="shop", credential=("ak-id", "ak-secret"),
                     body=json.dumps({"from": 0, "to": 2**31 - 1, "line": 100, "query": "*", "reverse": False}).encode(),
                     headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    rows = {row["message"]: row for row in reply.json()["data"]}
    paid, declined = rows["paid"], rows["declined"]
    assert (paid["__topic__"], paid["__source__"]) == ("orders", "10.0.0.7")
    assert (paid["level"], paid["logger"], paid["trace_id"], paid["span_id"]) == ("INFO", "checkout", got["trace"], got["span"])
    assert (paid["amount"], paid["count"], paid["ok"]) == ("12.5", "3", "true")
    assert paid["__tag__:service.name"] == "sls-app" and paid["__tag__:env"] == "test"
    assert declined["level"] == "ERROR" and "trace_id" not in declined

    # PullLogs returns the same LogGroup, lz4-compressed.
    cursor = sls_call(secured, "GET", f"/logstores/{logstore}/shards/0", project="shop",
                      params={"type": "cursor", "from": "begin"}, credential=("ak-id", "ak-secret"),
                      headers={"Content-Type": "application/json"}).json()["cursor"]
    pulled = sls_call(secured, "GET", f"/logstores/{logstore}/shards/0", project="shop",
                      params={"type": "log", "cursor": cursor, "count": 10}, credential=("ak-id", "ak-secret"),
                      headers={"Accept": "application/x-protobuf", "Content-Type": "application/json"})
    assert pulled.status == 200, pulled.body
    groups = parse_log_group_list(pulled.body)
    contents = [dict(log["contents"]) for group in groups for log in group["logs"]]
    assert sorted(c["message"] for c in contents) == ["declined", "paid"]


def test_wrong_secret_is_reported_counted_and_the_app_goes_on(secured):
    out, err, code = run_sls_app(secured, "wrong-secret", secret="not-the-secret", console=True)
    got = json.loads(out)
    assert code == 0 and got["ok"] is False
    assert got["stats"]["export_failures"] == 2 and got["stats"]["exported"] == 0
    assert "SignatureNotMatch" in err
    assert err.count("SignatureNotMatch") == 1  # reported once, not per retry


def test_503_then_200_loses_nothing():
    """A fake SLS that refuses the first PutLogs with 503, then forwards to the real emulator."""
    emu = Emulator()
    try:
        host, port = emu.sls.rsplit(":", 1)
        seen = []
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)

        def relay():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, body = data.split(b"\r\n\r\n", 1)
                    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
                    while len(body) < length:
                        body += conn.recv(65536)
                    seen.append(len(seen))
                    if len(seen) == 1:
                        conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nx-log-requestid: 1\r\nContent-Type: application/json\r\n"
                                     b"Content-Length: 48\r\nConnection: close\r\n\r\n"
                                     b'{"errorCode":"ServerBusy","errorMessage":"busy"}')
                        continue
                    with socket.create_connection((host, int(port))) as up:
                        up.sendall(head + b"\r\n\r\n" + body)
                        reply = b""
                        while True:
                            chunk = up.recv(65536)
                            if not chunk:
                                break
                            reply += chunk
                            if b"\r\n\r\n" in reply:
                                h, b = reply.split(b"\r\n\r\n", 1)
                                cl = [l.split(b":")[1] for l in h.split(b"\r\n") if l.lower().startswith(b"content-length")]
                                if not cl or len(b) >= int(cl[0]):
                                    break
                    conn.sendall(reply.replace(b"Connection: Keep-Alive", b"Connection: close"))

        threading.Thread(target=relay, daemon=True).start()
        relay_emu = type("E", (), {"sls": f"127.0.0.1:{server.getsockname()[1]}"})()
        out, _, _ = run_sls_app(relay_emu, "retried")
        got = json.loads(out)
        server.close()
        assert got["ok"] is True and got["stats"]["exported"] == 2
        assert len(seen) == 2
        query = json.dumps({"from": 0, "to": 2**31 - 1, "line": 100, "query": "*"}).encode()
        rows = sls_call(emu, "POST", "/logstores/retried/logs", body=query, project="shop",
                        headers={"Content-Type": "application/json"})
        assert rows.status == 200, rows.body
        assert sorted(r["message"] for r in rows.json()["data"]) == ["declined", "paid"]
    finally:
        emu.stop()


def test_stdlib_handler_inside_a_span(emu):
    got = app_json(
        f"""
        import io, json, logging, pytracingx as ptx, pytracingx.logging as ptxlog
        ptx.init(ptx.Config("stdlib", console_output=False, sinks=[ptx.OtlpLogSink({emu.grpc_endpoint!r})]))
        handler = ptxlog.install(logging.INFO)
        assert ptxlog.install(logging.INFO) is handler  # idempotent
        log = logging.getLogger("shop.cart")
        # A handler that formats first sets record.message and record.asctime: not attributes.
        formatted = logging.StreamHandler(io.StringIO())
        formatted.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(formatted)
        log.debug("hidden")
        log.log(25, "custom level")
        with ptx.start_span("add item") as span:
            log.warning("low stock %s", "A1", extra={{"sku": "A1", "qty": 2, "ratio": 0.5, "vip": True,
                                                      "obj": object(), "_private": 1}})
            try:
                1 / 0
            except ZeroDivisionError:
                log.exception("math")
        print(json.dumps({{"ok": ptx.force_flush(10000), "trace": span.trace_id(), "span": span.span_id(),
                          "sev": [ptxlog._severity_for(l) for l in (0, 10, 20, 30, 40, 50, 25)]}}))
        """
    )
    assert got["sev"] == [[1, "TRACE"], [5, "DEBUG"], [9, "INFO"], [13, "WARN"], [17, "ERROR"], [21, "FATAL"], [9, "INFO"]]
    logs = {r["body"]["value"]: r for r in emu.get("/api/logs?service=stdlib")["logs"]}
    assert set(logs) == {"custom level", "low stock A1", "math"}
    custom = logs["custom level"]
    assert (custom["severity_number"], custom["severity_text"], custom["trace_id"]) == (9, "INFO", "")
    warn = logs["low stock A1"]
    a = attrs(warn["attributes"])
    assert (warn["severity_number"], warn["severity_text"]) == (13, "WARN")
    assert (warn["trace_id"], warn["span_id"]) == (got["trace"], got["span"])
    assert sorted(a) == sorted(["logger.name", "code.filepath", "code.function", "code.lineno", "thread.id",
                                "thread.name", "process.pid", "sku", "qty", "ratio", "vip"])
    assert (a["logger.name"], a["code.function"], a["sku"], a["qty"], a["ratio"], a["vip"]) == (
        "shop.cart", "<module>", "A1", 2, 0.5, True)
    assert isinstance(a["code.lineno"], int) and a["thread.name"] == "MainThread"
    assert warn["scope"]["name"] == "shop.cart"
    math = attrs(logs["math"]["attributes"])
    assert math["exception.type"] == "ZeroDivisionError" and math["exception.message"] == "division by zero"


def test_stdlib_handler_filters_and_never_waits_for_its_lock(emu):
    # The handler's emit is thread-safe natively, so handle() must not serialise threads on the
    # handler lock: a record logged while another thread holds that lock still arrives.
    got = app_json(
        f"""
        import json, logging, threading, pytracingx as ptx, pytracingx.logging as ptxlog
        ptx.init(ptx.Config("lockfree", console_output=False, sinks=[ptx.OtlpLogSink({emu.grpc_endpoint!r})]))
        handler = ptxlog.install(logging.INFO)
        handler.addFilter(lambda record: "secret" not in record.getMessage())
        log = logging.getLogger("shop.lock")
        results = []
        handler.acquire()  # held for the whole logging thread's life
        try:
            t = threading.Thread(target=lambda: results.append(
                (log.info("while locked %d", 1), log.info("a secret"), handler.handle(
                    log.makeRecord("shop.lock", logging.INFO, "app.py", 1, "direct", (), None)))))
            t.start()
            t.join(10)
            alive = t.is_alive()
        finally:
            handler.release()
        print(json.dumps({{"ok": ptx.force_flush(10000), "alive": alive, "handled": bool(results and results[0][2])}}))
        """
    )
    assert (got["ok"], got["alive"], got["handled"]) == (True, False, True)
    logs = sorted(r["body"]["value"] for r in emu.get("/api/logs?service=lockfree")["logs"])
    assert logs == ["direct", "while locked 1"]


def test_handler_never_raises_and_api_before_init_is_silent():
    out, err, code = run_app(
        """
        import logging, pytracingx as ptx, pytracingx.logging as ptxlog
        ptxlog.install(logging.INFO)
        logging.getLogger("x").info("before init %s %s", "only-one-arg")  # bad format args
        ptx.get_logger("x").info("before init")
        print("fine")
        """
    )
    assert (out.strip(), code) == ("fine", 0)


def test_log_console_output_in_json():
    out, err, _ = run_app(
        """
        import pytracingx as ptx
        ptx.init(ptx.Config("console-logs", console_format="json", console_level="warn"))
        log = ptx.get_logger("c")
        log.info("quiet")
        log.error("loud", attributes={"k": "v"})
        """
    )
    lines = [json.loads(l) for l in err.splitlines()]
    assert [(l["event"], l.get("body")) for l in lines] == [("log", "loud")]
    assert lines[0]["severity_text"] == "ERROR" and lines[0]["attributes"] == {"k": "v"}


def test_sink_validation_messages():
    base = dict(endpoint="h", project="p", logstore="l", ak_id="a", ak_secret="s")
    for field in ("endpoint", "project", "logstore", "ak_id", "ak_secret"):
        with pytest.raises(ValueError, match=f"{field} must not be empty"):
            ptx.SlsLogSink(**{**base, field: ""})
    with pytest.raises(ValueError, match="unknown compression 'gzip'"):
        ptx.SlsLogSink(**base, compression="gzip")
    with pytest.raises(ValueError, match="needs a region"):
        ptx.SlsLogSink(**base, signature_version="v4")
    sink = ptx.SlsLogSink(**{**base, "ak_secret": "s3cr3t"}, security_token="sts-xyz")
    assert "s3cr3t" not in repr(sink) and "sts-xyz" not in repr(sink) and repr(sink).count("'***'") == 2
    cfg = ptx.Config("c", sinks=[sink, ptx.OtlpLogSink("h:4317")])
    assert repr(cfg) == "Config(service_name='c', traces=0, metrics=0, otlp_logs=1, sls_logs=1, console=True)"
