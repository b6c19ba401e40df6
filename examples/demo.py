"""The main job: starts ptx-emulator, runs the quickstart app into it, shows what arrived.

    python examples/demo.py --emulator build/emulator/ptx-emulator
"""
import argparse
import json
import os
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def start_emulator(binary):
    proc = subprocess.Popen(
        [binary, "--otlp-grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--sls", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:
        if line.startswith("ptx-emulator ready"):
            print(line.strip())
            return proc, dict(p.split("=", 1) for p in line.split()[2:] if "=" in p)
    raise SystemExit("ptx-emulator exited before it was ready")


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as resp:
        return json.loads(resp.read().decode())


def show(base):
    traces = get(base, "/api/traces")["traces"]
    print(f"\n{len(traces)} trace(s) arrived:")
    for t in traces:
        marker = "  ERROR" if t["error"] else ""
        print(f"  {t['trace_id']}  {t['service']:<16} {t['root_name']:<12} "
              f"{t['span_count']} span(s) {int(t['duration_ns']) / 1e6:8.2f} ms{marker}")
    for t in traces:
        spans = get(base, f"/api/traces/{t['trace_id']}")["spans"]
        by_parent = {}
        for s in spans:
            by_parent.setdefault(s["parent_span_id"], []).append(s)
        ids = {s["span_id"] for s in spans}
        roots = [s for s in spans if s["parent_span_id"] not in ids]
        print(f"\ntrace {t['trace_id']}:")

        def walk(span, depth):
            start = int(span["start_time_unix_nano"])
            dur = (int(span["end_time_unix_nano"]) - start) / 1e6
            attrs = ", ".join(f"{k}={v['value']}" for k, v in sorted(span["attributes"].items())
                              if k != "traceparent")
            print(f"  {'  ' * depth}{span['name']} [{span['kind']}] {dur:.2f} ms "
                  f"status={span['status']['code']}" + (f"  {{{attrs}}}" if attrs else ""))
            for e in span["events"]:
                print(f"  {'  ' * depth}  * event {e['name']}")
            for child in sorted(by_parent.get(span["span_id"], []), key=lambda s: int(s["start_time_unix_nano"])):
                walk(child, depth + 1)

        for r in roots:
            walk(r, 0)
    series = get(base, "/api/metrics")["series"]
    print(f"\n{len(series)} metric series arrived:")
    for m in series:
        last = m["points"][-1]
        if m["type"] == "histogram":
            shown = f"count={last['count']} sum={last['sum']:.2f} buckets={last['bucket_counts']}"
        else:
            shown = f"value={last['value']['value']}"
        labels = ",".join(f"{k}={v['value']}" for k, v in sorted(m["attributes"].items()))
        print(f"  {m['name']:<24} {m['type']:<9} {m['temporality']:<10} {{{labels}}} {shown}")

    records = get(base, "/api/logs")["logs"]
    print(f"\n{len(records)} OTLP log record(s) arrived:")
    for r in reversed(records):
        trace = f" trace={r['trace_id'][:8]}…" if r["trace_id"] else ""
        print(f"  {r['severity_text']:<5} {r['scope']['name']:<20} {r['body']['value']}{trace}")

    for project in get(base, "/api/sls/projects")["projects"]:
        for store in project["logstores"]:
            groups = get(base, f"/api/sls/projects/{project['name']}/logstores/{store['name']}")["log_groups"]
            print(f"\nSLS {project['name']}/{store['name']}: {store['logs']} log(s) in {store['log_groups']} PutLogs")
            for group in groups:
                for entry in group["logs"]:
                    fields = dict(entry["contents"])
                    print(f"  [{group['topic']}] {fields.get('level', ''):<5} {fields.get('message', '')}"
                          f"  logger={fields.get('logger', '')}")

    stats = get(base, "/api/stats")
    print("\nreceived by ptx-emulator:")
    for signal in ("traces", "metrics", "logs"):
        by_protocol = {p: c["items"] for p, c in stats[signal]["by_protocol"].items() if c["requests"]}
        print(f"  {signal:<8} {stats[signal]['items']:>5} item(s) in {stats[signal]['requests']} request(s)"
              + (f"  {by_protocol}" if by_protocol else "")
              + (f"  rejected {stats[signal]['rejected_items']}" if stats[signal]["rejected_items"] else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", default="ptx-emulator", help="path of the ptx-emulator binary")
    args = parser.parse_args()
    proc, addrs = start_emulator(args.emulator)
    try:
        env = dict(os.environ, PTX_ENDPOINT="http://" + addrs["otlp-grpc"], PTX_SLS_ENDPOINT="http://" + addrs["sls"])
        print("\n--- quickstart app (console output of pytracingx) ---")
        subprocess.run([sys.executable, os.path.join(HERE, "quickstart.py")], env=env, check=True)
        print("--- what ptx-emulator received ---")
        show("http://" + addrs["http"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
