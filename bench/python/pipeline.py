#!/usr/bin/env python3
"""End to end: spans/s and log records/s the pytracingx pipeline delivers into a running
ptx-emulator, with zero drops.

    PYTHONPATH=build/python PTX_EMULATOR_BIN=build/emulator/ptx-emulator \\
        python3 bench/python/pipeline.py [--smoke] [--duration S] [--out DIR]

Cases: spans over OTLP gRPC, spans over OTLP/HTTP with gzip, log records over OTLP gRPC, over
OTLP/HTTP with gzip and over SLS PutLogs with lz4. Every run is a fresh interpreter (ptx.init
runs once per process) with one sink pointing at one shared emulator, reset before each run.

Two figures per case:
- sustained: a Python thread produces at an offered rate (paced in 2 ms chunks; "max" is
  unpaced) for --duration seconds while the pipeline exports concurrently, then force_flush.
  The rate ladder climbs until a run drops anything or the producer cannot go faster; the
  result is the highest delivered rate (items / (first item .. flush done)) of a run with zero
  drops. A run counts as zero-drop only when ptx.stats() reports dropped == 0 and
  export_failures == 0 and the emulator's /api/stats counted exactly the items sent.
- drain: the queue is filled first with nothing exported (schedule delay one hour, queue larger
  than the run), then force_flush is timed: the export side's own capacity (encode, compress,
  send, the emulator's decode and store), without the Python producer competing for the GIL
  and the CPUs.

Progress goes to stderr, a markdown table to stdout; --out DIR also writes DIR/pipeline.md and
DIR/pipeline.json. The exit status is 1 when no run of a case was drop-free.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from emulator_proc import EmulatorProcess, default_binary  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))

CASES = [
    # (name, kind, transport)
    ("spans, OTLP gRPC", "spans", "grpc"),
    ("spans, OTLP/HTTP gzip", "spans", "http-gzip"),
    ("logs, OTLP gRPC", "logs", "grpc"),
    ("logs, OTLP/HTTP gzip", "logs", "http-gzip"),
    ("logs, SLS lz4", "logs", "sls-lz4"),
]

# Offered rates (items/s) of the sustained ladder; 0 is unpaced (as fast as Python goes).
LADDER = [50_000, 100_000, 200_000, 300_000, 350_000, 400_000, 0]

# The emulator keeps only this many items per signal (older ones are evicted), so that its
# memory stays bounded; /api/stats counts every item received regardless.
EMULATOR_ARGS = ["--max-spans", "200000", "--max-logs", "200000", "--max-sls-logs", "200000"]

SLS_PROJECT, SLS_LOGSTORE = "bench", "pipeline"


# ---- worker: one run in a fresh interpreter -------------------------------------------------

def _sink(ptx, spec):
    """The run's one sink; queue/batch/delay None mean the sink's defaults."""
    kind, transport, ep = spec["kind"], spec["transport"], spec["endpoints"]
    tuning = {k: v for k, v in (("batch_max_queue", spec["queue"]), ("batch_max_export", spec["batch"]))
              if v is not None}
    if transport == "sls-lz4":
        tuning.pop("batch_max_export", None)
        if spec["delay_ms"] is not None:
            tuning["batch_linger_ms"] = spec["delay_ms"]
        return ptx.SlsLogSink(ep["sls"], SLS_PROJECT, SLS_LOGSTORE, "bench-ak", "bench-secret",
                              compression="lz4", **tuning)
    if spec["delay_ms"] is not None:
        tuning["batch_schedule_delay_ms"] = spec["delay_ms"]
    if transport == "grpc":
        proto = dict(endpoint=ep["grpc"], protocol="grpc")
    else:
        proto = dict(endpoint=ep["http"], protocol="http/protobuf", raw_otlp=ptx.RawOtlp(compression="gzip"))
    if kind == "spans":
        return ptx.TraceSink(sampler="always_on", **proto, **tuning)
    return ptx.OtlpLogSink(**proto, **tuning)


def worker(spec):
    import pytracingx as ptx

    ptx.init(ptx.Config("pipeline-bench", console_output=False, sinks=[_sink(ptx, spec)]))
    rate, duration, count = spec["rate"], spec["duration"], spec.get("count")
    if spec["kind"] == "spans":
        start_span, attrs = ptx.start_span, {"http.route": "/api/orders/{id}"}

        def produce(n):
            for _ in range(n):
                with start_span("GET /api/orders/{id}", attributes=attrs):
                    pass
    else:
        info, attrs = ptx.get_logger("shop.checkout").info, {"order.id": 12345, "user.tier": "gold"}

        def produce(n):
            for _ in range(n):
                info("order placed", attributes=attrs)

    chunk = max(64, int(rate * 0.002)) if rate else 1024
    sent = 0
    cpu0 = os.times()
    t0 = time.perf_counter()
    if count:  # drain mode: fill the queue, then time the flush alone
        produce(count)
        sent = count
        t0 = time.perf_counter()
    else:
        end = t0 + duration
        while True:
            produce(chunk)
            sent += chunk
            now = time.perf_counter()
            if now >= end:
                break
            if rate:
                ahead = t0 + sent / rate - now
                if ahead > 0:
                    time.sleep(ahead)
    t_produced = time.perf_counter()
    flushed = ptx.force_flush(120000)
    t_done = time.perf_counter()
    cpu1 = os.times()
    stats = ptx.stats()
    pipe = (stats["traces"] if spec["kind"] == "spans" else stats["logs"])[0]
    ptx.shutdown()
    print(json.dumps({
        "sent": sent, "produce_s": t_produced - t0, "total_s": t_done - t0, "flushed": flushed,
        "dropped": pipe["dropped"], "exported": pipe["exported"], "export_failures": pipe["export_failures"],
        "process_cpu_s": (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system),
    }))


# ---- driver ---------------------------------------------------------------------------------

def received(emu, kind, transport):
    s = emu.stats()
    if transport == "sls-lz4":
        return s["sls"]["logs"]
    return s["traces" if kind == "spans" else "logs"]["items"]


def run_one(emu, kind, transport, rate, duration, queue, batch, delay_ms, count=None):
    emu.reset()
    spec = {"kind": kind, "transport": transport, "rate": rate, "duration": duration, "count": count,
            "queue": queue, "batch": batch, "delay_ms": delay_ms,
            "endpoints": {"grpc": emu.grpc_endpoint, "http": emu.http_base, "sls": emu.sls_endpoint}}
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    emu_cpu0 = emu.cpu_seconds()
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError("pipeline worker failed:\n" + proc.stderr[-3000:])
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    # force_flush returned once every export was answered, so the counts are final; poll briefly
    # anyway in case the emulator updates its counters after replying.
    deadline = time.monotonic() + 10
    got = received(emu, kind, transport)
    while got < r["exported"] and time.monotonic() < deadline:
        time.sleep(0.05)
        got = received(emu, kind, transport)
    r.update(received=got, emulator_cpu_s=emu.cpu_seconds() - emu_cpu0, offered=rate,
             queue=queue, batch=batch, delay_ms=delay_ms)
    r["zero_drop"] = bool(r["flushed"] and r["dropped"] == 0 and r["export_failures"] == 0
                          and got == r["sent"])
    r["produced_per_s"] = r["sent"] / r["produce_s"] if r["produce_s"] > 0 else 0.0
    r["delivered_per_s"] = r["sent"] / r["total_s"] if r["total_s"] > 0 else 0.0
    return r


def fmt_rate(v):
    return "max" if v == 0 else "{:,}".format(int(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--smoke", action="store_true", help="one short run per case (CI: checks it works)")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per sustained run (default 3)")
    ap.add_argument("--queue", type=int, default=65536, help="batch_max_queue of the sustained runs")
    ap.add_argument("--out", help="also write DIR/pipeline.md and DIR/pipeline.json")
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0

    ladder = [20_000] if args.smoke else LADDER
    duration = 0.3 if args.smoke else args.duration
    drain_count = 20_000 if args.smoke else 300_000
    results = []
    with EmulatorProcess(default_binary(ROOT), EMULATOR_ARGS) as emu:
        for name, kind, transport in CASES:
            runs = []
            pending = list(ladder)
            while pending:
                rate = pending.pop(0)
                r = run_one(emu, kind, transport, rate, duration, args.queue, 512, 100)
                runs.append(r)
                print("%-24s offered %-9s produced %9.0f/s delivered %9.0f/s dropped %d received %d/%d"
                      % (name, fmt_rate(rate), r["produced_per_s"], r["delivered_per_s"], r["dropped"],
                         r["received"], r["sent"]), file=sys.stderr)
                if not r["zero_drop"]:
                    break
                # The producer could not keep up with this offered rate: only the unpaced run is left.
                if rate and r["produced_per_s"] < 0.9 * rate:
                    pending = [x for x in pending if x == 0]
            # The sink's defaults (queue 2048, or 4096 for SLS) at full speed: do they drop?
            default_q = run_one(emu, kind, transport, 0, duration, None, None, None)
            print("%-24s default settings, max: delivered %9.0f/s dropped %d"
                  % (name, default_q["delivered_per_s"], default_q["dropped"]), file=sys.stderr)
            drain = run_one(emu, kind, transport, 0, 0, drain_count * 4, 512, 3_600_000, count=drain_count)
            print("%-24s drain of %d: %9.0f/s" % (name, drain_count, drain["delivered_per_s"]), file=sys.stderr)
            ok = [r for r in runs if r["zero_drop"]]
            best = max(ok, key=lambda r: r["delivered_per_s"]) if ok else None
            results.append({"case": name, "kind": kind, "transport": transport, "runs": runs,
                            "best": best, "default_queue": default_q, "drain": drain})

    lines = ["| case | highest zero-drop delivered /s | at offered | producer /s | first dropping offered rate "
             "| sink defaults, max rate: delivered /s, dropped | drain (export only) /s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        best = res["best"]
        dropping = next((r for r in res["runs"] if not r["zero_drop"]), None)
        dq = res["default_queue"]
        lines.append("| %s | %s | %s | %s | %s | %s, %d | %s |" % (
            res["case"],
            "{:,.0f}".format(best["delivered_per_s"]) if best else "none",
            fmt_rate(best["offered"]) if best else "-",
            "{:,.0f}".format(best["produced_per_s"]) if best else "-",
            fmt_rate(dropping["offered"]) if dropping else "none up to max",
            "{:,.0f}".format(dq["delivered_per_s"]), dq["dropped"],
            "{:,.0f}".format(res["drain"]["delivered_per_s"]) if res["drain"]["zero_drop"] else "dropped"))
    table = "\n".join(lines)
    note = ("Sustained runs: %.1f s each, batch_max_queue=%d, batch_max_export=512, schedule delay / linger "
            "100 ms, 1 attribute per span, 2 per log record; sink defaults: queue 2,048 (SLS 4,096), delay 5 s "
            "(logs 1 s, SLS linger 2 s); drain: %d items queued, then force_flush timed."
            % (duration, args.queue, drain_count))
    print(table)
    print()
    print(note)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "pipeline.md"), "w") as f:
            f.write(table + "\n\n" + note + "\n")
        with open(os.path.join(args.out, "pipeline.json"), "w") as f:
            json.dump({"duration_s": duration, "queue": args.queue, "results": results}, f, indent=1)
    return 0 if all(res["best"] for res in results) else 1


if __name__ == "__main__":
    sys.exit(main())
