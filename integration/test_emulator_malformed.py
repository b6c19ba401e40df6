"""ptx-emulator under hostile input: malformed, truncated, oversized and decompression-bomb bodies
on every endpoint (OTLP/HTTP protobuf and JSON, OTLP/gRPC, SLS PutLogs with lz4, zstd and
deflate, bad signatures). Each gets its exact status and error body; afterwards the emulator
still serves, and its counters show only the valid data.

One emulator with a small body limit (so that "oversized" is cheap to send) and an SLS access key
(so that signatures are verified) serves the whole module.
"""
import gzip
import http.client
import json
import os
import select
import socket
import zlib

import pytest

from conftest import EMULATOR_BIN, Emulator
from test_emulator_sls import assert_error, field_bytes, field_varint, log_group, read_fields, sls_call

grpc = pytest.importorskip("grpc")
lz4_block = pytest.importorskip("lz4.block")
zstandard = pytest.importorskip("zstandard")

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

LIMIT = 65536  # --max-body-bytes: the OTLP limit after decompression, and the SLS wire limit
WIRE_LIMIT = LIMIT + LIMIT // 64 + 4096  # OTLP/HTTP accepts a compressed body this large
SLS_RAW_LIMIT = 10 << 20  # PutLogs' limit after decompression (x-log-bodyrawsize)
AK = ("malformed-ak", "malformed-secret")
PROJECT = "malformed"

SIGNALS = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
REQUEST_TYPES = {
    "traces": "ExportTraceServiceRequest",
    "metrics": "ExportMetricsServiceRequest",
    "logs": "ExportLogsServiceRequest",
}
JSON_KEYS = {"traces": "resourceSpans", "metrics": "resourceMetrics", "logs": "resourceLogs"}


@pytest.fixture(scope="module")
def hostile():
    emu = Emulator(extra_args=["--max-body-bytes", str(LIMIT), "--credential", f"{AK[0]}:{AK[1]}"])
    yield emu
    emu.stop()


@pytest.fixture
def emu(hostile):
    hostile.reset()
    return hostile


# --- valid payloads, hand-encoded (field numbers from the OTLP protos) -----------------------

def fixed64(number, value):
    return bytes([number << 3 | 1]) + value.to_bytes(8, "little")


def valid_otlp(signal, tag):
    """One span, metric data point or log record; `tag` names it."""
    if signal == "traces":
        span = (field_bytes(1, bytes(range(1, 17))) + field_bytes(2, bytes(range(1, 9))) + field_bytes(5, tag)
                + fixed64(7, 1_700_000_000_000_000_000) + fixed64(8, 1_700_000_000_000_000_100))
        return field_bytes(1, field_bytes(2, field_bytes(2, span)))
    if signal == "metrics":
        point = fixed64(3, 1_700_000_000_000_000_000) + bytes([6 << 3 | 1]) + (7).to_bytes(8, "little")
        metric = field_bytes(1, tag) + field_bytes(5, field_bytes(1, point))
        return field_bytes(1, field_bytes(2, field_bytes(2, metric)))
    record = fixed64(1, 1_700_000_000_000_000_000) + field_bytes(5, field_bytes(1, tag))
    return field_bytes(1, field_bytes(2, field_bytes(2, record)))


def rpc_status(body):
    """A protobuf google.rpc.Status body as (code, message)."""
    fields = {number: value for number, _, value in read_fields(body)}
    return fields.get(1, 0), fields.get(2, b"").decode()


# --- OTLP/HTTP ---------------------------------------------------------------------------------

def http_post(emu, path, body, headers):
    host, port = emu.addresses["http"].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


def otlp_post(emu, signal, body, content_type="application/x-protobuf", encoding=None):
    headers = {"Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    return http_post(emu, f"/v1/{signal}", body, headers)


def assert_otlp_error(reply, http_status, code, message):
    status, content_type, body = reply
    assert status == http_status, body
    if content_type == "application/json":
        assert json.loads(body) == {"code": code, "message": message}
    else:
        assert content_type == "application/x-protobuf"
        assert rpc_status(body) == (code, message)


def gzip_bomb(size):
    return gzip.compress(b"\0" * size, compresslevel=9)


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_otlp_http_protobuf_malformed_and_truncated(emu, signal):
    not_proto = f"payload is not a valid protobuf {REQUEST_TYPES[signal]}"
    assert_otlp_error(otlp_post(emu, signal, b"\xff\xff\xff\xff"), 400, 3, not_proto)
    valid = valid_otlp(signal, "cut")
    assert_otlp_error(otlp_post(emu, signal, valid[:-3]), 400, 3, not_proto)
    # A length prefix pointing past the end of the body.
    assert_otlp_error(otlp_post(emu, signal, b"\x0a\xff\xff\x03" + b"\x00" * 10), 400, 3, not_proto)
    # A recursion deeper than protobuf's limit (AnyValue.array_value nests without bound).
    value = b""
    for _ in range(150):
        value = field_bytes(5, field_bytes(1, field_bytes(1, value)))
    assert_otlp_error(otlp_post(emu, signal, field_bytes(1, field_bytes(1, field_bytes(1, field_bytes(2, value))))),
                      400, 3, not_proto)


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_otlp_http_json_malformed(emu, signal):
    key = JSON_KEYS[signal]

    def post(text):
        return otlp_post(emu, signal, text.encode(), content_type="application/json")

    assert_otlp_error(post('{"' + key + '": ['), 400, 3, "malformed JSON")
    assert_otlp_error(post('[1, 2]'), 400, 3, "OTLP/JSON payload must be an object")
    assert_otlp_error(post("[" * 65 + "]" * 65), 400, 3, "JSON nested deeper than 64")
    status, _, body = post('{"' + key + '": 5}')
    assert status == 400
    assert json.loads(body)["code"] == 3
    assert json.loads(body)["message"].startswith("invalid OTLP/JSON: ")
    if signal == "traces":
        bad_id = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"0102030405060708"}]}]}]}'
        assert_otlp_error(post(bad_id), 400, 3, '"traceId" is not a hex string')
    # Invalid UTF-8 inside a string value.
    assert_otlp_error(otlp_post(emu, signal, b'{"' + key.encode() + b'": [{"schemaUrl": "\xff\xfe"}]}',
                                content_type="application/json"), 400, 3, "malformed JSON")


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_otlp_http_oversized_and_bombs(emu, signal):
    too_big = f"payload exceeds {LIMIT} bytes"
    # Refused by Content-Length before any of it is read.
    assert_otlp_error(otlp_post(emu, signal, b"\0" * (WIRE_LIMIT + 1)), 413, 8,
                      f"request body exceeds {WIRE_LIMIT} bytes")
    # Within the wire allowance of compressed bodies, but over the payload limit uncompressed.
    assert_otlp_error(otlp_post(emu, signal, b"\0" * (LIMIT + 1)), 413, 8, too_big)
    bomb = f"decompressed size exceeds the limit of {LIMIT} bytes"
    assert_otlp_error(otlp_post(emu, signal, gzip_bomb(50 << 20), encoding="gzip"), 413, 8, "gzip body: " + bomb)
    assert_otlp_error(otlp_post(emu, signal, zlib.compress(b"\0" * (LIMIT + 1)), encoding="deflate"), 413, 8,
                      "deflate body: " + bomb)
    assert_otlp_error(otlp_post(emu, signal, zstandard.ZstdCompressor().compress(b"\0" * (50 << 20)),
                                encoding="zstd", content_type="application/json"),
                      413, 8, "zstd body: " + bomb)
    # Exactly at the limit is still decoded (and refused only as a bad payload).
    assert_otlp_error(otlp_post(emu, signal, gzip.compress(b"\xff" * LIMIT), encoding="gzip"), 400, 3,
                      f"payload is not a valid protobuf {REQUEST_TYPES[signal]}")


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_otlp_http_corrupt_compression(emu, signal):
    valid = gzip.compress(valid_otlp(signal, "x"))
    assert_otlp_error(otlp_post(emu, signal, valid[:-12], encoding="gzip"), 400, 3,
                      "gzip body: gzip stream is truncated")
    assert_otlp_error(otlp_post(emu, signal, b"definitely not gzip", encoding="gzip"), 400, 3,
                      "gzip body: gzip stream is corrupt: incorrect header check")
    assert_otlp_error(otlp_post(emu, signal, zlib.compress(b"abc") + b"tail", encoding="deflate"), 400, 3,
                      "deflate body: trailing data after the deflate stream")
    zstd_valid = zstandard.ZstdCompressor().compress(valid_otlp(signal, "x"))
    assert_otlp_error(otlp_post(emu, signal, zstd_valid[:-4], encoding="zstd"), 400, 3,
                      "zstd body: zstd stream is truncated")
    assert_otlp_error(otlp_post(emu, signal, b"\x28\xb5\x2f\xfd\x08" + b"\x00" * 16, encoding="zstd"), 400, 3,
                      "zstd body: zstd: Unsupported frame parameter")
    assert_otlp_error(otlp_post(emu, signal, valid, encoding="br"), 415, 3, "unsupported Content-Encoding 'br'")


def test_otlp_http_chunked_bomb_is_cut_off(emu):
    """A chunked body has no Content-Length: the receiver stops reading at the wire limit."""
    host, port = emu.addresses["http"].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"\0" * 16384
        sent = 0
        try:
            # Stop sending once the answer is there, so that it is read before the server's close.
            while sent < 4 * WIRE_LIMIT and not select.select([sock], [], [], 0.05)[0]:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = b""
        while b"\r\n\r\n" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]


# --- OTLP/gRPC ---------------------------------------------------------------------------------

def grpc_export(emu, signal, payload, compression=None):
    with grpc.insecure_channel(emu.addresses["otlp-grpc"]) as channel:
        call = channel.unary_unary(SIGNALS[signal])  # bytes in, bytes out
        try:
            call(payload, timeout=30, compression=compression)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as err:
            return err.code(), err.details()


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_otlp_grpc_malformed_oversized_and_bombs(emu, signal):
    not_proto = f"payload is not a valid protobuf {REQUEST_TYPES[signal]}"
    assert grpc_export(emu, signal, b"\xff\xff\xff\xff") == (grpc.StatusCode.INVALID_ARGUMENT, not_proto)
    assert grpc_export(emu, signal, valid_otlp(signal, "cut")[:-3]) == (grpc.StatusCode.INVALID_ARGUMENT, not_proto)
    code, details = grpc_export(emu, signal, b"\0" * (LIMIT + 1))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, details
    # Small on the wire, too big once gRPC has inflated it.
    code, details = grpc_export(emu, signal, b"\0" * (8 << 20), compression=grpc.Compression.Gzip)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, details
    assert grpc_export(emu, signal, valid_otlp(signal, "grpc-ok")) == (grpc.StatusCode.OK, "")


# --- SLS PutLogs -------------------------------------------------------------------------------

def put(emu, body, raw_size, compress=None, credential=AK, headers=None):
    all_headers = {"Content-Type": "application/x-protobuf", "x-log-bodyrawsize": str(raw_size)}
    if compress:
        all_headers["x-log-compresstype"] = compress
    all_headers.update(headers or {})
    return sls_call(emu, "POST", "/logstores/hostile/shards/lb", body=body, headers=all_headers,
                    project=PROJECT, credential=credential)


def lz4_raw(data):
    return lz4_block.compress(data, store_size=False)


def now_group(tag):
    import time
    return log_group([(int(time.time()), [("tag", tag)], None)])


def test_sls_put_logs_lz4_malformed_and_bombs(emu):
    group = now_group("lz4")
    block = lz4_raw(group)
    assert_error(put(emu, block[:-2], len(group), "lz4"), 400, "PostBodyUncompressError")
    reply = put(emu, b"\xff" * 32, len(group), "lz4")
    assert_error(reply, 400, "PostBodyUncompressError")
    assert reply.json()["errorMessage"] == "lz4 body: lz4 block is corrupt, truncated or larger than its raw size"
    # A block that inflates beyond the raw size it claims: refused, never written past it.
    bomb = lz4_raw(b"\0" * (1 << 20))
    reply = put(emu, bomb, 1000, "lz4")
    assert_error(reply, 400, "PostBodyUncompressError")
    assert reply.json()["errorMessage"] == "lz4 body: lz4 block is corrupt, truncated or larger than its raw size"
    # A raw size beyond the limit is refused before anything is allocated.
    reply = put(emu, bomb, SLS_RAW_LIMIT + 1, "lz4")
    assert_error(reply, 400, "PostBodyTooLarge")
    assert reply.json()["errorMessage"] == f"body of {SLS_RAW_LIMIT + 1} bytes exceeds {SLS_RAW_LIMIT}"
    reply = put(emu, block, len(group) + 5, "lz4")
    assert_error(reply, 400, "PostBodyUncompressError")


def test_sls_put_logs_zstd_and_deflate_bombs(emu):
    bomb = f"decompressed size exceeds the limit of {SLS_RAW_LIMIT} bytes"
    zstd_bomb = zstandard.ZstdCompressor().compress(b"\0" * (SLS_RAW_LIMIT + 1))
    reply = put(emu, zstd_bomb, 100, "zstd")
    assert_error(reply, 400, "PostBodyUncompressError")
    assert reply.json()["errorMessage"] == "zstd body: " + bomb
    deflate_bomb = zlib.compress(b"\0" * (SLS_RAW_LIMIT + 1), 9)
    reply = put(emu, deflate_bomb, 100, "deflate")
    assert_error(reply, 400, "PostBodyUncompressError")
    assert reply.json()["errorMessage"] == "deflate body: " + bomb

    group = now_group("zstd")
    packed = zstandard.ZstdCompressor().compress(group)
    reply = put(emu, packed[:-3], len(group), "zstd")
    assert reply.json()["errorMessage"] == "zstd body: zstd stream is truncated"
    reply = put(emu, packed, len(group) + 1, "zstd")
    assert_error(reply, 400, "PostBodyUncompressError")
    assert reply.json()["errorMessage"] == (f"zstd body inflates to {len(group)} bytes, "
                                            f"x-log-bodyrawsize says {len(group) + 1}")
    reply = put(emu, zlib.compress(group) + b"x", len(group), "deflate")
    assert reply.json()["errorMessage"] == "deflate body: trailing data after the deflate stream"
    # Decompresses fine, but is no LogGroup.
    reply = put(emu, zlib.compress(b"\xff" * 64), 64, "deflate")
    assert_error(reply, 400, "PostBodyInvalid")
    assert reply.json()["errorMessage"].startswith("body is not a LogGroup: malformed SLS LogGroup")


def test_sls_oversized_and_unbounded_bodies(emu):
    reply = put(emu, b"\0" * (LIMIT + 1), LIMIT + 1)
    assert_error(reply, 413, "PostBodyTooLarge")
    assert reply.json()["errorMessage"] == f"request body exceeds {LIMIT} bytes"
    host, port = emu.sls.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest("POST", "/logstores/hostile/shards/lb", skip_host=True)
        conn.putheader("Host", f"{PROJECT}.{host}")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"4\r\nabcd\r\n0\r\n\r\n")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 411, body
        assert json.loads(body)["errorCode"] == "MissingContentLength"
        assert resp.getheader("x-log-requestid")
    finally:
        conn.close()


def signed_headers_v4(authorization, date="20231114T221320Z"):
    return {"Authorization": authorization, "x-log-date": date, "Date": None}


@pytest.mark.parametrize("headers, status, code, message", [
    ({"Authorization": f"LOG {AK[0]}"}, 401, "Unauthorized", "malformed Authorization, expected LOG ak:sig"),
    ({"Authorization": "LOG :c2ln"}, 400, "MissAccessKeyId", "no access key id in Authorization"),
    ({"Authorization": f"LOG {AK[0]}:AAAA"}, 401, "SignatureNotMatch",
     "the request signature we calculated does not match the signature you provided"),
    ({"Authorization": "LOG stranger:AAAA"}, 401, "Unauthorized", "unknown access key id stranger"),
    ({"Authorization": f"LOG {AK[0]}:AAAA", "Date": "yesterday"}, 400, "InvalidDateFormat",
     "Date is not an RFC 1123 date: yesterday"),
    ({"Authorization": f"LOG {AK[0]}:AAAA", "Date": "Mon, 01 Jan 2001 00:00:00 GMT"}, 400, "RequestTimeTooSkewed",
     "the request time is more than 15 minutes away from the server time"),
    ({"Authorization": "Bearer abc"}, 401, "Unauthorized", "unsupported Authorization scheme"),
    (signed_headers_v4("SLS4-HMAC-SHA256 Signature=abc"), 400, "MissAccessKeyId", "no Credential in Authorization"),
    (signed_headers_v4("SLS4-HMAC-SHA256 Credential=ak/bad,Signature=abc"), 401, "Unauthorized",
     "malformed Credential in Authorization"),
    (signed_headers_v4("SLS4-HMAC-SHA256 Credential=ak/20231114/cn/sls/wrong,Signature=abc"), 401, "Unauthorized",
     "malformed credential scope in Authorization"),
    (signed_headers_v4(f"SLS4-HMAC-SHA256 Credential={AK[0]}/20231114/cn/sls/aliyun_v4_request,Signature=abc",
                       date="2023-11-14"), 400, "InvalidDateFormat", "x-log-date is not YYYYMMDDTHHMMSSZ: 2023-11-14"),
    ({"Authorization": "SLS4-HMAC-SHA256 Credential=x", "x-log-date": None}, 400, "MissingDate",
     "x-log-date header is missing"),
    ({"Date": None, "Authorization": f"LOG {AK[0]}:AAAA"}, 400, "MissingDate", "Date header is missing"),
])
def test_sls_bad_signatures(emu, headers, status, code, message):
    group = now_group("unsigned")
    reply = put(emu, group, len(group), credential=None, headers=headers)
    assert_error(reply, status, code)
    assert reply.json()["errorMessage"] == message


# --- and afterwards ----------------------------------------------------------------------------

def test_keeps_serving_and_counts_only_valid_data(emu):
    """Every kind of bad input first, then one valid request per endpoint: exactly those count."""
    for signal in SIGNALS:
        otlp_post(emu, signal, b"\xff\xff")
        otlp_post(emu, signal, gzip_bomb(8 << 20), encoding="gzip")
        otlp_post(emu, signal, b"{", content_type="application/json")
        grpc_export(emu, signal, b"\xff\xff")
        grpc_export(emu, signal, b"\0" * (LIMIT + 1))
    group = now_group("valid")
    put(emu, zstandard.ZstdCompressor().compress(b"\0" * (SLS_RAW_LIMIT + 1)), 100, "zstd")
    put(emu, lz4_raw(b"\0" * (1 << 20)), 1000, "lz4")
    put(emu, group, len(group), credential=("stranger", "x"))

    for signal in SIGNALS:
        status, _, body = otlp_post(emu, signal, valid_otlp(signal, f"http-{signal}"))
        assert status == 200, body
        status, _, body = otlp_post(emu, signal, gzip.compress(valid_otlp(signal, f"gzip-{signal}")),
                                    encoding="gzip")
        assert status == 200, body
        assert grpc_export(emu, signal, valid_otlp(signal, f"grpc-{signal}")) == (grpc.StatusCode.OK, "")
    lz4_reply = put(emu, lz4_raw(group), len(group), "lz4")
    assert lz4_reply.status == 200, lz4_reply.body
    zstd_group = now_group("zstd-valid")
    zstd_reply = put(emu, zstandard.ZstdCompressor().compress(zstd_group), len(zstd_group), "zstd")
    assert zstd_reply.status == 200, zstd_reply.body

    stats = emu.get("/api/stats")
    for signal in SIGNALS:
        assert stats[signal]["requests"] == 3, stats[signal]
        assert stats[signal]["items"] == 3, stats[signal]
        assert stats[signal]["rejected_requests"] == 5, stats[signal]
    assert stats["store"]["spans"] == 3
    assert stats["log_store"]["logs"] == 3
    assert stats["metric_store"]["points"] == 3
    assert stats["sls"] == {"requests": 2, "rejected_requests": 3, "log_groups": 2, "logs": 2}
    assert stats["sls_store"]["logs"] == 2
    names = sorted(span["name"] for trace in emu.get("/api/traces")["traces"]
                   for span in emu.get("/api/traces/" + trace["trace_id"])["spans"])
    assert names == ["grpc-traces", "gzip-traces", "http-traces"]
