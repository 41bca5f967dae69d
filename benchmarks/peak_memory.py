"""Benchmark: peak memory of ``nsmap run --zone all`` (issue 13).

Runs ``nsmap run <study> --zone all --force`` in a subprocess and samples, every
0.1 s, the resident memory (RSS) of its whole process tree: the runner, its pool
workers and every notebook's kernel.  Prints the peak of the summed RSS, the largest
single process and the wall time, for

* ``demo``: a copy of the bundled demo study (193 Societies, 36 notebook runs);
* ``branches``: a synthetic branch-level study of ``--branches`` local branches
  (default 165,000; ``toolkit.synth.make_branch_study``; unit ``branch_code``).

The summed RSS counts memory shared between processes (the libraries) once per
process, so it is an upper bound of what the machine needs.

Usage::

    .venv/bin/python benchmarks/peak_memory.py [--study demo,branches] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def sample(cmd: list[str]) -> tuple[float, int, int, int]:
    """Run ``cmd``; its wall time, return code, peak summed RSS and largest RSS."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak_sum = peak_one = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = []
        for p in tree:
            try:
                rss.append(p.memory_info().rss)
            except psutil.NoSuchProcess:
                continue
        if rss:
            peak_sum, peak_one = max(peak_sum, sum(rss)), max(peak_one, max(rss))
        time.sleep(0.1)
    _, err = proc.communicate()
    if proc.returncode:
        sys.stderr.write(err.decode(errors="replace")[-3000:])
    return time.perf_counter() - t, proc.returncode, peak_sum, peak_one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="demo,branches")
    parser.add_argument("--branches", type=int, default=165_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    nsmap = str(Path(sys.executable).with_name("nsmap"))
    gib = 1024**3
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for which in args.study.split(","):
            if which == "demo":
                from bench_run import demo_copy

                study = demo_copy(tmp / "demo")
                name = "demo study (193 Societies)"
            elif which == "branches":
                from toolkit.synth import make_branch_study

                study = make_branch_study(tmp / "branch", n_branches=args.branches).study_yaml
                name = f"branch study ({args.branches:,} branches)"
            else:
                raise SystemExit(f"unknown study {which!r}: use demo or branches")
            cmd = [nsmap, "run", str(study), "--zone", "all", "--force", "--jobs", str(args.jobs)]
            seconds, rc, peak_sum, peak_one = sample(cmd)
            print(
                f"{name:<34} rc {rc} | {seconds:7.1f} s | peak RSS summed over the process "
                f"tree {peak_sum / gib:5.2f} GiB | largest process {peak_one / gib:5.2f} GiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
