"""A ptx-emulator child process for the benchmarks: ephemeral loopback ports, JSON control API.

    with EmulatorProcess(binary, ["--max-spans", "100000"]) as emu:
        emu.reset(); ...; emu.stats()["traces"]["items"]

The process is terminated (then killed) on exit from the `with` block, whatever happens inside.
"""
import json
import os
import re
import subprocess
import time
import urllib.request

_READY = re.compile(r"^ptx-emulator ready\b(.*)$")


def default_binary(root):
    """$PTX_EMULATOR_BIN, else build/emulator/ptx-emulator under the repository root."""
    return os.environ.get("PTX_EMULATOR_BIN") or os.path.join(root, "build", "emulator", "ptx-emulator")


class EmulatorProcess:
    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.proc = None
        self.addresses = {}

    def __enter__(self):
        self.proc = subprocess.Popen(
            [self.binary, "--otlp-grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--sls", "127.0.0.1:0",
             *self.extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                self.stop()
                raise RuntimeError("ptx-emulator exited before it was ready")
            m = _READY.match(line.strip())
            if m:
                for part in m.group(1).split():
                    if "=" in part:
                        key, value = part.split("=", 1)
                        self.addresses[key] = value
                # Nothing reads stdout from here on; the emulator logs little, but never let a
                # full pipe block it.
                self.proc.stdout.close()
                return self
        self.stop()
        raise RuntimeError("ptx-emulator did not print its ready line in time")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def grpc_endpoint(self):
        return "http://" + self.addresses["otlp-grpc"]

    @property
    def http_base(self):
        return "http://" + self.addresses["http"]

    @property
    def sls_endpoint(self):
        return "http://" + self.addresses["sls"]

    def get(self, path):
        with urllib.request.urlopen(self.http_base + path, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def reset(self):
        req = urllib.request.Request(self.http_base + "/api/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def stats(self):
        return self.get("/api/stats")

    def cpu_seconds(self):
        """User + system CPU the emulator process has used so far (from /proc)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
