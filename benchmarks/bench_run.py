"""Benchmark: ``nsmap run --zone all`` on the demo study against the papermill floor.

The floor is the least any papermill-based run can cost: the same number of papermill
executions, with the same number of parallel jobs, of a notebook that only imports the
libraries the report notebooks use (pandas, numpy, scipy, statsmodels, matplotlib,
seaborn and the toolkit).  The toolkit's run additionally validates the study and
every parameter, ingests the exports once, writes the analytical database, runs the
real analyses, renders each notebook to HTML, writes figures, tables, the per-zone
workbooks, the manifest and the index.

The run is fresh (``force=True``: ingestion and every notebook), as a first run of a
study is; the parsed questionnaire may come from the user's cache folder, as it does
for every kernel of any run once ingestion has read the form.

Prints both wall times and the ratio run / floor (target of issues 3 and 13: at most
1.5).

Usage::

    .venv/bin/python benchmarks/bench_run.py [--jobs N] [--repeat 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = (
    "import numpy, pandas, scipy.stats, statsmodels.api, matplotlib.pyplot, seaborn\n"
    "import toolkit.figures, toolkit.mapping, toolkit.run, toolkit.survey"
)


def _floor_one(path: str, out: str) -> None:
    import papermill as pm

    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            pm.execute_notebook(path, out, kernel_name="python3", progress_bar=False)
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def floor(n: int, jobs: int, tmp: Path) -> float:
    nb = new_notebook(
        cells=[
            new_code_cell('zone = "all"', metadata={"tags": ["parameters"]}),
            new_code_cell(IMPORTS),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    path = tmp / "floor.ipynb"
    nbformat.write(nb, path)
    t = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        list(
            pool.map(_floor_one, [str(path)] * n, [str(tmp / f"floor_{i}.ipynb") for i in range(n)])
        )
    return time.perf_counter() - t


def demo_copy(tmp: Path) -> Path:
    """A copy of the demo study whose database and reports live under ``tmp``.

    The workers and kernels read ``study.yaml`` themselves, so the paths are changed in
    the file (not only in memory): every part of the run uses the same new database.
    """
    import yaml

    folder = tmp / "demo"
    shutil.copytree(ROOT / "data" / "raw" / "demo", folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = "processed"
    cfg["paths"]["reports"] = "reports"
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder / "study.yaml"


def run(jobs: int, tmp: Path) -> tuple[float, int]:
    from toolkit.run import load_study, run_study

    study = load_study(demo_copy(tmp))
    t = time.perf_counter()
    summary = run_study(study, zones="all", jobs=jobs, force=True)  # a fresh run
    seconds = time.perf_counter() - t
    if not summary.ok:
        print(summary.table().to_string(index=False), file=sys.stderr)
        raise SystemExit("the run failed; fix it before benchmarking")
    return seconds, len(summary.results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    runs, floors = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            seconds, n = run(args.jobs, Path(d))
            runs.append(seconds)
        with tempfile.TemporaryDirectory() as d:
            floors.append(floor(n, args.jobs, Path(d)))
        shutil.rmtree(Path(d), ignore_errors=True)
    best_run, best_floor = min(runs), min(floors)
    print(f"notebook executions: {n} ({n // 6} notebooks x 6 zones incl. 'all'), jobs={args.jobs}")
    print(
        f"nsmap run --zone all : {best_run:7.1f} s (best of {args.repeat}: "
        + ", ".join(f"{r:.1f}" for r in runs)
        + ")"
    )
    print(
        f"papermill floor      : {best_floor:7.1f} s (best of {args.repeat}: "
        + ", ".join(f"{r:.1f}" for r in floors)
        + ")"
    )
    ratio = best_run / best_floor
    print(
        f"ratio run / floor    : {ratio:.2f} (target <= 1.5: "
        f"{'met' if ratio <= 1.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
