#!/usr/bin/env python3
"""Runs every benchmark and writes bench/results/: results.md, results.png and each part's raw data.

    python3 bench/run.py                # build if needed, full run (~10 min on 2 CPUs)
    python3 bench/run.py --smoke        # everything minimally (CI: checks that it works, ~1 min)
    python3 bench/run.py --no-build --build-dir build-lead --out /tmp/results

Parts, in order: the native suite (bench_native, JSON), pytracingx vs opentelemetry-sdk
(bench/python/compare.py), the end-to-end pipeline into ptx-emulator (pipeline.py), the GIL
proof (gil.py) and the process figures (process.py). Each Python part runs against
BUILD/python and BUILD/emulator/ptx-emulator. The benchmark-only Python packages
(opentelemetry-sdk, matplotlib) are installed with pip when missing, unless --no-install;
they are never dependencies of pytracingx. Do not build or run anything else meanwhile:
the figures are timings.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
BENCH_PIP = {"opentelemetry.sdk": "opentelemetry-sdk", "matplotlib": "matplotlib"}


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def ensure_packages(install):
    missing = []
    for module, package in BENCH_PIP.items():
        if subprocess.run([PY, "-c", "import " + module], capture_output=True).returncode != 0:
            missing.append(package)
    if missing and install:
        log("installing the benchmark-only packages: " + " ".join(missing))
        subprocess.run([PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *missing], check=True)
    elif missing:
        raise SystemExit("missing Python packages (run without --no-install, or pip install): " + " ".join(missing))


def build(build_dir):
    env = dict(os.environ, PTX_BUILD_DIR=os.path.relpath(build_dir, ROOT))
    log("building into " + build_dir)
    subprocess.run(["bash", os.path.join(ROOT, "ci", "build.sh")], cwd=ROOT, env=env, check=True)


def machine(build_dir):
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    from importlib import metadata
    for pkg in ("opentelemetry-sdk", "matplotlib"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    ptx_version = subprocess.run([PY, "-c", "import pytracingx; print(pytracingx.__version__)"],
                                 env=py_env(build_dir), capture_output=True, text=True).stdout.strip() or "?"
    gcc = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cpu_model": model,
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "compiler": gcc[0] if gcc else "?",
        "pytracingx": ptx_version,
        **versions,
        "loadavg_at_start": os.getloadavg(),
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def py_env(build_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PYTHONPATH"] = os.path.join(build_dir, "python") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PTX_EMULATOR_BIN"] = os.path.join(build_dir, "emulator", "ptx-emulator")
    return env


def run_python_part(name, script_args, build_dir, failures):
    log("running " + name)
    t = time.monotonic()
    proc = subprocess.run([PY, *script_args], env=py_env(build_dir), stdout=subprocess.DEVNULL)
    log("%s: exit %d after %.0f s" % (name, proc.returncode, time.monotonic() - t))
    if proc.returncode != 0:
        failures.append("%s exited with %d" % (name, proc.returncode))


# ---- native -----------------------------------------------------------------------------------

def run_native(build_dir, out, smoke, failures):
    binary = os.path.join(build_dir, "bench", "bench_native")
    path = os.path.join(out, "native.json")
    args = [binary, "--benchmark_out=" + path, "--benchmark_out_format=json", "--benchmark_format=console"]
    if smoke:
        args.append("--benchmark_min_time=0.001")
    log("running bench_native")
    t = time.monotonic()
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log("bench_native: exit %d after %.0f s" % (proc.returncode, time.monotonic() - t))
    if proc.returncode != 0 or "ERROR OCCURRED" in proc.stdout:
        failures.append("bench_native failed or reported an error")
    with open(path) as f:
        data = json.load(f)
    return data


def fmt_time(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f µs" % (ns / 1e3)
    return "%.1f ns" % ns


def native_table(data):
    lines = ["| benchmark | time | CPU | throughput | extra |", "|---|---:|---:|---:|---|"]
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        thr = ""
        if "bytes_per_second" in b:
            thr = "%.0f MB/s" % (b["bytes_per_second"] / 1e6)
        elif "items_per_second" in b:
            thr = "{:,.0f} /s".format(b["items_per_second"])
        extra = ", ".join("%s=%.3g" % (k, b[k]) for k in ("ratio", "body_bytes") if k in b)
        lines.append("| `%s` | %s | %s | %s | %s |" % (
            b["name"], fmt_time(b["real_time"] * scale), fmt_time(b["cpu_time"] * scale), thr, extra))
    return "\n".join(lines)


# ---- chart ------------------------------------------------------------------------------------

def chart(out, native, python_json, pipeline_json):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [p for p in (python_json, pipeline_json, native) if p]
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(6.5 * max(1, len(panels)), 5.5))
    if not isinstance(axes, (list, tuple)) and not hasattr(axes, "__len__"):
        axes = [axes]
    i = 0
    if python_json:
        ax = axes[i]
        i += 1
        rows = python_json["results"]
        ys = range(len(rows))
        ax.barh([y + 0.2 for y in ys], [r["pytracingx_ns"] for r in rows], 0.4, label="pytracingx")
        ax.barh([y - 0.2 for y in ys], [r["otel_ns"] for r in rows], 0.4, label="opentelemetry-sdk")
        ax.set_yticks(list(ys))
        ax.set_yticklabels([r["key"] for r in rows], fontsize=8)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("ns per operation (log scale, lower is better)")
        ax.set_title("Python API: pytracingx vs opentelemetry-sdk")
        ax.legend(fontsize=8)
    if pipeline_json:
        ax = axes[i]
        i += 1
        res = pipeline_json["results"]
        names = [r["case"] for r in res]
        best = [(r["best"] or {}).get("delivered_per_s", 0) / 1000 for r in res]
        drain = [r["drain"]["delivered_per_s"] / 1000 for r in res]
        ys = range(len(res))
        ax.barh([y + 0.2 for y in ys], best, 0.4, label="sustained, zero drops")
        ax.barh([y - 0.2 for y in ys], drain, 0.4, label="drain (export side only)")
        ax.axvline(300, color="red", linestyle="--", linewidth=1, label="target 300k/s")
        ax.set_yticks(list(ys))
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("thousand items/s delivered into ptx-emulator")
        ax.set_title("End-to-end pipeline")
        ax.legend(fontsize=8)
    if native:
        ax = axes[i]
        wanted = [b for b in native["benchmarks"]
                  if b.get("run_type") != "aggregate" and "/threads:8" not in b["name"]
                  and not b["name"].startswith(("BM_Decompress", "BM_ChildSpan"))]
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
        ax.barh(range(len(wanted)), [b["cpu_time"] * scale[b.get("time_unit", "ns")] for b in wanted])
        ax.set_yticks(range(len(wanted)))
        ax.set_yticklabels([b["name"].replace("/real_time", "").replace("/threads:1", "") for b in wanted],
                           fontsize=6)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("CPU ns per iteration (log scale)")
        ax.set_title("Native engine (bench_native, 1 thread)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "results.png"), dpi=110)
    plt.close(fig)


# ---- main -------------------------------------------------------------------------------------

def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="run every part minimally (checks it works, ~1 min)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, os.environ.get("PTX_BUILD_DIR", "build")))
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="output directory (bench/results)")
    ap.add_argument("--no-build", action="store_true", help="use the build directory as it is")
    ap.add_argument("--no-install", action="store_true", help="never pip install the benchmark-only packages")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()

    ensure_packages(not args.no_install)
    if not args.no_build:
        build(build_dir)
    info = machine(build_dir)
    failures = []
    smoke = ["--smoke"] if args.smoke else []

    native = run_native(build_dir, out, args.smoke, failures)
    run_python_part("compare.py", [os.path.join(HERE, "python", "compare.py"), "--out", out]
                    + (["--quick"] if args.smoke else []), build_dir, failures)
    for script in ("pipeline.py", "gil.py", "process.py"):
        run_python_part(script, [os.path.join(HERE, "python", script), "--out", out] + smoke, build_dir, failures)

    python_md = read(os.path.join(out, "python_bench.md"))
    if python_md and python_md.startswith("# "):
        python_md = python_md.split("\n", 1)[1].strip()
    sections = [
        "# pytracingx benchmark results",
        "",
        "%s run of `python3 bench/run.py%s`, %s, %.0f s. Figures are this machine's, taken while nothing "
        "else was meant to run; compare ratios rather than absolute values across machines."
        % ("Smoke (minimal, figures meaningless)" if args.smoke else "Full", " --smoke" if args.smoke else "",
           info["date_utc"], time.monotonic() - t0),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    for key in ("cpu_model", "cpus", "memory_gib", "kernel", "os", "python", "compiler", "pytracingx",
                "opentelemetry-sdk", "matplotlib", "loadavg_at_start"):
        value = info[key]
        if key == "loadavg_at_start":
            value = " / ".join("%.2f" % x for x in value) + " (1/5/15 min)"
        sections.append("| %s | %s |" % (key.replace("_", " "), value))
    sections += ["", "![results](results.png)", ""]
    for title, body in (
            ("Python API: pytracingx vs opentelemetry-sdk (compare.py)", python_md),
            ("End-to-end pipeline into ptx-emulator (pipeline.py)", read(os.path.join(out, "pipeline.md"))),
            ("GIL (gil.py)", read(os.path.join(out, "gil.md"))),
            ("Process (process.py)", read(os.path.join(out, "process.md"))),
            ("Native engine (bench_native; 8-thread rows: time = wall time per operation across all threads)",
             native_table(native) if native else None)):
        sections += ["## " + title, "", body or "(no result: the part failed)", ""]
    if failures:
        sections += ["## Failures", ""] + ["- " + f for f in failures] + [""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(sections))
    try:
        chart(out, native, read_json(os.path.join(out, "python_bench.json")),
              read_json(os.path.join(out, "pipeline.json")))
    except Exception as err:  # the tables are the result; a chart failure is reported, not fatal
        failures.append("chart: %r" % err)
    with open(os.path.join(out, "machine.json"), "w") as f:
        json.dump(info, f, indent=1)
    log("wrote %s (%.0f s)" % (os.path.join(out, "results.md"), time.monotonic() - t0))
    for failure in failures:
        log("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
