"""Benchmark: incremental ``nsmap run`` (issue 13, item 1).

On a copy of the demo study, in one process and one reports folder:

1. a fresh ``nsmap run --zone all`` (ingestion, every notebook x zone, the briefs);
2. the same command again, nothing changed: every execution, the ingestion and the
   briefs are reused (target: at most 10% of the fresh run's seconds);
3. ``--param n=10`` (the interview sample size of ``04_interview_sample``): the
   parameter goes to every zone's ``04``, so those executions re-run;
4. a zone office's iteration: ``--zone europe --param n=12``: only Europe's ``04``
   re-runs.

Each step prints its seconds, its fraction of the fresh run and which executions
re-ran (the others were copied from an earlier run, verified).  The runs go through
``toolkit.run.main`` (the ``nsmap`` command) in this process.

Usage::

    nice .venv/bin/python benchmarks/bench_incremental.py [--jobs N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def demo_copy(tmp: Path) -> Path:
    """A copy of the demo study whose database and reports live under ``tmp``."""
    import yaml

    folder = tmp / "study"
    shutil.copytree(ROOT / "data" / "raw" / "demo", folder, ignore=shutil.ignore_patterns("truth"))
    path = folder / "study.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(tmp / "processed")
    cfg["paths"]["reports"] = str(tmp / "reports")
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def one_run(study: Path, extra: list[str], jobs: int) -> tuple[float, dict]:
    from toolkit.run import main

    args = ["run", str(study), "--quiet", "--jobs", str(jobs), *extra]
    t = time.perf_counter()
    code = main(args)
    seconds = time.perf_counter() - t
    manifest = json.loads(
        (study.parent.parent / "reports" / "latest" / "manifest.json").read_text(encoding="utf-8")
    )
    if code != 0:
        print(f"  (exit code {code})")
    return seconds, manifest


def describe(name: str, seconds: float, fresh: float, manifest: dict) -> None:
    nbs = manifest["notebooks"]
    ran = [f"{n['zone']}/{n['notebook']}" for n in nbs if not n.get("reused")]
    briefs = manifest.get("briefs", {})
    print(
        f"{name:<34} {seconds:7.1f} s  {seconds / fresh:6.1%} of fresh  "
        f"ingestion {'reused' if manifest.get('ingest_reused') else 'ran'}, "
        f"briefs {'reused' if briefs.get('reused_from') else 'written'}, "
        f"{len(nbs) - len(ran)} of {len(nbs)} executions reused"
    )
    if ran:
        print("    re-ran: " + ", ".join(ran))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nsmap-incremental-"))
    try:
        study = demo_copy(tmp)
        print(f"demo study copied to {study.parent}; jobs = {args.jobs}")
        fresh, m1 = one_run(study, ["--zone", "all"], args.jobs)
        describe("1. fresh run --zone all", fresh, fresh, m1)
        s2, m2 = one_run(study, ["--zone", "all"], args.jobs)
        describe("2. unchanged, --zone all", s2, fresh, m2)
        print(f"   unchanged / fresh = {s2 / fresh:.3f} (target <= 0.10)")
        s3, m3 = one_run(study, ["--zone", "all", "--param", "n=10"], args.jobs)
        describe("3. --zone all --param n=10", s3, fresh, m3)
        s4, m4 = one_run(study, ["--zone", "europe", "--param", "n=12"], args.jobs)
        describe("4. --zone europe --param n=12", s4, fresh, m4)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
