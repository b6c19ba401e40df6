#!/usr/bin/env python3
"""Process figures: import time, resident memory after init, memory per queued span.

    PYTHONPATH=build/python PTX_EMULATOR_BIN=build/emulator/ptx-emulator \\
        python3 bench/python/process.py [--smoke] [--runs N] [--out DIR]

- import time: wall time of `python -c "import pytracingx"` minus that of `python -c "pass"`,
  median of --runs (default 30) subprocess runs of each, interleaved; plus pytracingx's own
  cumulative figure from `-X importtime` (median too).
- RSS growth after init: VmRSS (from /proc/self/status) after `import pytracingx`, then after
  `ptx.init` with all four sink kinds (TraceSink over gRPC, MetricSink, OtlpLogSink, SlsLogSink)
  pointing at a running ptx-emulator, after one span, one measurement and one log record of
  each kind and a force_flush (so channels, threads and buffers exist). Also the private part of
  that growth (Private_Clean + Private_Dirty from /proc/self/smaps_rollup): RSS counts the code
  pages of the shared libraries that exporting touches, which the kernel shares between processes.
- memory per queued span: RSS growth while 100,000 ended spans (1 and 10 attributes) sit in a
  queue that never exports inside the measurement (schedule delay one hour), divided by the count.

A markdown table goes to stdout; --out DIR also writes DIR/process.md and DIR/process.json.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from emulator_proc import EmulatorProcess, default_binary  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))

RSS_SNIPPET = """
def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def private_kib():
    # Private_Clean + Private_Dirty: pages no other process shares (USS). RSS also counts the
    # shared libraries' code pages, which every process mapping them shares.
    total = 0
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total
"""

INIT_APP = RSS_SNIPPET + """
import gc, json, sys
spec = json.loads(sys.argv[1])
import pytracingx as ptx
gc.collect()
before, before_private = rss_kib(), private_kib()
ptx.init(ptx.Config("process-bench", console_output=False, sinks=[
    ptx.TraceSink(spec["grpc"], protocol="grpc"),
    ptx.MetricSink(spec["grpc"], protocol="grpc"),
    ptx.OtlpLogSink(spec["grpc"], protocol="grpc"),
    ptx.SlsLogSink(spec["sls"], "bench", "process", "bench-ak", "bench-secret"),
]))
with ptx.start_span("warm-up", attributes={"k": 1}):
    ptx.get_meter("bench").counter("c").add(1, {"k": "v"})
    ptx.get_logger("bench").info("warm-up", attributes={"k": 1})
flushed = ptx.force_flush(30000)
after, after_private = rss_kib(), private_kib()
stats = ptx.stats()
ptx.shutdown()
print(json.dumps({"rss_after_import_kib": before, "rss_after_init_kib": after,
                  "private_after_import_kib": before_private, "private_after_init_kib": after_private,
                  "flushed": flushed,
                  "exported": [p["exported"] for p in stats["traces"] + stats["logs"]]}))
"""

QUEUE_APP = RSS_SNIPPET + """
import gc, json, sys
spec = json.loads(sys.argv[1])
import pytracingx as ptx
n = spec["count"]
ptx.init(ptx.Config("process-bench", console_output=False, sinks=[
    ptx.TraceSink(spec["grpc"], protocol="grpc", sampler="always_on", batch_max_queue=n + 1024,
                  batch_max_export=n + 1024, batch_schedule_delay_ms=3600000)]))
attrs = {1: {"http.route": "/api/orders/{id}"},
         10: {"http.route": "/api/orders/{id}", "http.request.method": "GET", "url.path": "/api/orders/184467",
              "url.scheme": "https", "server.address": "shop.example.com", "server.port": 443,
              "http.response.status_code": 200, "network.protocol.version": "1.1",
              "client.address": "10.42.7.19", "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)"}}[spec["attrs"]]
with ptx.start_span("warm-up", attributes=attrs):
    pass
ptx.force_flush(30000)
gc.collect()
before = rss_kib()
for _ in range(n):
    with ptx.start_span("GET /api/orders/{id}", attributes=attrs):
        pass
gc.collect()
after = rss_kib()
s = ptx.stats()["traces"][0]
ptx.shutdown(5000)
print(json.dumps({"rss_before_kib": before, "rss_after_kib": after, "queued": s["queued"], "dropped": s["dropped"],
                  "exported_during": s["exported"] - 1,
                  "bytes_per_span": (after - before) * 1024 / n}))
"""


def timed_run(args, env):
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def importtime_us(env):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import pytracingx"], env=env,
                          capture_output=True, text=True, check=True)
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s?(\s*)pytracingx$", line)
        if m and m.group(3) == "":
            return int(m.group(2))
    return None


def run_app(source, spec, env):
    proc = subprocess.run([sys.executable, "-c", source, json.dumps(spec)], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError("process app failed:\n" + proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="few runs (CI: checks it works)")
    ap.add_argument("--runs", type=int, default=30, help="subprocess runs per import figure (default 30)")
    ap.add_argument("--out", help="also write DIR/process.md and DIR/process.json")
    args = ap.parse_args()
    runs = 3 if args.smoke else args.runs
    count = 10_000 if args.smoke else 100_000
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}

    bare, imported, own = [], [], []
    timed_run(["-c", "import pytracingx"], env)  # warm the page cache
    for _ in range(runs):
        bare.append(timed_run(["-c", "pass"], env))
        imported.append(timed_run(["-c", "import pytracingx"], env))
        own.append(importtime_us(env))
    import_ms = (statistics.median(imported) - statistics.median(bare)) * 1000
    own_ms = statistics.median([x for x in own if x is not None]) / 1000 if any(own) else float("nan")
    print("import: bare %.1f ms, with pytracingx %.1f ms, -X importtime %.1f ms"
          % (statistics.median(bare) * 1000, statistics.median(imported) * 1000, own_ms), file=sys.stderr)

    with EmulatorProcess(default_binary(ROOT)) as emu:
        spec = {"grpc": emu.grpc_endpoint, "sls": emu.sls_endpoint}
        init = run_app(INIT_APP, spec, env)
        queue = {n: run_app(QUEUE_APP, dict(spec, count=count, attrs=n), env) for n in (1, 10)}
    growth_mib = (init["rss_after_init_kib"] - init["rss_after_import_kib"]) / 1024
    private_growth_mib = (init["private_after_init_kib"] - init["private_after_import_kib"]) / 1024

    rows = [
        ("`import pytracingx` above a bare interpreter (median of %d runs)" % runs, "%.1f ms" % import_ms),
        ("bare interpreter / with `import pytracingx`",
         "%.1f / %.1f ms" % (statistics.median(bare) * 1000, statistics.median(imported) * 1000)),
        ("`-X importtime`, pytracingx cumulative (median)", "%.1f ms" % own_ms),
        ("RSS after `import pytracingx`", "%.1f MiB" % (init["rss_after_import_kib"] / 1024)),
        ("RSS growth after `init` with 4 sinks (TraceSink gRPC, MetricSink, OtlpLogSink, SlsLogSink)",
         "%.1f MiB" % growth_mib),
        ("of which private to the process (USS growth; the rest is shared libraries' code)",
         "%.1f MiB" % private_growth_mib),
        ("memory per queued span, 1 attribute (%s spans)" % "{:,}".format(count),
         "%.0f bytes" % queue[1]["bytes_per_span"]),
        ("memory per queued span, 10 attributes", "%.0f bytes" % queue[10]["bytes_per_span"]),
    ]
    table = "\n".join(["| process figure | value |", "|---|---:|"] + ["| %s | %s |" % r for r in rows])
    print(table)
    ok = init["flushed"] and all(q["dropped"] == 0 and q["queued"] >= count and q["exported_during"] == 0 for q in queue.values())
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "process.md"), "w") as f:
            f.write(table + "\n")
        with open(os.path.join(args.out, "process.json"), "w") as f:
            json.dump({"runs": runs, "bare_s": bare, "import_s": imported, "importtime_us": own,
                       "import_ms": import_ms, "init": init, "rss_growth_mib": growth_mib,
                       "private_growth_mib": private_growth_mib,
                       "queued": {str(k): v for k, v in queue.items()}, "ok": ok}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
