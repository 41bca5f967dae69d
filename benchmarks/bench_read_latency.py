"""Benchmark: how long reading an export and a form takes (issue 13, item 3).

Runs side by side, each measurement in fresh subprocesses:

* a **100-row export** (the demo study's main CSV, its rows repeated to 100, with the
  programme repeat's wide columns) read with the bundled instrument: the first read in
  a fresh process (*cold*: imports done, form read, nothing else warmed up) and the
  reads after it in the same process (*warm*);
* the **demo main export** as it is (warm);
* **read_xlsform** of the bundled instrument: the first call in a process (*cold*),
  parsed (``NSMAP_CACHE_DIR=off``) and read from the cache folder as every notebook's
  kernel reads it,
  against a second call on the same bytes (*kept*: the parsed form is kept by the
  SHA-256 of the file);
* the **165,000-branch export** of ``bench_ingest.py``: ``read_export`` against
  ``pandas.read_csv(sep=';', dtype=str)`` of the same file, and their ratio.

Wall-clock and CPU (``time.process_time``) seconds are printed, medians over the
repeats, with the machine's load average: on a shared machine, CPU time is the steadier
figure.  Targets: 100 rows warm <= 0.2 s; 165,000 branches <= 3 x ``pandas.read_csv``.

Usage::

    .venv/bin/python benchmarks/bench_read_latency.py [--repeat 5] [--branches 165000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo" / "exports" / "kobo_export_2026-05-04.csv"

_EXPORT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0, c0 = time.perf_counter(), time.process_time()
from toolkit.frame import load_frame
from toolkit.ingest import read_export
from toolkit.instrument import bundled_instrument_path, read_xlsform
imports = (time.perf_counter() - t0, time.process_time() - c0)
inst, frame = read_xlsform(bundled_instrument_path()), load_frame()
def one(path):
    t, c = time.perf_counter(), time.process_time()
    read_export(path, inst, frame=frame, unit="ns_iso3", society="ns_iso3", key="bench")
    return time.perf_counter() - t, time.process_time() - c
path, demo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cold = one(path)
warm = [one(path) for _ in range(n)]
demo_warm = [one(demo) for _ in range(n)]
print(json.dumps({"imports": imports, "cold": cold, "warm": warm, "demo": demo_warm}))
"""

_FORM = r"""
import json, time, warnings
warnings.simplefilter("ignore")
from toolkit.instrument import bundled_instrument_path, read_xlsform
path = bundled_instrument_path()
def one():
    t, c = time.perf_counter(), time.process_time()
    read_xlsform(path)
    return time.perf_counter() - t, time.process_time() - c
cold = one()
print(json.dumps({"cold": cold, "kept": [one() for _ in range(5)]}))
"""

_BRANCHES = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
kind, path, form = sys.argv[1], sys.argv[2], sys.argv[3]
import pandas as pd
if kind == "toolkit":
    from toolkit.frame import load_frame
    from toolkit.ingest import read_export
    from toolkit.instrument import read_xlsform
    inst, frame = read_xlsform(form), load_frame()
t, c = time.perf_counter(), time.process_time()
if kind == "toolkit":
    read_export(path, inst, frame=frame, unit="branch_code", society="ns_iso3", key="bench")
else:
    pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
print(json.dumps([time.perf_counter() - t, time.process_time() - c]))
"""


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> object:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    if out.returncode:
        raise RuntimeError(f"the benchmark's child process failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def _med(pairs: list[list[float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def _line(label: str, wall: float, cpu: float, note: str = "") -> None:
    print(f"{label:<44} {wall * 1000:9.1f} ms wall {cpu * 1000:9.1f} ms CPU  {note}")


def _hundred_rows(path: Path) -> Path:
    """The demo export's rows repeated (in order) to 100 rows."""
    text = DEMO.read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = records[0], records[1:]
    rows = [body[i % len(body)] for i in range(100)]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="reads (and processes) per figure")
    parser.add_argument("--branches", type=int, default=165_000)
    args = parser.parse_args()
    print(_load())
    with tempfile.TemporaryDirectory() as tmp:
        hundred = _hundred_rows(Path(tmp) / "export_100_rows.csv")
        runs = [_child(_EXPORT, str(hundred), str(DEMO), str(args.repeat)) for _ in range(3)]
        imports = _med([r["imports"] for r in runs])  # type: ignore[index]
        cold = _med([r["cold"] for r in runs])  # type: ignore[index]
        warm = _med([w for r in runs for w in r["warm"]])  # type: ignore[index]
        demo = _med([w for r in runs for w in r["demo"]])  # type: ignore[index]
        print("\nread_export, bundled instrument (medians over 3 processes)")
        _line("  imports (toolkit, pandas ...)", *imports)
        _line("  100-row export, cold (first read)", *cold)
        _line("  100-row export, warm", *warm, "target <= 200 ms")
        _line("  demo main export (93 rows), warm", *demo)
        print(f"  cold / warm: {cold[0] / warm[0]:.1f}x wall")

        cache = {"NSMAP_CACHE_DIR": str(Path(tmp) / "cache")}
        parsed = [_child(_FORM, env={"NSMAP_CACHE_DIR": "off"}) for _ in range(3)]
        _child(_FORM, env=cache)  # parses once and keeps the form in the cache folder
        disk = [_child(_FORM, env=cache) for _ in range(3)]
        cold_form = _med([f["cold"] for f in parsed])  # type: ignore[index]
        from_disk = _med([f["cold"] for f in disk])  # type: ignore[index]
        kept = _med([k for f in parsed for k in f["kept"]])  # type: ignore[index]
        print("\nread_xlsform, bundled instrument")
        _line("  cold, parsed (no cache folder)", *cold_form)
        _line(
            "  cold, from the cache folder (a new kernel)",
            *from_disk,
            f"{cold_form[0] / from_disk[0]:.0f}x faster",
        )
        _line("  kept (same bytes again)", *kept, f"{cold_form[0] / kept[0]:.0f}x faster")

        from toolkit.synth import make_branch_export, write_branch_instrument

        big = Path(tmp) / "branches.csv"
        form = write_branch_instrument(Path(tmp) / "branch_form.xlsx")
        make_branch_export(big, n_branches=args.branches, seed=7)
        floor = [_child(_BRANCHES, "floor", str(big), str(form)) for _ in range(args.repeat)]
        ours = [_child(_BRANCHES, "toolkit", str(big), str(form)) for _ in range(args.repeat)]
        f_wall, f_cpu = _med(floor)  # type: ignore[arg-type]
        t_wall, t_cpu = _med(ours)  # type: ignore[arg-type]
        print(f"\n{args.branches:,}-branch export ({big.stat().st_size / 2**20:.1f} MiB)")
        _line("  pandas.read_csv(dtype=str)", f_wall, f_cpu)
        _line("  read_export", t_wall, t_cpu)
        print(
            f"  ratio read_export / read_csv: {t_wall / f_wall:.2f}x wall, "
            f"{t_cpu / f_cpu:.2f}x CPU (target <= 3x)"
        )
    print("\n" + _load())


if __name__ == "__main__":
    main()
