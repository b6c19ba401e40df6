"""Fixtures shared by the integration tests: a real ptx-emulator process and app runners."""
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMULATOR_BIN = os.environ.get("PTX_EMULATOR_BIN", os.path.join(ROOT, "build", "emulator", "ptx-emulator"))
READY = re.compile(r"^ptx-emulator ready\b(.*)$")


class Emulator:
    """A running ptx-emulator on ephemeral loopback ports."""

    def __init__(self, extra_args=()):
        self.proc = subprocess.Popen(
            [EMULATOR_BIN, "--otlp-grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--sls", "127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addresses = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("ptx-emulator exited before it was ready: " + self.proc.stderr.read())
            m = READY.match(line.strip())
            if m:
                for part in m.group(1).split():
                    if "=" in part:
                        key, value = part.split("=", 1)
                        self.addresses[key] = value
                break
        else:
            raise RuntimeError("ptx-emulator did not print its ready line in time")

    @property
    def grpc_endpoint(self):
        return "http://" + self.addresses["otlp-grpc"]

    @property
    def http_base(self):
        return "http://" + self.addresses["http"]

    @property
    def sls(self):
        """The SLS listener as "host:port"."""
        return self.addresses["sls"]

    def get(self, path):
        with urllib.request.urlopen(self.http_base + path, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def post(self, path, body=b"", headers=None):
        req = urllib.request.Request(self.http_base + path, data=body, headers=headers or {}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def reset(self):
        self.post("/api/reset")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def emulator():
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    """The session's emulator, emptied before the test."""
    emulator.reset()
    return emulator


def run_app(source, env=None, timeout=60, check=True):
    """Runs `source` (dedented) in a fresh interpreter; returns (stdout, stderr, returncode).

    Each app is its own process because ptx.init may run only once per process.
    """
    full_env = dict(os.environ)
    for key in list(full_env):
        if key.startswith("OTEL_"):
            del full_env[key]
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"app failed ({proc.returncode}):\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc.stdout, proc.stderr, proc.returncode


def app_json(source, env=None, timeout=60):
    """Runs an app whose last stdout line is JSON and returns it decoded."""
    out, _, _ = run_app(source, env=env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def typed(value):
    """The emulator's typed attribute JSON as a plain Python value (ints back to int)."""
    kind, v = value["type"], value["value"]
    if kind == "int":
        return int(v)
    if kind == "array":
        return [typed(item) for item in v]
    return v


def attrs(items):
    """A span's (or resource's) attribute JSON as a {key: plain value} dict."""
    if isinstance(items, dict):
        return {k: typed(v) for k, v in items.items()}
    return {kv["key"]: typed(kv["value"]) for kv in items}


def attr_types(items):
    if isinstance(items, dict):
        return {k: v["type"] for k, v in items.items()}
    return {kv["key"]: kv["value"]["type"] for kv in items}


def wait_for_spans(emulator, trace_id, count, timeout=15.0):
    """Spans of one trace once `count` have arrived (exports are flushed by the app first)."""
    deadline = time.monotonic() + timeout
    spans = []
    while time.monotonic() < deadline:
        try:
            spans = emulator.get(f"/api/traces/{trace_id}")["spans"]
        except urllib.error.HTTPError as err:
            if err.code != 404:
                raise
        if len(spans) >= count:
            return spans
        time.sleep(0.05)
    raise AssertionError(f"trace {trace_id}: {len(spans)} of {count} spans arrived")
