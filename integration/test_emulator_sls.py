"""ptx-emulator's SLS API as a black box: PutLogs (raw and deflate bodies), GetLogs v1 and v2,
the project and logstore APIs, cursors and PullLogs, v1 signatures and the SLS error replies.

Only the standard library talks to it: LogGroups are written and LogGroupLists read with the
small protobuf helpers below (field numbers from spec/sls.md), signatures computed with hmac.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import struct
import time
import zlib
from email.utils import formatdate

import pytest

from conftest import EMULATOR_BIN, Emulator

pytestmark = pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built")

PROJECT = "ptx-proj"


# --- protobuf, just enough for sls.LogGroup -------------------------------------------------

def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def log_group(logs, topic=None, source=None, tags=()):
    """logs: [(time, [(key, value), ...], time_ns or None)]."""
    out = b""
    for t, contents, time_ns in logs:
        log = field_varint(1, t)
        for key, value in contents:
            log += field_bytes(2, field_bytes(1, key) + field_bytes(2, value))
        if time_ns is not None:
            log += field_fixed32(4, time_ns)
        out += field_bytes(1, log)
    if topic is not None:
        out += field_bytes(3, topic)
    if source is not None:
        out += field_bytes(4, source)
    for key, value in tags:
        out += field_bytes(6, field_bytes(1, key) + field_bytes(2, value))
    return out


def read_fields(data):
    """[(field number, wire type, value)] of one message; LEN values as bytes."""
    fields, i = [], 0

    def read_varint():
        nonlocal i
        shift = value = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = read_varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields.append((number, wire, read_varint()))
        elif wire == 2:
            size = read_varint()
            fields.append((number, wire, data[i:i + size]))
            i += size
        elif wire == 5:
            fields.append((number, wire, struct.unpack("<I", data[i:i + 4])[0]))
            i += 4
        elif wire == 1:
            fields.append((number, wire, struct.unpack("<Q", data[i:i + 8])[0]))
            i += 8
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return fields


def parse_log_group(data):
    group = {"logs": [], "topic": None, "source": None, "tags": []}
    for number, _, value in read_fields(data):
        if number == 1:
            log = {"time": None, "contents": [], "time_ns": None}
            for n, _, v in read_fields(value):
                if n == 1:
                    log["time"] = v
                elif n == 2:
                    kv = dict((k, x.decode()) for k, _, x in read_fields(v))
                    log["contents"].append((kv[1], kv[2]))
                elif n == 4:
                    log["time_ns"] = v
            group["logs"].append(log)
        elif number == 3:
            group["topic"] = value.decode()
        elif number == 4:
            group["source"] = value.decode()
        elif number == 6:
            kv = dict((k, x.decode()) for k, _, x in read_fields(value))
            group["tags"].append((kv[1], kv[2]))
    return group


def parse_log_group_list(data):
    return [parse_log_group(value) for number, _, value in read_fields(data) if number == 1]


# --- requests ---------------------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercase names
        self.body = body

    def json(self):
        return json.loads(self.body)


def sign_v1(ak_id, secret, method, path, params, headers):
    """Authorization for signature v1 (spec/sls.md)."""
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(
        f"{k}:{lower[k]}\n"
        for k in sorted(lower)
        if (k.startswith("x-log-") or k.startswith("x-acs-")) and not k.startswith("x-log-meta-") and k != "x-log-date"
    )
    resource = path
    if params:
        resource += "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))
    to_sign = "\n".join([method, lower.get("content-md5", ""), lower.get("content-type", ""), lower["date"], ""])
    to_sign += canonical_headers + resource
    digest = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
    return f"LOG {ak_id}:{base64.b64encode(digest).decode()}"


def sls_call(emu, method, path, body=None, params=None, headers=None, project=PROJECT, credential=None,
             md5=True):
    """One SLS request with the headers the official SDK sends; returns a Reply."""
    host, port = emu.sls.rsplit(":", 1)
    all_headers = {
        "x-log-apiversion": "0.6.0",
        "x-log-signaturemethod": "hmac-sha1",
        "Date": formatdate(usegmt=True),
        "Host": f"{project}.{host}" if project else host,
        "Content-Length": str(len(body or b"")),
    }
    if body is not None and md5:
        all_headers["Content-MD5"] = hashlib.md5(body).hexdigest().upper()
    if body is None:
        all_headers["x-log-bodyrawsize"] = "0"
    all_headers.update(headers or {})
    all_headers = {k: v for k, v in all_headers.items() if v is not None}
    if credential:
        all_headers["Authorization"] = sign_v1(credential[0], credential[1], method, path, params or {}, all_headers)
    query = ""
    if params:
        query = "?" + "&".join(f"{k}={urlquote(str(v))}" for k, v in params.items())
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path + query, body=body, headers=all_headers)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def urlquote(text):
    from urllib.parse import quote
    return quote(text, safe="")


def put_logs(emu, logstore, group_bytes, compress=None, path_suffix="/shards/lb", params=None, **kwargs):
    headers = {"Content-Type": "application/x-protobuf", "x-log-bodyrawsize": str(len(group_bytes))}
    body = group_bytes
    if compress == "deflate":
        body = zlib.compress(group_bytes)
        headers["x-log-compresstype"] = "deflate"
    headers.update(kwargs.pop("headers", {}))
    return sls_call(emu, "POST", f"/logstores/{logstore}{path_suffix}", body=body, params=params,
                    headers=headers, **kwargs)


def get_logs_v2(emu, logstore, **query):
    body = json.dumps(query).encode()
    return sls_call(emu, "POST", f"/logstores/{logstore}/logs", body=body,
                    headers={"Content-Type": "application/json", "x-log-bodyrawsize": str(len(body))})


def assert_error(reply, status, code):
    assert reply.status == status, reply.body
    assert reply.headers.get("x-log-requestid"), reply.headers
    assert reply.json()["errorCode"] == code, reply.body
    assert reply.json()["errorMessage"]


# --- tests ------------------------------------------------------------------------------------

def test_put_raw_then_get_logs_v2_exact(emu):
    now = int(time.time())
    group = log_group(
        [(now - 5, [("level", "info"), ("msg", "hello world")], 123),
         (now - 4, [("level", "error"), ("msg", "disk full"), ("code", "507")], None)],
        topic="app", source="10.0.0.7", tags=[("host", "h1")])
    reply = put_logs(emu, "app-log", group)
    assert reply.status == 200, reply.body
    assert reply.body == b""
    assert len(reply.headers["x-log-requestid"]) == 24

    reply = get_logs_v2(emu, "app-log", **{"from": now - 60, "to": now + 60, "line": 100, "offset": 0,
                                           "reverse": False, "query": "*", "topic": "", "powerSql": False})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["meta"]["progress"] == "Complete"
    assert body["meta"]["count"] == 2
    assert body["data"] == [
        {"__time__": str(now - 5), "__time_ns_part__": "123", "__topic__": "app", "__source__": "10.0.0.7",
         "__tag__:host": "h1", "level": "info", "msg": "hello world"},
        {"__time__": str(now - 4), "__topic__": "app", "__source__": "10.0.0.7", "__tag__:host": "h1",
         "level": "error", "msg": "disk full", "code": "507"},
    ]
    # reverse, offset and line
    reply = get_logs_v2(emu, "app-log", **{"from": now - 60, "to": now + 60, "line": 1, "offset": 0, "reverse": True})
    assert [row["msg"] for row in reply.json()["data"]] == ["disk full"]
    reply = get_logs_v2(emu, "app-log", **{"from": now - 60, "to": now + 60, "line": 5, "offset": 1})
    assert [row["msg"] for row in reply.json()["data"]] == ["disk full"]
    # time range is [from, to)
    reply = get_logs_v2(emu, "app-log", **{"from": now - 5, "to": now - 4})
    assert [row["msg"] for row in reply.json()["data"]] == ["hello world"]


def test_deflate_body_and_get_logs_v1_queries(emu):
    now = int(time.time())
    group = log_group(
        [(now, [("level", "info"), ("msg", "user login ok"), ("latency", "12")], None),
         (now, [("level", "error"), ("msg", "user login failed"), ("latency", "250")], None),
         (now, [("level", "warn"), ("msg", "Slow Query"), ("latency", "900")], None)],
        topic="web")
    assert put_logs(emu, "web", group, compress="deflate").status == 200
    assert put_logs(emu, "web", log_group([(now, [("msg", "other topic")], None)], topic="jobs")).status == 200

    def v1(query, topic=None, **extra):
        params = {"type": "log", "from": now - 10, "to": now + 10, "line": 100, "offset": 0,
                  "reverse": "false", "query": query}
        if topic is not None:
            params["topic"] = topic
        params.update(extra)
        reply = sls_call(emu, "GET", "/logstores/web", params=params)
        assert reply.status == 200, reply.body
        assert reply.headers["x-log-progress"] == "Complete"
        rows = reply.json()
        assert reply.headers["x-log-count"] == str(len(rows))
        return [row["msg"] for row in rows]

    assert v1("*") == ["user login ok", "user login failed", "Slow Query", "other topic"]
    assert v1("*", topic="web") == ["user login ok", "user login failed", "Slow Query"]
    assert v1("login") == ["user login ok", "user login failed"]
    assert v1("LOGIN and failed") == ["user login failed"]
    assert v1("level: error or level:warn") == ["user login failed", "Slow Query"]
    assert v1("login not failed") == ["user login ok"]
    assert v1("not level: info and not __topic__: jobs") == ["user login failed", "Slow Query"]
    assert v1("latency >= 250") == ["user login failed", "Slow Query"]
    assert v1("slow*") == ["Slow Query"]
    assert v1('"login failed"') == ["user login failed"]
    assert v1("(level: info or level: warn) and latency < 100") == ["user login ok"]
    assert v1("*", reverse="true", line=2) == ["other topic", "Slow Query"]

    reply = sls_call(emu, "GET", "/logstores/web", params={"type": "log", "from": now - 10, "to": now + 10,
                                                           "query": "level: (error"})
    assert_error(reply, 400, "ParameterInvalid")
    reply = sls_call(emu, "GET", "/logstores/web", params={"type": "log", "from": now - 10, "to": now + 10,
                                                           "query": "* | select count(*)"})
    assert_error(reply, 400, "ParameterInvalid")


def test_put_logs_paths_route_and_go_style(emu):
    now = int(time.time())
    assert put_logs(emu, "paths", log_group([(now, [("n", "1")], None)])).status == 200
    assert put_logs(emu, "paths", log_group([(now, [("n", "2")], None)]), path_suffix="/shards/route",
                    params={"key": "abc"}).status == 200
    assert put_logs(emu, "paths", log_group([(now, [("n", "3")], None)]), path_suffix="").status == 200
    reply = get_logs_v2(emu, "paths", **{"from": now - 1, "to": now + 1})
    assert [row["n"] for row in reply.json()["data"]] == ["1", "2", "3"]


@pytest.mark.parametrize("change, status, code", [
    ({"x-log-apiversion": None}, 400, "MissingAPIVersion"),
    ({"x-log-apiversion": "0.5.0"}, 400, "InvalidAPIVersion"),
    ({"Date": None}, 400, "MissingDate"),
    ({"x-log-bodyrawsize": None}, 400, "MissingBodyRawSize"),
    ({"x-log-bodyrawsize": "12x"}, 400, "InvalidBodyRawSize"),
    ({"x-log-bodyrawsize": "3"}, 400, "InvalidBodyRawSize"),
    ({"x-log-bodyrawsize": str(11 << 20)}, 400, "PostBodyTooLarge"),
    ({"x-log-compresstype": "snappy"}, 400, "InvalidCompressType"),
    ({"x-log-compresstype": "deflate"}, 400, "PostBodyUncompressError"),
    ({"Content-MD5": "0" * 32}, 400, "PostBodyInvalid"),
    ({"Content-Type": None}, 400, "MissingContentType"),
    ({"Content-Type": "application/json"}, 415, "InvalidContentType"),
    ({"Authorization": "Basic abc"}, 401, "Unauthorized"),
])
def test_put_logs_errors(emu, change, status, code):
    group = log_group([(int(time.time()), [("k", "v")], None)])
    reply = put_logs(emu, "errors", group, headers=change)
    assert_error(reply, status, code)


def test_put_logs_body_errors(emu):
    now = int(time.time())
    garbage = b"\xff\xff\xff"
    reply = put_logs(emu, "errors", garbage)
    assert_error(reply, 400, "PostBodyInvalid")
    reply = put_logs(emu, "errors", log_group([(now - 8 * 86400, [("k", "v")], None)]))
    assert_error(reply, 400, "InvalidTimestamp")
    reply = put_logs(emu, "errors", log_group([(now + 3600, [("k", "v")], None)]))
    assert_error(reply, 400, "InvalidTimestamp")
    reply = put_logs(emu, "errors", log_group([(now, [("", "v")], None)]))
    assert_error(reply, 400, "InvalidKey")
    reply = put_logs(emu, "errors", log_group([(now, [("k", "v")], None)]), project=None)
    assert_error(reply, 404, "ProjectNotExist")
    # nothing was stored by the refused requests
    assert_error(get_logs_v2(emu, "errors", **{"from": 0, "to": now + 10}), 404, "ProjectNotExist")


def test_reads_of_unknown_project_and_logstore(emu):
    now = int(time.time())
    assert_error(sls_call(emu, "GET", "/logstores/none", params={"type": "log", "from": 0, "to": now}),
                 404, "ProjectNotExist")
    assert put_logs(emu, "exists", log_group([(now, [("k", "v")], None)])).status == 200
    assert_error(get_logs_v2(emu, "none", **{"from": 0, "to": now}), 404, "LogStoreNotExist")
    assert_error(sls_call(emu, "GET", "/logstores/none/shards"), 404, "LogStoreNotExist")
    assert_error(sls_call(emu, "GET", "/logstores/none/shards/0", params={"type": "cursor", "from": "begin"}),
                 404, "LogStoreNotExist")
    assert_error(sls_call(emu, "GET", "/logstores/exists/shards/1", params={"type": "cursor", "from": "begin"}),
                 404, "ShardNotExist")
    assert_error(sls_call(emu, "GET", "/logstores/exists", project="other"), 404, "ProjectNotExist")


def test_project_and_logstore_apis(emu):
    body = json.dumps({"projectName": "made", "description": "by test"}).encode()
    reply = sls_call(emu, "POST", "/", body=body, project="made",
                     headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"})
    assert reply.status == 200, reply.body
    reply = sls_call(emu, "POST", "/", body=body, project="made",
                     headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"})
    assert_error(reply, 400, "ProjectAlreadyExist")
    project = sls_call(emu, "GET", "/", project="made").json()
    assert project["projectName"] == "made"
    assert project["description"] == "by test"
    assert project["status"] == "Normal"

    create = json.dumps({"logstoreName": "ls1", "ttl": 7, "shardCount": 2, "enable_tracking": False}).encode()
    reply = sls_call(emu, "POST", "/logstores", body=create, project="made",
                     headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"})
    assert reply.status == 200, reply.body
    assert_error(sls_call(emu, "POST", "/logstores", body=create, project="made",
                          headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"}),
                 400, "LogStoreAlreadyExist")
    assert_error(sls_call(emu, "POST", "/logstores", body=create, project="missing",
                          headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"}),
                 404, "ProjectNotExist")
    for bad in ({"ttl": 0}, {"ttl": 3651}, {"ttl": 2 ** 32 + 7}, {"ttl": "week"}, {"maxSplitShard": 0},
                {"maxSplitShard": 257}, {"maxSplitShard": 2 ** 40}):
        reply = sls_call(emu, "POST", "/logstores", project="made",
                         body=json.dumps({"logstoreName": "bad", "shardCount": 2, **bad}).encode(),
                         headers={"Content-Type": "application/json", "x-log-bodyrawsize": "0"})
        assert_error(reply, 400, "ParameterInvalid")
        assert next(iter(bad)) in reply.json()["errorMessage"], reply.body
    put_logs(emu, "ls2", log_group([(int(time.time()), [("k", "v")], None)]), project="made")

    listing = sls_call(emu, "GET", "/logstores", project="made").json()
    assert listing == {"count": 2, "total": 2, "logstores": ["ls1", "ls2"]}
    logstore = sls_call(emu, "GET", "/logstores/ls1", project="made").json()
    assert logstore["logstoreName"] == "ls1"
    assert logstore["ttl"] == 7
    assert logstore["shardCount"] == 1
    shards = sls_call(emu, "GET", "/logstores/ls1/shards", project="made").json()
    assert shards == [{"shardID": 0, "status": "readwrite", "inclusiveBeginKey": "0" * 32,
                       "exclusiveEndKey": "f" * 32, "createTime": logstore["createTime"]}]

    assert sls_call(emu, "DELETE", "/logstores/ls1", project="made").status == 200
    assert_error(sls_call(emu, "GET", "/logstores/ls1", project="made"), 404, "LogStoreNotExist")
    assert sls_call(emu, "GET", "/logstores", project="made").json()["logstores"] == ["ls2"]
    assert sls_call(emu, "DELETE", "/", project="made").status == 200
    assert_error(sls_call(emu, "GET", "/", project="made"), 404, "ProjectNotExist")


def test_cursors_and_pull_logs(emu):
    now = int(time.time())
    for i in range(3):
        group = log_group([(now, [("i", str(i)), ("j", "x")], None), (now, [("i", str(i)), ("j", "y")], 7)],
                          topic=f"t{i}", source="src", tags=[("tag", str(i))])
        assert put_logs(emu, "pull", group).status == 200

    def cursor(start):
        reply = sls_call(emu, "GET", "/logstores/pull/shards/0", params={"type": "cursor", "from": start},
                         headers={"Content-Type": "application/json"})
        assert reply.status == 200, reply.body
        return reply.json()["cursor"]

    begin, end = cursor("begin"), cursor("end")
    assert base64.b64decode(begin) == b"0"
    assert base64.b64decode(end) == b"3"
    assert cursor(str(now - 3600)) == begin
    assert cursor(str(now + 3600)) == end

    def pull(start, count, accept=None, end_cursor=None, kind="log"):
        params = {"type": kind, "cursor": start, "count": count}
        if end_cursor:
            params["end_cursor"] = end_cursor
        headers = {"Accept": "application/x-protobuf", "Accept-Encoding": accept}
        reply = sls_call(emu, "GET", "/logstores/pull/shards/0", params=params, headers=headers)
        assert reply.status == 200, reply.body
        return reply

    reply = pull(begin, 2)
    assert reply.headers["x-log-count"] == "2"
    assert base64.b64decode(reply.headers["x-log-cursor"]) == b"2"
    assert "x-log-compresstype" not in reply.headers
    assert reply.headers["x-log-bodyrawsize"] == str(len(reply.body))
    groups = parse_log_group_list(reply.body)
    assert groups[0] == {"logs": [{"time": now, "contents": [("i", "0"), ("j", "x")], "time_ns": None},
                                  {"time": now, "contents": [("i", "0"), ("j", "y")], "time_ns": 7}],
                         "topic": "t0", "source": "src", "tags": [("tag", "0")]}
    assert groups[1]["topic"] == "t1"

    reply = pull(reply.headers["x-log-cursor"], 10, accept="deflate", kind="logs")
    assert reply.headers["x-log-count"] == "1"
    assert reply.headers["x-log-compresstype"] == "deflate"
    raw = zlib.decompress(reply.body)
    assert reply.headers["x-log-bodyrawsize"] == str(len(raw))
    assert [g["topic"] for g in parse_log_group_list(raw)] == ["t2"]
    assert reply.headers["x-log-cursor"] == end

    reply = pull(end, 10)
    assert reply.headers["x-log-count"] == "0"
    assert reply.headers["x-log-bodyrawsize"] == "0"
    assert reply.body == b""
    assert reply.headers["x-log-cursor"] == end

    reply = pull(begin, 10, end_cursor=base64.b64encode(b"1").decode())
    assert reply.headers["x-log-count"] == "1"
    assert [g["topic"] for g in parse_log_group_list(reply.body)] == ["t0"]

    bad = sls_call(emu, "GET", "/logstores/pull/shards/0", params={"type": "log", "cursor": "!!", "count": 1})
    assert_error(bad, 400, "InvalidCursor")
    past_end = base64.b64encode(b"99").decode()
    bad = sls_call(emu, "GET", "/logstores/pull/shards/0", params={"type": "log", "cursor": past_end, "count": 1})
    assert_error(bad, 400, "InvalidCursor")


def test_signature_v1_with_credentials():
    emu = Emulator(extra_args=["--credential", "test-ak:test-secret", "--credential", "ak2:secret2"])
    try:
        now = int(time.time())
        group = log_group([(now, [("signed", "yes")], None)])
        good = put_logs(emu, "signed", group, credential=("test-ak", "test-secret"))
        assert good.status == 200, good.body
        other = put_logs(emu, "signed", group, credential=("ak2", "secret2"), params={"key": "k"},
                         path_suffix="/shards/route", headers={"x-acs-security-token": "sts-token"})
        assert other.status == 200, other.body

        assert_error(put_logs(emu, "signed", group, credential=("test-ak", "wrong")), 401, "SignatureNotMatch")
        assert_error(put_logs(emu, "signed", group, credential=("nobody", "secret")), 401, "Unauthorized")
        assert_error(put_logs(emu, "signed", group), 400, "MissAccessKeyId")
        stale = formatdate(time.time() - 3600, usegmt=True)
        assert_error(put_logs(emu, "signed", group, credential=("test-ak", "test-secret"), headers={"Date": stale}),
                     400, "RequestTimeTooSkewed")

        params = {"type": "log", "from": now - 10, "to": now + 10, "query": "signed: yes"}
        reply = sls_call(emu, "GET", "/logstores/signed", params=params, credential=("test-ak", "test-secret"))
        assert reply.status == 200, reply.body
        assert [row["signed"] for row in reply.json()] == ["yes", "yes"]
        assert_error(sls_call(emu, "GET", "/logstores/signed", params=params, credential=("test-ak", "nope")),
                     401, "SignatureNotMatch")
    finally:
        emu.stop()


def test_stats_and_reset_cover_sls(emu):
    now = int(time.time())
    assert put_logs(emu, "counted", log_group([(now, [("a", "1")], None), (now, [("a", "2")], None)])).status == 200
    put_logs(emu, "counted", b"\xff")
    stats = emu.get("/api/stats")
    assert stats["sls"] == {"requests": 1, "rejected_requests": 1, "log_groups": 1, "logs": 2}
    # bytes: keys and values of the two logs, "a" "1" and "a" "2".
    assert stats["sls_store"] == {"projects": 1, "logstores": 1, "log_groups": 1, "logs": 2,
                                  "evicted_log_groups": 0, "evicted_logs": 0, "bytes": 4, "evicted_bytes": 0}
    view = emu.get(f"/api/sls/projects/{PROJECT}/logstores/counted")
    assert view["log_groups"][0]["logs"] == [{"time": now, "time_ns": None, "contents": [["a", "1"]]},
                                             {"time": now, "time_ns": None, "contents": [["a", "2"]]}]
    assert emu.get("/api/sls/projects") == {"projects": [
        {"name": PROJECT, "logstores": [{"name": "counted", "log_groups": 1, "logs": 2}]}]}
    emu.reset()
    assert emu.get("/api/stats")["sls_store"]["logs"] == 0
    assert_error(get_logs_v2(emu, "counted", **{"from": 0, "to": now + 1}), 404, "ProjectNotExist")
