"""Benchmark: ingesting a 165,000-branch synthetic Kobo export.

Runs, each in a fresh subprocess so that peak memory is measured per alternative:

* ``toolkit``: ``toolkit.ingest.read_export`` with the branch form (validation of every
  rule, option columns, activities table, pseudonymisation, issues, quarantine);
* ``pandas floor``: ``pandas.read_csv(sep=';', dtype=str)`` of the same file, which
  only parses it (no validation): the least any ingestion must cost.

Prints wall time and peak resident memory of each, and the ratio toolkit / floor.
Targets (issue 2): toolkit under 10 s and under 2 GiB on the 2-core reference machine.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py [--branches 165000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
kind, path, form = sys.argv[1], sys.argv[2], sys.argv[3]
import pandas as pd
if kind == "toolkit":
    from toolkit.ingest import read_export
    from toolkit.instrument import read_xlsform
    from toolkit.frame import load_frame
    inst, frame = read_xlsform(form), load_frame()
    t = time.perf_counter()
    r = read_export(path, inst, frame=frame, unit="branch_code", society="ns_iso3", key="bench")
    seconds = time.perf_counter() - t
    extra = {"accepted": len(r.data), "quarantined": len(r.quarantine),
             "activities": len(r.activities), "reconciles": r.reconciles()}
else:
    t = time.perf_counter()
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    seconds = time.perf_counter() - t
    extra = {"rows": len(df)}
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB (Linux)
print(json.dumps({"seconds": seconds, "peak_mib": peak, **extra}))
"""


def _run(kind: str, path: Path, form: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path), str(form)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=165_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from toolkit.synth import make_branch_export, write_branch_instrument

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "branches.csv"
        form = write_branch_instrument(Path(tmp) / "branch_form.xlsx")
        make_branch_export(path, n_branches=args.branches, seed=7)
        size = path.stat().st_size / 2**20
        print(f"export: {args.branches:,} branches, {size:.1f} MiB, semicolon CSV")
        best: dict[str, dict] = {}
        for kind in ("pandas floor", "toolkit"):
            runs = [
                _run("toolkit" if kind == "toolkit" else "floor", path, form)
                for _ in range(args.repeat)
            ]
            best[kind] = min(runs, key=lambda r: r["seconds"])
            r = best[kind]
            print(
                f"{kind:>13}: {r['seconds']:6.2f} s (best of {args.repeat}), "
                f"peak {r['peak_mib']:7.0f} MiB  "
                + ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_mib"))
            )
        ratio = best["toolkit"]["seconds"] / best["pandas floor"]["seconds"]
        print(
            f"ratio toolkit / pandas floor: {ratio:.2f}x time, "
            f"{best['toolkit']['peak_mib'] / best['pandas floor']['peak_mib']:.2f}x memory"
        )
        ok = best["toolkit"]["seconds"] < 10 and best["toolkit"]["peak_mib"] < 2048
        print(f"target (< 10 s, < 2 GiB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
