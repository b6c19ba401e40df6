#!/usr/bin/env python3
"""pytracingx vs the OpenTelemetry Python SDK, side by side in one process.

    PYTHONPATH=build/python python bench/python/compare.py [--quick] [--clock cpu] [--out DIR]

Both SDKs are set up in the same interpreter and run the same workload, alternating per repeat.
Each figure is the median over the repeats of (elapsed time / operations), measured around a
plain `for` loop (the loop itself is included, equally for both) with time.perf_counter_ns, or
with the process CPU time (time.process_time_ns) under --clock cpu. Each case also runs on 8
threads at once (one pool of long-lived threads, reused by every run, as in a server); its figure
is the time over the operations of all threads, so that it equals the single-thread figure when
contention costs nothing. The table ends with the targets of
issue 6 and whether this run met them.
The OpenTelemetry SDK (`pip install opentelemetry-sdk`) is needed by this script only; it is not
a dependency of pytracingx. See bench/README.md, section "Python: pytracingx vs opentelemetry-sdk".
"""
import argparse
import gc
import json
import logging
import os
import platform
import socket
import statistics
import sys
import threading
import time
import warnings
from importlib import metadata

import pytracingx as ptx
import pytracingx.logging as ptx_logging

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry._logs import SeverityNumber

try:  # opentelemetry-sdk >= 1.39 renamed the base class; keep older releases working
    from opentelemetry.sdk._logs.export import LogRecordExporter as _LogExporterBase
    from opentelemetry.sdk._logs.export import LogRecordExportResult as _LogExportResult
except ImportError:  # pragma: no cover
    from opentelemetry.sdk._logs.export import LogExporter as _LogExporterBase
    from opentelemetry.sdk._logs.export import LogExportResult as _LogExportResult

HOUR_MS = 3_600_000

# The clock of every timed region: wall time by default; --clock cpu takes the CPU time of the
# whole process instead (all threads), which a busy machine disturbs far less.
now = time.perf_counter_ns
THREADS = 8

ATTRS_1 = {"http.request.method": "GET"}
ATTRS_10 = {
    "http.request.method": "GET",
    "http.route": "/api/v1/orders/{id}",
    "http.response.status_code": 200,
    "url.scheme": "https",
    "url.path": "/api/v1/orders/12345",
    "server.address": "shop.example.com",
    "server.port": 443,
    "client.address": "10.1.2.3",
    "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) bench",
    "network.protocol.version": "1.1",
}
LOG_ATTRS_2 = {"order.id": 12345, "customer.tier": "gold"}


# --------------------------------------------------------------------------- no-op exporters
class NoopSpanExporter(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass

    def force_flush(self, timeout_millis=30000):
        return True


class NoopMetricExporter(MetricExporter):
    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis=10_000):
        return True

    def shutdown(self, timeout_millis=30_000, **kwargs):
        pass


class NoopLogExporter(_LogExporterBase):
    def export(self, batch):
        return _LogExportResult.SUCCESS

    def shutdown(self):
        pass

    def force_flush(self, timeout_millis=30000):
        return True


# --------------------------------------------------------------------------- setup
def closed_local_port():
    """A local TCP port nothing listens on: bind an ephemeral port, then release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_pytracingx(queue):
    endpoint = "http://127.0.0.1:%d" % closed_local_port()
    common = dict(endpoint=endpoint, protocol="http/protobuf", timeout_ms=200)
    ptx.init(ptx.Config(
        service_name="bench",
        console_output=False,
        sinks=[
            ptx.TraceSink(sampler="always_on", batch_max_queue=queue, batch_max_export=queue,
                          batch_schedule_delay_ms=HOUR_MS, max_export_timeout_ms=500, **common),
            ptx.MetricSink(export_interval_ms=HOUR_MS, export_timeout_ms=500, **common),
            ptx.OtlpLogSink(batch_max_queue=queue, batch_max_export=queue,
                            batch_schedule_delay_ms=HOUR_MS, max_export_timeout_ms=500, **common),
        ],
    ))
    meter = ptx.get_meter("bench")
    std = logging.getLogger("bench.ptx")
    std.handlers[:] = [ptx_logging.SLSLoggingHandler()]
    std.setLevel(logging.INFO)
    std.propagate = False
    return {
        "start_span": ptx.start_span,
        "counter": meter.counter("bench.requests"),
        "histogram": meter.histogram("bench.duration", unit="ms"),
        "logger": ptx.get_logger("bench"),
        "stdlog": std,
        "flush": lambda: ptx.force_flush(2000),
        "sdk": "pytracingx",
    }


def setup_otel(queue):
    resource = Resource.create({"service.name": "bench"})
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(
        NoopSpanExporter(), max_queue_size=queue, max_export_batch_size=queue,
        schedule_delay_millis=HOUR_MS))
    reader = PeriodicExportingMetricReader(NoopMetricExporter(), export_interval_millis=HOUR_MS)
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(BatchLogRecordProcessor(
        NoopLogExporter(), max_queue_size=queue, max_export_batch_size=queue,
        schedule_delay_millis=HOUR_MS))
    tracer = tp.get_tracer("bench")
    meter = mp.get_meter("bench")
    std = logging.getLogger("bench.otel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # LoggingHandler moved to contrib
        std.handlers[:] = [LoggingHandler(logger_provider=lp)]
    std.setLevel(logging.INFO)
    std.propagate = False

    def flush():
        tp.force_flush(2000)
        lp.force_flush(2000)

    def shutdown():
        tp.shutdown()
        mp.shutdown()
        lp.shutdown()

    return {
        "start_span": tracer.start_as_current_span,
        "counter": meter.create_counter("bench.requests"),
        "histogram": meter.create_histogram("bench.duration", unit="ms"),
        "logger": lp.get_logger("bench"),
        "stdlog": std,
        "flush": flush,
        "sdk": "otel",
        "shutdown": shutdown,
    }


# --------------------------------------------------------------------------- workloads
# Each takes the SDK handles and an iteration count, runs the loop and returns elapsed ns.
def w_span_1(h, n):
    start_span, attrs = h["start_span"], ATTRS_1
    t0 = now()
    for _ in range(n):
        with start_span("GET /orders", attributes=attrs):
            pass
    return now() - t0


def w_span_10(h, n):
    start_span, attrs = h["start_span"], ATTRS_10
    t0 = now()
    for _ in range(n):
        with start_span("GET /orders", attributes=attrs):
            pass
    return now() - t0


def w_nested_3(h, n):
    start_span, attrs = h["start_span"], ATTRS_1
    t0 = now()
    for _ in range(n):
        with start_span("handler", attributes=attrs):
            with start_span("service", attributes=attrs):
                with start_span("db.query", attributes=attrs):
                    pass
    return now() - t0


def w_counter(h, n):
    add, attrs = h["counter"].add, ATTRS_1
    t0 = now()
    for _ in range(n):
        add(1, attrs)
    return now() - t0


def w_histogram(h, n):
    record, attrs = h["histogram"].record, ATTRS_1
    t0 = now()
    for i in range(n):
        record(i & 1023, attrs)
    return now() - t0


def w_log_ptx(h, n):
    info, attrs = h["logger"].info, LOG_ATTRS_2
    t0 = now()
    for _ in range(n):
        info("order placed", attributes=attrs)
    return now() - t0


def w_log_otel(h, n):
    emit, attrs, sev = h["logger"].emit, LOG_ATTRS_2, SeverityNumber.INFO
    t0 = now()
    for _ in range(n):
        emit(severity_number=sev, severity_text="INFO", body="order placed", attributes=attrs)
    return now() - t0


def w_stdlog(h, n):
    info = h["stdlog"].info
    t0 = now()
    for _ in range(n):
        info("order %s placed", 12345)
    return now() - t0


class Crew:
    """THREADS long-lived threads that run one job together, then wait for the next: the shape
    of a server's thread pool. Every run of a case (warm-up and repeats, both SDKs) reuses the
    same threads, so the figures hold the steady-state cost of an operation, not the one-time
    cost of a new thread (its first ContextVar context, thread-local state, malloc arena)."""

    def __init__(self, size):
        self.size = size
        self.job = None
        self.windows = [(0, 0)] * size  # (start, end) ns of each thread's last job
        self.start = threading.Barrier(size + 1)
        self.done = threading.Barrier(size + 1)
        self.threads = [threading.Thread(target=self._serve, args=(i,), name="bench-%d" % i, daemon=True)
                        for i in range(size)]
        for t in self.threads:
            t.start()

    def _serve(self, index):
        while True:
            self.start.wait()
            job = self.job
            if job is None:
                return
            t0 = time.perf_counter_ns()
            job()
            self.windows[index] = (t0, time.perf_counter_ns())
            self.done.wait()

    def run(self, job):
        """Runs job() on every thread at once; returns the wall ns from the first thread's start
        to the last thread's end. Each thread clocks itself: whichever thread passes the start
        barrier last goes on holding the GIL, so the main thread's own clock would start late."""
        self.job = job
        self.start.wait()
        self.done.wait()
        return max(end for _, end in self.windows) - min(start for start, _ in self.windows)

    def close(self):
        self.job = None
        self.start.wait()
        for t in self.threads:
            t.join()


# One crew per SDK, made in main() before the first case. Separate threads keep each SDK's
# garbage out of the other's figures: glibc gives every thread its own malloc arena, and the
# small chunks the OpenTelemetry SDK's spans leave in a thread's arena (freed by its exporter
# thread) are consolidated by that thread's next large allocation, a cost of several ms that
# would land in whichever SDK ran next on the same threads.
CREWS = {}


def threaded(single):
    """Run `single` on the THREADS crew threads at once, n/THREADS iterations each.

    Returns ns scaled so that the caller's division by n gives the time per operation of all
    threads together (elapsed / (THREADS x per)). Under the GIL the threads take turns, so this
    is the throughput cost of an operation when 8 threads compete for the SDK: equal to the
    single-thread figure when contention adds nothing. Elapsed is wall time, or with
    --clock cpu the process CPU time over the same window.
    """
    def run(h, n):
        per = max(1, n // THREADS)
        c0 = now()
        wall = CREWS[h["sdk"]].run(lambda: single(h, per))
        elapsed = wall if now is time.perf_counter_ns else now() - c0
        return elapsed * n // (per * THREADS)
    return run


# (key, label, pytracingx workload, otel workload, spans per op, logs per op)
SINGLE_CASES = [
    ("span_1attr", "`with start_span` (1 attr)", w_span_1, w_span_1, 1, 0),
    ("span_10attr", "`with start_span` (10 attrs)", w_span_10, w_span_10, 1, 0),
    ("span_nested_3", "3 nested spans (1 attr each), per trio", w_nested_3, w_nested_3, 3, 0),
    ("counter_add", "`counter.add(1, {1 attr})`", w_counter, w_counter, 0, 0),
    ("histogram_record", "`histogram.record(v, {1 attr})`", w_histogram, w_histogram, 0, 0),
    ("log_2attr", "log with 2 attrs (ptx `logger.info` / OTel `Logger.emit`)", w_log_ptx, w_log_otel, 0, 1),
    ("stdlib_logging", "stdlib `logging.info` through the SDK handler", w_stdlog, w_stdlog, 0, 1),
]
CASES = SINGLE_CASES + [
    (key + "_8threads", label + ", %d threads" % THREADS, threaded(wp), threaded(wo), spans, logs)
    for key, label, wp, wo, spans, logs in SINGLE_CASES
]

# The targets of issue 6: (case, minimum ratio otel / pytracingx, maximum pytracingx ns/op).
TARGETS = [
    ("span_1attr", 20.0, 1000.0),
    ("counter_add", 10.0, 250.0),
    ("log_2attr", 20.0, 600.0),
]
MAX_THREAD_SLOWDOWN = 1.5  # 8-thread per-op cost / single-thread per-op cost


def check_targets(results):
    """One line per target: what was asked, what was measured, whether it holds."""
    by_key = {r["key"]: r for r in results}
    checks = []
    for key, min_ratio, max_ns in TARGETS:
        r = by_key.get(key)
        if r is None:
            continue
        checks.append({
            "target": "%s: >= %gx faster and < %g ns" % (key, min_ratio, max_ns),
            "measured": "%.1fx, %s ns" % (r["ratio"], fmt_ns(r["pytracingx_ns"])),
            "met": r["ratio"] >= min_ratio and r["pytracingx_ns"] < max_ns,
        })
    for key, _label, _wp, _wo, _s, _l in SINGLE_CASES:
        one, many = by_key.get(key), by_key.get(key + "_8threads")
        if one is None or many is None:
            continue
        slowdown = many["pytracingx_ns"] / one["pytracingx_ns"]
        checks.append({
            "target": "%s: %d threads <= %.1fx the single-thread cost" % (key, THREADS, MAX_THREAD_SLOWDOWN),
            "measured": "%.2fx" % slowdown,
            "met": slowdown <= MAX_THREAD_SLOWDOWN,
        })
    return checks


# --------------------------------------------------------------------------- environment
def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        usable = os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = None
    return {
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "pytracingx": getattr(ptx, "__version__", "?"),
        "opentelemetry-sdk": metadata.version("opentelemetry-sdk"),
        "nproc": usable,
        "cpu_model": model,
        "platform": platform.platform(),
        "loadavg_1min_at_start": load,
    }


def fmt_ns(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v


def render(results, info, args, checks=()):
    lines = [
        "| operation | pytracingx ns/op | opentelemetry-sdk ns/op | ratio otel / pytracingx |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append("| %s | %s | %s | %.2fx |" % (
            r["label"], fmt_ns(r["pytracingx_ns"]), fmt_ns(r["otel_ns"]), r["ratio"]))
    lines.append("")
    lines.append("%s, pytracingx %s, opentelemetry-sdk %s; %d CPUs (%s), load %.2f at start; "
                 "%d iterations x %d repeats, median, %s clock. %d-thread rows: time / operations "
                 "of all threads." % (
                     info["python"], info["pytracingx"], info["opentelemetry-sdk"], info["nproc"],
                     info["cpu_model"], info["loadavg_1min_at_start"] or 0.0,
                     args.iterations, args.repeats, args.clock, THREADS))
    if checks:
        lines += ["", "| target (issue 6) | measured | met |", "|---|---:|:---:|"]
        for c in checks:
            lines.append("| %s | %s | %s |" % (c["target"], c["measured"], "yes" if c["met"] else "**no**"))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 3000 iterations, 3 repeats")
    ap.add_argument("--iterations", type=int, default=None, help="operations per repeat (default 50000)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per case (default 7)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall: elapsed time (default); cpu: CPU time of the process, for a busy machine")
    ap.add_argument("--cases", metavar="KEY,...", help="run only these cases (keys as in the table's JSON)")
    ap.add_argument("--out", metavar="DIR", help="also write DIR/python_bench.md and DIR/python_bench.json")
    args = ap.parse_args()
    if args.iterations is None:
        args.iterations = 3000 if args.quick else 50_000
    if args.repeats is None:
        args.repeats = 3 if args.quick else 7
    n = args.iterations
    global now
    now = time.perf_counter_ns if args.clock == "wall" else time.process_time_ns

    # Queues hold everything one repeat of one case produces (3 spans per op at most, plus
    # headroom); both SDKs are flushed between repeats, outside the timed region.
    queue = max(4096, 4 * n)
    CREWS.update(pytracingx=Crew(THREADS), otel=Crew(THREADS))
    info = machine_info()
    p = setup_pytracingx(queue)
    o = setup_otel(queue)
    print("# pytracingx vs opentelemetry-sdk: %s, %d CPUs, %s" % (info["python"], info["nproc"], info["cpu_model"]),
          file=sys.stderr)

    results = []
    wall0 = time.monotonic()
    cases = CASES
    if args.cases:
        wanted = args.cases.split(",")
        unknown = sorted(set(wanted) - {case[0] for case in CASES})
        if unknown:
            ap.error("unknown case(s): %s" % ", ".join(unknown))
        cases = [case for case in CASES if case[0] in wanted]
    for key, label, wp, wo, _spans, _logs in cases:
        samples = {"pytracingx": [], "otel": []}
        # warm-up, untimed
        wp(p, max(1, n // 10))
        wo(o, max(1, n // 10))
        p["flush"]()
        o["flush"]()
        for rep in range(args.repeats):
            order = [("pytracingx", wp, p), ("otel", wo, o)]
            if rep % 2:
                order.reverse()  # alternate who runs first, so drift hits both alike
            for sdk, work, h in order:
                gc.collect()
                elapsed = work(h, n)
                samples[sdk].append(elapsed / n)
                h["flush"]()
        pm = statistics.median(samples["pytracingx"])
        om = statistics.median(samples["otel"])
        results.append({
            "key": key, "label": label,
            "pytracingx_ns": pm, "otel_ns": om, "ratio": om / pm if pm else float("nan"),
            "pytracingx_samples_ns": samples["pytracingx"], "otel_samples_ns": samples["otel"],
        })
        print("  %-30s ptx %8s  otel %8s  x%.2f" % (key, fmt_ns(pm), fmt_ns(om), om / pm), file=sys.stderr)

    stats = ptx.stats()
    dropped = sum(s.get("dropped", 0) for s in stats.get("traces", []) + stats.get("logs", []))
    dropped += stats.get("metrics", {}).get("dropped_measurements", 0)
    info["duration_s"] = round(time.monotonic() - wall0, 1)
    for crew in CREWS.values():
        crew.close()
    o["shutdown"]()
    ptx.shutdown(1000)

    checks = check_targets(results)
    table = render(results, info, args, checks)
    print(table)
    if dropped:
        print("\nWARNING: pytracingx dropped %d items: its figures include the cheaper drop path." % dropped)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "python_bench.md"), "w") as f:
            f.write("# pytracingx vs opentelemetry-sdk (Python)\n\n" + table + "\n")
        with open(os.path.join(args.out, "python_bench.json"), "w") as f:
            json.dump({"machine": info, "iterations": n, "repeats": args.repeats, "threads": THREADS, "clock": args.clock,
                       "pytracingx_dropped": dropped, "pytracingx_stats": stats, "results": results,
                       "targets": checks},
                      f, indent=2)
    return 1 if dropped else 0


if __name__ == "__main__":
    sys.exit(main())
