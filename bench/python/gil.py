#!/usr/bin/env python3
"""Proof that pytracingx's native threads never take the GIL.

    PYTHONPATH=build/python PTX_EMULATOR_BIN=build/emulator/ptx-emulator \\
        python3 bench/python/gil.py [--smoke] [--out DIR]

Two experiments, each in a fresh interpreter exporting spans over OTLP gRPC into ptx-emulator:

1. GIL held by the main thread. The queue is filled with the export worker idle (schedule delay
   one hour, queue never half full), a flusher thread calls force_flush (which releases the GIL
   while it waits) and, once the first batch is out, the main thread runs
   `sum(itertools.repeat(1, N))`, one call into C that never reaches the bytecode loop and so
   never releases the GIL, for about a second. A Python "ticker" thread that wakes every
   millisecond shows it: no tick lands inside the window. Export progress inside that window
   (ptx.stats() exported before and after) proves the native threads did their work without the
   GIL; a single PyGILState_Ensure on an export thread would have stalled the pipeline until
   the window ended.

2. A pure-Python CPU loop next to a draining pipeline. The queue is filled with the worker idle
   (schedule delay one hour), then a Python thread counts loop iterations for a fixed time,
   once with the pipeline idle (baseline) and once while force_flush drains the queue (the
   main thread waits in force_flush, which releases the GIL). The loop thread's scheduler
   statistics (/proc/self/task/TID/schedstat) split its wall time into running, waiting for a
   CPU (runqueue) and blocked. Waiting for the GIL is blocking (a futex wait), so blocked time
   near zero means the loop never waited for the GIL; what it lost went to CPU contention, and
   is compared with the CPU the export threads (and the emulator, on the same machine) used.

Progress goes to stderr, a markdown table to stdout; --out DIR also writes DIR/gil.md and
DIR/gil.json. Exit status 1 when the pipeline made no progress while the GIL was held, when the ticker's
longest gap covers less than 80 % of that window, or when the loop thread was blocked for more
than 5 % of its window.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from emulator_proc import EmulatorProcess, default_binary  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def thread_cpu(tid, pid="self"):
    """CPU seconds one thread has run (schedstat: nanosecond resolution, unlike stat's ticks)."""
    try:
        with open("/proc/%s/task/%d/schedstat" % (pid, tid)) as f:
            return int(f.read().split()[0]) / 1e9
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def process_cpu(pid):
    """CPU seconds every live thread of process `pid` has run."""
    return sum(thread_cpu(int(t), pid) for t in os.listdir("/proc/%d/task" % pid))


def schedstat(tid):
    """(running ns, runqueue-wait ns) of one thread."""
    with open("/proc/self/task/%d/schedstat" % tid) as f:
        run, wait, _ = f.read().split()
    return int(run), int(wait)


def native_threads(python_tids):
    return [int(t) for t in os.listdir("/proc/self/task") if int(t) not in python_tids]


def native_cpu(python_tids):
    return sum(thread_cpu(t) for t in native_threads(python_tids))


def init(ptx, endpoint, queue, delay_ms, batch=512):
    ptx.init(ptx.Config("gil-bench", console_output=False, sinks=[
        ptx.TraceSink(endpoint, protocol="grpc", sampler="always_on", batch_max_queue=queue,
                      batch_max_export=batch, batch_schedule_delay_ms=delay_ms)]))


def fill(ptx, n):
    start_span, attrs = ptx.start_span, {"http.route": "/api/orders/{id}"}
    for _ in range(n):
        with start_span("GET /api/orders/{id}", attributes=attrs):
            pass


def worker_held(spec):
    """Experiment 1: export progress while the main thread holds the GIL."""
    import itertools
    import pytracingx as ptx

    # The worker stays idle (schedule delay one hour, queue never half full) until a
    # flusher thread's force_flush starts the drain, so a backlog is certain during the window.
    init(ptx, spec["endpoint"], spec["count"] * 4, 3_600_000)
    # Calibrate the C loop: about `window` seconds of sum() over a repeat iterator.
    t = time.perf_counter()
    sum(itertools.repeat(1, 2_000_000))
    per_item = (time.perf_counter() - t) / 2_000_000
    n = int(spec["window"] / per_item)

    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    fill(ptx, spec["count"])
    flusher = threading.Thread(target=ptx.force_flush, args=(120000,))
    tk = threading.Thread(target=ticker)
    tk.start()
    flusher.start()
    # The flusher enters force_flush (which releases the GIL while it waits) and the drain starts.
    deadline = time.monotonic() + 30
    while ptx.stats()["traces"][0]["exported"] == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    s0 = ptx.stats()["traces"][0]
    t0 = time.perf_counter()
    sum(itertools.repeat(1, n))  # the GIL stays with this thread for the whole call
    t1 = time.perf_counter()
    s1 = ptx.stats()["traces"][0]
    stop.set()
    tk.join()
    flusher.join()
    # A thread switch can still happen in the few bytecodes between perf_counter() and sum();
    # the ticker then runs for microseconds. The interior (1 ms margins) must be tick-free.
    inside = [x for x in ticks if t0 + 0.001 < x < t1 - 0.001]
    around = [x for x in ticks if x <= t0][-1:] + [x for x in ticks if t0 < x < t1] + [x for x in ticks if x >= t1][:1]
    longest_gap = max((b - a for a, b in zip(around, around[1:])), default=0.0)
    s2 = ptx.stats()["traces"][0]
    ptx.shutdown()
    print(json.dumps({
        "window_s": t1 - t0, "ticks_inside": len(inside), "longest_ticker_gap_s": longest_gap,
        "exported_before": s0["exported"], "exported_after": s1["exported"],
        "exported_during": s1["exported"] - s0["exported"],
        "sent": spec["count"], "dropped": s2["dropped"], "exported_total": s2["exported"],
    }))


def worker_loop(spec):
    """Experiment 2: a pure-Python loop's progress, idle pipeline vs draining pipeline."""
    import pytracingx as ptx

    init(ptx, spec["endpoint"], spec["count"] * 4, 3_600_000)
    window = spec["window"]
    result = {}

    def loop(key, go):
        go.wait()  # blocked here, before the measurement, while the main thread reads /proc
        tid = threading.get_native_id()
        r0, w0 = schedstat(tid)
        c0 = time.thread_time()
        t0 = time.perf_counter()
        n = 0
        end = t0 + window
        while True:
            for _ in range(1000):
                n += 1
            if time.perf_counter() >= end:
                break
        t1 = time.perf_counter()
        r1, w1 = schedstat(tid)
        wall = t1 - t0
        run, wait = (r1 - r0) / 1e9, (w1 - w0) / 1e9
        result[key] = {"iterations": n, "wall_s": wall, "thread_cpu_s": time.thread_time() - c0,
                       "running_s": run, "runqueue_s": wait, "blocked_s": max(0.0, wall - run - wait),
                       "iter_per_s": n / wall}

    main_tid = threading.get_native_id()

    def measured(key, during):
        go = threading.Event()
        th = threading.Thread(target=loop, args=(key, go))
        py_tids = {main_tid}
        cpu0 = None
        th.start()
        while th.native_id is None:
            time.sleep(0.001)
        py_tids.add(th.native_id)
        cpu0 = native_cpu(py_tids)
        e0 = process_cpu(spec["emulator_pid"])
        # From here the main thread runs no Python until the loop ends: it waits in force_flush
        # or join, both without the GIL, so the loop thread competes with native threads only.
        go.set()
        if during:
            t = time.perf_counter()
            flushed = ptx.force_flush(120000)  # releases the GIL while the worker drains
            result["drain_s"] = time.perf_counter() - t
            result["flushed"] = flushed
        th.join()
        e1 = process_cpu(spec["emulator_pid"])
        result[key]["native_threads_cpu_s"] = native_cpu(py_tids) - cpu0
        result[key]["emulator_cpu_s"] = e1 - e0

    measured("idle", False)
    fill(ptx, spec["count"])
    measured("exporting", True)
    s = ptx.stats()["traces"][0]
    ptx.shutdown()
    result.update(sent=spec["count"], exported=s["exported"], dropped=s["dropped"], cpus=os.cpu_count())
    print(json.dumps(result))


def run_worker(mode, spec):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", mode, json.dumps(spec)],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError("gil worker failed:\n" + proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        spec = json.loads(sys.argv[3])
        (worker_held if sys.argv[2] == "held" else worker_loop)(spec)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="short windows (CI: checks it works)")
    ap.add_argument("--out", help="also write DIR/gil.md and DIR/gil.json")
    args = ap.parse_args()
    count = 20_000 if args.smoke else 300_000
    window = 0.2 if args.smoke else 1.0

    with EmulatorProcess(default_binary(ROOT), ["--max-spans", "100000"]) as emu:
        emu.reset()
        held = run_worker("held", {"endpoint": emu.grpc_endpoint, "count": count, "window": window})
        print("GIL held %.3f s: exported %d spans meanwhile, ticker longest gap %.3f s, %d ticks inside"
              % (held["window_s"], held["exported_during"], held["longest_ticker_gap_s"], held["ticks_inside"]),
              file=sys.stderr)
        emu.reset()
        loop = run_worker("loop", {"endpoint": emu.grpc_endpoint, "count": count, "window": window,
                                   "emulator_pid": emu.proc.pid})
        received = emu.stats()["traces"]["items"]
    idle, busy = loop["idle"], loop["exporting"]
    print("loop idle %.0f it/s, exporting %.0f it/s; blocked %.4f s of %.3f s"
          % (idle["iter_per_s"], busy["iter_per_s"], busy["blocked_s"], busy["wall_s"]), file=sys.stderr)

    loss = 1 - busy["iter_per_s"] / idle["iter_per_s"]
    held_rate = held["exported_during"] / held["window_s"] if held["window_s"] else 0.0
    rows = [
        ("GIL held by the main thread (one C call)", "%.3f s" % held["window_s"]),
        ("Python ticker thread: ticks inside the window / longest gap",
         "%d / %.3f s" % (held["ticks_inside"], held["longest_ticker_gap_s"])),
        ("spans exported while the GIL was held", "{:,} ({:,.0f}/s)".format(held["exported_during"], held_rate)),
        ("pure-Python loop, pipeline idle", "{:,.0f} it/s".format(idle["iter_per_s"])),
        ("pure-Python loop, pipeline draining %s spans" % "{:,}".format(count),
         "{:,.0f} it/s ({:+.1%})".format(busy["iter_per_s"], -loss)),
        ("loop thread while draining: running / waiting for a CPU / blocked",
         "%.3f / %.3f / %.4f s of %.3f s" % (busy["running_s"], busy["runqueue_s"], busy["blocked_s"], busy["wall_s"])),
        ("CPU of the native threads / of the emulator in that window",
         "%.3f / %.3f s (%d CPUs)" % (busy["native_threads_cpu_s"], busy["emulator_cpu_s"], loop["cpus"])),
        ("loop time lost vs CPU the export threads (+ emulator) took",
         "%.3f s lost vs %.3f s (+ %.3f s)" % (loss * busy["wall_s"], busy["native_threads_cpu_s"],
                                              busy["emulator_cpu_s"])),
    ]
    table = "\n".join(["| GIL check | result |", "|---|---|"] + ["| %s | %s |" % r for r in rows])
    print(table)
    # On a loaded machine the OS may preempt the main thread between perf_counter() and sum(),
    # long enough for the ticker to get the GIL at a bytecode boundary: the proof is the gap.
    ok = (held["exported_during"] > 0 and held["longest_ticker_gap_s"] >= 0.8 * held["window_s"]
          and busy["blocked_s"] <= 0.05 * busy["wall_s"]
          and held["dropped"] == 0 and loop["dropped"] == 0 and received == count)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "gil.md"), "w") as f:
            f.write(table + "\n")
        with open(os.path.join(args.out, "gil.json"), "w") as f:
            json.dump({"held": held, "loop": loop, "emulator_received_loop_run": received, "ok": ok}, f, indent=1)
    if not ok:
        print("GIL check FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
