"""Benchmark: time the policy briefs add to ``nsmap run --zone all`` on the demo study.

Runs the whole demo study three ways, side by side and interleaved (so that a busy
moment of a shared machine hits every variant alike): without briefs (``--no-briefs``),
with briefs in one language (``--lang en``) and in four (``--lang en,fr,es,ar``).  The
briefs run as tasks of the same process pool as the notebooks, so what a run pays is
less than the briefs' own work; both are printed (the work from the manifest: seconds
spent in the brief tasks).  Also prints the page count of every brief of the
four-language run and the catalogue's size and share translated per language.

On a shared machine the wall times swing with the other load; the CPU seconds of the
run and its processes (this process and every finished descendant: workers, kernels)
do much less, and the added CPU over the number of jobs is what the briefs add to a
run on an otherwise idle machine, the pool being busy until the end.

Usage::

    .venv/bin/python benchmarks/bench_briefs.py [--jobs N] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"no briefs": None, "1 language (en)": ("en",), "4 languages": ("en", "fr", "es", "ar")}


def _study(tmp: Path) -> Path:
    """The demo study copied with its database and reports inside ``tmp`` (the notebooks
    and the briefs read study.yaml from disk, so the copy must say where they are)."""
    import shutil

    import yaml

    folder = tmp / "study"
    shutil.copytree(ROOT / "data" / "raw" / "demo", folder, ignore=shutil.ignore_patterns("truth"))
    path = folder / "study.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(tmp / "processed")
    cfg["paths"]["reports"] = str(tmp / "reports")
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def _cpu() -> float:
    """CPU seconds of this process and of its finished descendants (the pool's workers
    and the notebook kernels they waited for)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(tmp: Path, jobs: int, languages: tuple[str, ...] | None) -> tuple[float, float, Path]:
    from toolkit.run import run_study

    study = _study(tmp)
    cpu = _cpu()
    t = time.perf_counter()
    summary = run_study(
        study,
        zones="all",
        jobs=jobs,
        languages=languages,
        briefs=languages is not None,
    )
    seconds = time.perf_counter() - t
    cpu = _cpu() - cpu
    if not summary.ok:
        print(summary.table().to_string(index=False), file=sys.stderr)
        raise SystemExit("the run failed; fix it before benchmarking")
    return seconds, cpu, summary.run_dir


def pages(run_dir: Path) -> dict[str, dict[str, int]]:
    from pypdf import PdfReader

    out: dict[str, dict[str, int]] = {}
    for pdf in sorted(run_dir.glob("*/brief.*.pdf")):
        lang = pdf.name.split(".")[1]
        out.setdefault(pdf.parent.name, {})[lang] = len(PdfReader(pdf).pages)
    return out


def catalogue() -> tuple[int, dict[str, float]]:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    from toolkit.publish._i18n import LANGUAGES, catalogue_path

    keywords = {**DEFAULT_KEYWORDS, "translate": None}
    found = extract_from_dir(
        str(ROOT / "toolkit" / "publish"), [("**.py", "python")], keywords=keywords
    )
    ids = {m for _, _, m, _, _ in found if isinstance(m, str)}
    shares = {}
    for code in LANGUAGES:
        with catalogue_path(code).open("rb") as fh:
            cat = read_po(fh, locale=code)
        done = {m.id for m in cat if m.id in ids and (code == "en" or (m.string and not m.fuzzy))}
        shares[code] = len(done) / len(ids)
    return len(ids), shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpus: dict[str, list[float]] = {name: [] for name in VARIANTS}
    work: dict[str, list[float]] = {name: [] for name in VARIANTS}
    page_counts: dict[str, dict[str, int]] = {}
    for _ in range(args.repeat):
        for name, languages in VARIANTS.items():
            with tempfile.TemporaryDirectory() as d:
                seconds, cpu, run_dir = run(Path(d), args.jobs, languages)
                manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
                times[name].append(seconds)
                cpus[name].append(cpu)
                work[name].append(float(manifest.get("briefs", {}).get("seconds", 0.0)))
                if languages is not None and len(languages) == 4:
                    page_counts = pages(run_dir)
            print(f"  {name:<16} {seconds:7.1f} s, CPU {cpu:7.1f} s", file=sys.stderr, flush=True)
    base = statistics.median(times["no briefs"])
    base_cpu = statistics.median(cpus["no briefs"])
    print(
        f"nsmap run data/raw/demo/study.yaml --zone all, jobs={args.jobs}, {args.repeat} runs each"
    )
    for name in VARIANTS:
        med = statistics.median(times[name])
        print(
            f"{name:<16}: median {med:6.1f} s (runs: "
            + ", ".join(f"{t:.1f}" for t in times[name])
            + f"); added {med - base:+6.1f} s ({med / base - 1:+.0%}); "
            f"brief work in the pool {statistics.median(work[name]):5.1f} s"
        )
    for name in VARIANTS:
        cpu = statistics.median(cpus[name])
        print(
            f"{name:<16}: CPU {cpu:6.1f} s; added {cpu - base_cpu:+6.1f} s "
            f"({cpu / base_cpu - 1:+.0%}); on an otherwise idle machine that is about "
            f"{(cpu - base_cpu) / args.jobs:+5.1f} s of wall time with {args.jobs} jobs"
        )
    print("\npages of each brief (four-language run):")
    for zone, langs in page_counts.items():
        print(f"  {zone:<13} " + "  ".join(f"{lang} {n}" for lang, n in langs.items()))
    n, shares = catalogue()
    print(
        f"\ncatalogue: {n} messages; translated: "
        + ", ".join(f"{c} {s:.0%}" for c, s in shares.items())
    )


if __name__ == "__main__":
    main()
