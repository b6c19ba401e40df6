"""OTLP/HTTP over TLS: verification is on by default; a CA file (RawOtlp or the OTel variable) trusts a private CA."""
import http.server
import json
import ssl
import subprocess
import threading

import pytest

from conftest import app_json


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def https_collector(certificate):
    """A minimal OTLP/HTTP receiver behind TLS that records what it was sent."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], len(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*certificate)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


APP = """
import json, pytracingx as ptx
ptx.init(ptx.Config("tls", console_output=False, sinks=[ptx.TraceSink({url!r}, protocol="http", timeout_ms=3000, raw_otlp={raw})]))
with ptx.start_span("secure"):
    pass
print(json.dumps({{"ok": ptx.force_flush(10000), "stats": ptx.stats()["traces"][0]}}))
"""


def test_private_ca_from_raw_otlp_is_trusted(https_collector, certificate):
    url, received = https_collector
    got = app_json(APP.format(url=url, raw=f"ptx.RawOtlp(ca_file={certificate[0]!r})"))
    assert got["ok"] is True and got["stats"]["exported"] == 1
    assert [(path, ctype) for path, ctype, _ in received] == [("/v1/traces", "application/x-protobuf")]


def test_private_ca_from_the_otel_variable_is_trusted(https_collector, certificate):
    url, received = https_collector
    got = app_json(APP.format(url=url, raw="None"), env={"OTEL_EXPORTER_OTLP_CERTIFICATE": certificate[0]})
    assert got["ok"] is True and len(received) == 1


def test_unknown_ca_is_refused_and_counted(https_collector):
    url, received = https_collector
    got = app_json(APP.format(url=url, raw="None"))
    assert got["ok"] is False
    assert got["stats"]["export_failures"] == 1 and got["stats"]["exported"] == 0
    assert received == []
