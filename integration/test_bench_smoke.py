"""bench/run.py --smoke: every benchmark part runs and writes its files (never a timing check)."""
import json
import os
import subprocess
import sys

from conftest import EMULATOR_BIN, ROOT

PARTS = ["native.json", "python_bench.md", "python_bench.json", "pipeline.md", "pipeline.json", "gil.md",
         "gil.json", "process.md", "process.json", "machine.json", "results.md", "results.png"]


def test_bench_smoke_run_writes_every_result(tmp_path):
    build_dir = os.path.dirname(os.path.dirname(os.path.abspath(EMULATOR_BIN)))
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "run.py"), "--smoke", "--no-build", "--no-install",
         "--build-dir", build_dir, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert sorted(p for p in PARTS if not (tmp_path / p).is_file()) == []

    with open(tmp_path / "results.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "results.md").read_text()
    for heading in ("## Machine", "## Python API", "## End-to-end pipeline", "## GIL", "## Process",
                    "## Native engine"):
        assert heading in md
    assert "## Failures" not in md and "(no result" not in md

    names = {b["name"] for b in json.loads((tmp_path / "native.json").read_text())["benchmarks"]}
    for name in ("BM_EncodeSlsLogGroup", "BM_SignSlsRequest/v1", "BM_SignSlsRequest/v4",
                 "BM_CounterAdd/attrs:5/real_time/threads:8", "BM_HistogramRecord/attrs:0/real_time/threads:1",
                 "BM_EncodeTraceRequest", "BM_Compress/zstd"):
        assert name in names

    pipeline = json.loads((tmp_path / "pipeline.json").read_text())
    assert [r["case"] for r in pipeline["results"]] == [
        "spans, OTLP gRPC", "spans, OTLP/HTTP gzip", "logs, OTLP gRPC", "logs, OTLP/HTTP gzip", "logs, SLS lz4"]
    for r in pipeline["results"]:  # smoke rates are low: every run must be exact
        assert r["best"] is not None and r["best"]["received"] == r["best"]["sent"] > 0
        assert r["drain"]["zero_drop"] and r["drain"]["received"] == r["drain"]["sent"]
    gil = json.loads((tmp_path / "gil.json").read_text())
    held = gil["held"]
    assert gil["ok"] and held["exported_during"] > 0 and held["longest_ticker_gap_s"] >= 0.8 * held["window_s"]
    process = json.loads((tmp_path / "process.json").read_text())
    assert process["ok"] and process["rss_growth_mib"] > 0
