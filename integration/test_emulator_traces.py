"""ptx-emulator as a black box: OTLP/HTTP traces in (protobuf and JSON, plain and gzip), the
query API out with exact values, and the error statuses of bad requests.

Only the standard library talks to it (urllib, socket, subprocess); protobuf payloads are built
with the small writer below so that the bytes are fully under the test's control.
"""
import gzip
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("PTX_EMULATOR_BIN", os.path.join(ROOT, "build", "emulator", "ptx-emulator"))
READY = re.compile(r"^ptx-emulator ready otlp-grpc=(\S+) http=(\S+) sls=(\S+) ui=http://\2/ui/$")

pytestmark = pytest.mark.skipif(not os.access(BINARY, os.X_OK), reason=f"{BINARY} not built")

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT_SPAN = "eee19b7ec3c1b174"
CHILD_SPAN = "eee19b7ec3c1b175"
LINKED_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
T0 = 1_700_000_000_000_000_001  # above 2^53 on purpose: must survive as a string


# --- a tiny protobuf writer -------------------------------------------------------------------

def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64 as two's complement, like protobuf
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_fixed64(number, value):
    return varint(number << 3 | 1) + struct.pack("<Q", value)


def field_double(number, value):
    return varint(number << 3 | 1) + struct.pack("<d", value)


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def any_value(value):
    if isinstance(value, bool):
        return field_varint(2, int(value))
    if isinstance(value, int):
        return field_varint(3, value)
    if isinstance(value, float):
        return field_double(4, value)
    if isinstance(value, bytes):
        return field_bytes(7, value)
    if isinstance(value, list):
        return field_bytes(5, b"".join(field_bytes(1, any_value(v)) for v in value))
    return field_bytes(1, value)


def key_value(key, value):
    return field_bytes(1, key) + field_bytes(2, any_value(value))


def attributes(number, attrs):
    return b"".join(field_bytes(number, key_value(k, v)) for k, v in attrs.items())


def span(trace_id, span_id, name, start, end, parent="", kind=0, attrs=None, events=(), links=(),
         status=None, flags=None, dropped_attributes=0):
    out = field_bytes(1, bytes.fromhex(trace_id)) + field_bytes(2, bytes.fromhex(span_id))
    if parent:
        out += field_bytes(4, bytes.fromhex(parent))
    out += field_bytes(5, name)
    if kind:
        out += field_varint(6, kind)
    out += field_fixed64(7, start) + field_fixed64(8, end)
    out += attributes(9, attrs or {})
    if dropped_attributes:
        out += field_varint(10, dropped_attributes)
    for ev_name, ev_time, ev_attrs in events:
        out += field_bytes(11, field_fixed64(1, ev_time) + field_bytes(2, ev_name) + attributes(3, ev_attrs))
    for link_trace, link_span, link_attrs in links:
        out += field_bytes(13, field_bytes(1, bytes.fromhex(link_trace)) + field_bytes(2, bytes.fromhex(link_span))
                           + attributes(4, link_attrs))
    if status:
        code, message = status
        out += field_bytes(15, field_bytes(2, message) + field_varint(3, code))
    if flags is not None:
        out += field_fixed32(16, flags)
    return out


def export_request(service, spans, scope=("test.scope", "1.2.3"), resource_extra=None):
    resource = attributes(1, {"service.name": service, **(resource_extra or {})})
    scope_msg = field_bytes(1, scope[0]) + field_bytes(2, scope[1])
    scope_spans = field_bytes(1, scope_msg) + b"".join(field_bytes(2, s) for s in spans)
    resource_spans = field_bytes(1, resource) + field_bytes(2, scope_spans)
    return field_bytes(1, resource_spans)


def read_rpc_status(data):
    """Decodes google.rpc.Status {code=1, message=2} with a minimal protobuf reader."""
    pos, code, message = 0, 0, ""

    def read_varint():
        nonlocal pos
        shift = result = 0
        while True:
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while pos < len(data):
        tag = read_varint()
        if tag == (1 << 3):
            code = read_varint()
        elif tag == (2 << 3 | 2):
            length = read_varint()
            message = data[pos:pos + length].decode()
            pos += length
        else:
            raise AssertionError(f"unexpected tag {tag}")
    return code, message


# --- the emulator process ---------------------------------------------------------------------

class EmulatorProcess:
    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen(
            [BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})})
        line = self.proc.stdout.readline().strip()
        match = READY.match(line)
        if not match:
            self.proc.kill()
            raise AssertionError(f"no ready line, got {line!r}; stderr: {self.proc.stderr.read()}")
        self.grpc, self.http, self.sls = match.groups()

    def request(self, method, path, body=None, headers=None, base=None):
        req = urllib.request.Request(f"http://{base or self.http}{path}", data=body, headers=headers or {},
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def get_json(self, path, expect=200):
        status, _, body = self.request("GET", path)
        assert status == expect, (path, status, body)
        return json.loads(body)

    def post_otlp(self, body, content_type="application/x-protobuf", encoding=None, path="/v1/traces",
                  headers=None):
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if encoding:
            all_headers["Content-Encoding"] = encoding
        return self.request("POST", path, body, all_headers)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        return self.proc.returncode


def start(*args, env=None):
    ports = ("--otlp-grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--sls", "127.0.0.1:0")
    return EmulatorProcess(*ports, *args, env=env)


@pytest.fixture(scope="module")
def shared():
    emu = start()
    yield emu
    assert emu.stop() == 0


@pytest.fixture
def emu(shared):
    status, _, _ = shared.request("POST", "/api/reset", b"")
    assert status == 200
    return shared


# --- tests --------------------------------------------------------------------------------------

def test_ready_line_reports_bound_ports_and_health(emu):
    for address in (emu.grpc, emu.http, emu.sls):
        host, port = address.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
    assert emu.get_json("/health") == {"status": "ok"}


def sample_request():
    root = span(TRACE, ROOT_SPAN, "GET /orders", T0, T0 + 50_000_000, kind=2,
                attrs={"http.method": "GET", "http.status_code": 200, "ratio": 0.5, "cached": False,
                       "blob": b"\x00\x01", "tags": ["a", "b"], "big": 2**62 + 1, "neg": -3},
                status=(1, ""), flags=0x301, dropped_attributes=2)
    child = span(TRACE, CHILD_SPAN, "db.query", T0 + 1000, T0 + 2000, parent=ROOT_SPAN, kind=3,
                 attrs={"db.rows": 42},
                 events=[("retry", T0 + 1500, {"attempt": 2})],
                 links=[(LINKED_TRACE, "00f067aa0ba902b7", {"link.kind": "batch"})],
                 status=(2, "timed out"))
    return export_request("orders", [root, child], resource_extra={"deployment.environment": "test"})


def test_protobuf_spans_read_back_exactly(emu):
    status, headers, body = emu.post_otlp(sample_request())
    assert status == 200
    assert headers["Content-Type"] == "application/x-protobuf"
    assert body == b""  # an empty ExportTraceServiceResponse: full success

    trace = emu.get_json(f"/api/traces/{TRACE}")
    assert trace["trace_id"] == TRACE and trace["span_count"] == 2
    root, child = trace["spans"]  # ordered by start time
    assert root == {
        "trace_id": TRACE, "span_id": ROOT_SPAN, "parent_span_id": "", "trace_state": "",
        "name": "GET /orders", "kind": "server", "kind_number": 2,
        "start_time_unix_nano": str(T0), "end_time_unix_nano": str(T0 + 50_000_000),
        "duration_ns": "50000000",
        "attributes": {
            "http.method": {"type": "string", "value": "GET"},
            "http.status_code": {"type": "int", "value": "200"},
            "ratio": {"type": "double", "value": 0.5},
            "cached": {"type": "bool", "value": False},
            "blob": {"type": "bytes", "value": "AAE="},
            "tags": {"type": "array", "value": [{"type": "string", "value": "a"},
                                                 {"type": "string", "value": "b"}]},
            "big": {"type": "int", "value": str(2**62 + 1)},
            "neg": {"type": "int", "value": "-3"},
        },
        "dropped_attributes_count": 2,
        "events": [], "dropped_events_count": 0, "links": [], "dropped_links_count": 0,
        "status": {"code": "ok", "message": ""},
        "flags": 0x301,
        "service": "orders",
        "resource": {"attributes": {"service.name": {"type": "string", "value": "orders"},
                                    "deployment.environment": {"type": "string", "value": "test"}},
                     "dropped_attributes_count": 0, "schema_url": ""},
        "scope": {"name": "test.scope", "version": "1.2.3", "attributes": {}, "dropped_attributes_count": 0,
                  "schema_url": ""},
        "origin": {"protocol": "http_protobuf", "sls_project": "", "sls_instance_id": ""},
    }
    assert child["parent_span_id"] == ROOT_SPAN
    assert (child["kind"], child["kind_number"]) == ("client", 3)
    assert child["status"] == {"code": "error", "message": "timed out"}
    assert child["events"] == [{"name": "retry", "time_unix_nano": str(T0 + 1500),
                                "attributes": {"attempt": {"type": "int", "value": "2"}},
                                "dropped_attributes_count": 0}]
    assert child["links"] == [{"trace_id": LINKED_TRACE, "span_id": "00f067aa0ba902b7", "trace_state": "",
                               "attributes": {"link.kind": {"type": "string", "value": "batch"}},
                               "dropped_attributes_count": 0, "flags": 0}]

    listed = emu.get_json("/api/traces")
    assert listed == {"total": 1, "traces": [{
        "trace_id": TRACE, "root_name": "GET /orders", "service": "orders", "services": ["orders"],
        "start_ns": str(T0), "end_ns": str(T0 + 50_000_000), "duration_ns": "50000000",
        "span_count": 2, "error": True}]}


JSON_TRACE = "0102030405060708090a0b0c0d0e0f10"


def json_request(name, service="json-svc", trace=JSON_TRACE, span_id="0102030405060708"):
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "j"}, "spans": [{
            "traceId": trace, "spanId": span_id, "name": name, "kind": "SPAN_KIND_CONSUMER",
            "startTimeUnixNano": str(T0), "endTimeUnixNano": T0 + 7,
            "attributes": [{"key": "n", "value": {"intValue": "9007199254740993"}},
                           {"key": "d", "value": {"doubleValue": 2.5}},
                           {"key": "b", "value": {"bytesValue": "AAE="}}],
            "status": {"code": 2, "message": "bad"},
            "unknownField": {"ignored": True}}]}]}]}).encode()


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_json_spans_read_back_exactly(emu, encoding):
    body = json_request("json-span")
    if encoding:
        body = gzip.compress(body)
    status, headers, reply = emu.post_otlp(body, "application/json; charset=utf-8", encoding)
    assert status == 200, reply
    assert headers["Content-Type"] == "application/json"
    assert json.loads(reply) == {"partialSuccess": {}}

    (s,) = emu.get_json(f"/api/traces/{JSON_TRACE}")["spans"]
    assert s["span_id"] == "0102030405060708"
    assert (s["kind"], s["kind_number"]) == ("consumer", 5)
    assert (s["start_time_unix_nano"], s["end_time_unix_nano"]) == (str(T0), str(T0 + 7))
    assert s["attributes"] == {"n": {"type": "int", "value": "9007199254740993"},
                               "d": {"type": "double", "value": 2.5},
                               "b": {"type": "bytes", "value": "AAE="}}
    assert s["status"] == {"code": "error", "message": "bad"}
    assert s["origin"]["protocol"] == "http_json"


def test_gzip_protobuf_and_sls_headers_are_kept(emu):
    status, _, _ = emu.post_otlp(gzip.compress(sample_request()), encoding="gzip",
                                 headers={"x-sls-otel-project": "proj", "x-sls-otel-instance-id": "inst"})
    assert status == 200
    spans = emu.get_json(f"/api/traces/{TRACE}")["spans"]
    assert [s["origin"] for s in spans] == [
        {"protocol": "http_protobuf", "sls_project": "proj", "sls_instance_id": "inst"}] * 2


def test_trace_list_filters(emu):
    fast = span("aa" * 16, "01" * 8, "GET /health", T0 + 10**9, T0 + 10**9 + 1_000_000, attrs={"http.route": "/health"})
    slow = span("bb" * 16, "02" * 8, "GET /report", T0, T0 + 300_000_000, attrs={"http.route": "/report"},
                status=(2, "boom"))
    assert emu.post_otlp(export_request("api", [fast]))[0] == 200
    assert emu.post_otlp(export_request("reports", [slow]))[0] == 200

    def ids(query):
        return [t["trace_id"] for t in emu.get_json("/api/traces" + query)["traces"]]

    assert ids("") == ["aa" * 16, "bb" * 16]  # newest first
    assert ids("?service=reports") == ["bb" * 16]
    assert ids("?name=GET%20%2Fhealth") == ["aa" * 16]
    assert ids("?attr=http.route:/report") == ["bb" * 16]
    assert ids("?attr=service.name:api") == ["aa" * 16]
    assert ids("?min_duration_ms=100") == ["bb" * 16]
    assert ids("?error=true") == ["bb" * 16]
    assert ids("?error=false") == ["aa" * 16]
    assert ids(f"?start_ns={T0 + 1}") == ["aa" * 16]
    assert ids(f"?end_ns={T0}") == ["bb" * 16]
    assert ids("?service=api&error=true") == []
    limited = emu.get_json("/api/traces?limit=1")
    assert limited["total"] == 2 and len(limited["traces"]) == 1
    assert emu.get_json("/api/traces?limit=0", expect=400)["error"].startswith("query parameter limit")
    assert "unknown query parameter" in emu.get_json("/api/traces?colour=red", expect=400)["error"]
    assert emu.get_json("/api/traces/nothex", expect=400) == {"error": "trace id must be 32 hex characters"}
    emu.get_json("/api/traces/" + "cc" * 16, expect=404)


def test_stats_and_reset(emu):
    assert emu.post_otlp(sample_request())[0] == 200
    assert emu.post_otlp(json_request("x"), "application/json")[0] == 200
    assert emu.post_otlp(b"\xff\xff\xff")[0] == 400
    assert emu.post_otlp(b"x", "text/plain")[0] == 415
    stats = emu.get_json("/api/stats")
    traces = stats["traces"]
    assert (traces["requests"], traces["items"], traces["rejected_requests"], traces["rejected_items"]) == (2, 3, 2, 0)
    assert traces["by_protocol"]["http_protobuf"] == {"requests": 1, "items": 2, "rejected_requests": 1,
                                                      "rejected_items": 0}
    assert traces["by_protocol"]["http_json"] == {"requests": 1, "items": 1, "rejected_requests": 0,
                                                  "rejected_items": 0}
    assert traces["by_protocol"]["http_other"]["rejected_requests"] == 1
    assert traces["by_protocol"]["grpc"]["requests"] == 0
    counts = {k: v for k, v in stats["store"].items() if not k.endswith("bytes")}
    assert counts == {"spans": 3, "traces": 2, "evicted_spans": 0}
    assert stats["store"]["bytes"] > 0 and stats["store"]["evicted_bytes"] == 0
    assert stats["metrics"]["requests"] == 0 and stats["logs"]["requests"] == 0

    status, _, body = emu.request("POST", "/api/reset", b"")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert emu.get_json("/api/traces") == {"total": 0, "traces": []}
    assert emu.get_json("/api/stats")["traces"]["requests"] == 0


def test_metrics_and_logs_are_accepted_and_counted(emu):
    for path in ("/v1/metrics", "/v1/logs"):
        status, _, body = emu.post_otlp(b"{}", "application/json", path=path)
        assert (status, json.loads(body)) == (200, {"partialSuccess": {}})
    stats = emu.get_json("/api/stats")
    assert stats["metrics"]["by_protocol"]["http_json"]["requests"] == 1
    assert stats["logs"]["by_protocol"]["http_json"]["requests"] == 1


def test_spans_with_invalid_ids_are_refused_by_partial_success(emu):
    good = json.loads(json_request("good"))
    bad_span = dict(good["resourceSpans"][0]["scopeSpans"][0]["spans"][0], spanId="0000000000000000", name="bad")
    good["resourceSpans"][0]["scopeSpans"][0]["spans"].append(bad_span)
    status, _, body = emu.post_otlp(json.dumps(good).encode(), "application/json")
    assert status == 200
    assert json.loads(body) == {"partialSuccess": {
        "rejectedSpans": "1", "errorMessage": "1 span(s) rejected: span_id must be 8 non-zero bytes"}}
    assert [s["name"] for s in emu.get_json(f"/api/traces/{JSON_TRACE}")["spans"]] == ["good"]


def test_bad_requests_get_otlp_error_statuses(emu):
    status, headers, body = emu.post_otlp(b"\x0a\xff\xff\xff\xff\x0f")
    assert status == 400 and headers["Content-Type"] == "application/x-protobuf"
    code, message = read_rpc_status(body)
    assert code == 3 and message

    status, headers, body = emu.post_otlp(b'{"resourceSpans": [', "application/json")
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == 3

    bad_hex = json_request("x").replace(JSON_TRACE.encode(), b"zz" * 16)
    status, _, body = emu.post_otlp(bad_hex, "application/json")
    assert (status, json.loads(body)) == (400, {"code": 3, "message": '"traceId" is not a hex string'})

    status, _, body = emu.post_otlp(b"not gzip", encoding="gzip")
    assert status == 400 and read_rpc_status(body)[0] == 3

    assert emu.post_otlp(b"", "text/plain")[0] == 415
    assert emu.post_otlp(b"x", encoding="br")[0] == 415
    for method in ("GET", "PUT", "DELETE"):
        status, headers, _ = emu.request(method, "/v1/traces", b"" if method != "GET" else None)
        assert status == 405 and headers["Allow"] == "POST"
    assert emu.request("GET", "/no/such/path")[0] == 404

    assert emu.get_json("/api/traces")["total"] == 0
    assert emu.get_json("/health") == {"status": "ok"}


def test_gzip_bomb_is_refused_with_413(emu):
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)  # ~64 KiB expanding past 20 MiB
    status, _, body = emu.post_otlp(bomb, encoding="gzip")
    assert status == 413
    assert read_rpc_status(body)[0] == 8  # RESOURCE_EXHAUSTED
    assert emu.post_otlp(sample_request())[0] == 200


def test_size_limit_and_bearer_token():
    emu = start("--max-body-bytes", "2048", "--bearer-token", "s3cret")
    try:
        auth = {"Authorization": "Bearer s3cret"}
        status, _, body = emu.post_otlp(sample_request())
        assert status == 401 and read_rpc_status(body)[0] == 16
        assert emu.post_otlp(sample_request(), headers={"Authorization": "Bearer nope"})[0] == 401
        assert emu.post_otlp(sample_request(), headers=auth)[0] == 200
        big = export_request("big", [span("cc" * 16, "01" * 8, "x" * 4096, 1, 2)])
        status, _, body = emu.post_otlp(big, headers=auth)
        assert status == 413 and read_rpc_status(body)[0] == 8
        status, _, body = emu.post_otlp(gzip.compress(big), encoding="gzip", headers=auth)
        assert status == 413
        # The query API needs no token.
        assert emu.get_json("/api/traces")["total"] == 1
    finally:
        assert emu.stop() == 0


def test_survives_garbage_on_the_wire(emu):
    host, port = emu.http.rsplit(":", 1)
    junk = [b"\x00\xff" * 5000, b"POST /v1/traces HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n",
            b"GET /api/traces?limit=" + b"9" * 10000 + b" HTTP/1.1\r\n\r\n"]
    for payload in junk:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            try:
                while sock.recv(65536):
                    pass
            except OSError:
                pass
    assert emu.get_json("/health") == {"status": "ok"}
    assert emu.post_otlp(sample_request())[0] == 200
    assert emu.get_json("/api/traces")["total"] == 1


def test_sls_listener_answers_in_sls_error_shape(emu):
    # An SLS API the emulator does not serve still answers in SLS's error shape.
    status, headers, body = emu.request("GET", "/machinegroups", base=emu.sls)
    assert status == 501
    assert re.fullmatch(r"[0-9A-F]{24}", headers["x-log-requestid"])
    assert json.loads(body)["errorCode"] == "NotImplemented"
    # Requests without the SLS headers get SLS's own error for them.
    status, headers, body = emu.request("GET", "/logstores", base=emu.sls)
    assert (status, json.loads(body)["errorCode"]) == (400, "MissingAPIVersion")
    assert "x-log-requestid" in headers


def test_configuration_from_environment_and_clean_exit():
    env = {"PTX_EMULATOR_OTLP_GRPC": "127.0.0.1:0", "PTX_EMULATOR_HTTP": "127.0.0.1:0",
           "PTX_EMULATOR_SLS": "127.0.0.1:0", "PTX_EMULATOR_BEARER_TOKEN": "tok"}
    emu = EmulatorProcess(env=env)
    assert emu.post_otlp(sample_request())[0] == 401
    emu.proc.send_signal(signal.SIGINT)
    assert emu.proc.wait(timeout=15) == 0

    bad = subprocess.run([BINARY, "--http", "nonsense"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "--http" in bad.stderr
    help_out = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=30)
    assert help_out.returncode == 0 and "--max-body-bytes" in help_out.stdout


def test_sigterm_exits_at_once_while_keep_alive_clients_sit_idle():
    # Keep-alive connections that have had their answer and then sit idle, as an exporter's do
    # between batches: the emulator must not wait out httplib's 5 s keep-alive timeout on them.
    emu = start()
    idle = []
    try:
        for address, path in ((emu.http, "/health"), (emu.sls, "/logstores")):
            conn = http.client.HTTPConnection(*address.rsplit(":", 1), timeout=10)
            conn.request("GET", path)
            conn.getresponse().read()
            idle.append(conn)
        emu.proc.send_signal(signal.SIGTERM)
        assert emu.proc.wait(timeout=2) == 0
    finally:
        emu.stop()
        for conn in idle:
            conn.close()


@pytest.mark.parametrize("flag", ["--http", "--otlp-grpc", "--sls"])
def test_port_in_use_fails_with_status_1(shared, flag):
    taken = {"--http": shared.http, "--otlp-grpc": shared.grpc, "--sls": shared.sls}[flag]
    args = {"--otlp-grpc": "127.0.0.1:0", "--http": "127.0.0.1:0", "--sls": "127.0.0.1:0", flag: taken}
    proc = subprocess.run([BINARY, *[x for kv in args.items() for x in kv]], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 1 and "cannot listen" in proc.stderr
