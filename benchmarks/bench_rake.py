"""Benchmark: raking 1,000,000 rows on three correlated margins (5 x 4 x 3).

Runs ``toolkit.survey.Design.rake`` side by side with R's ``survey::rake`` (timed inside
R) and the Python peers weightipy, balance, svy and samplics, each in its own virtual
environment under ``benchmarks/_work/`` (their pins clash with each other and with the
project).  Missing environments are created with pip unless ``--no-install`` is given; a
peer that cannot be installed or run is reported and skipped.

The toolkit rakes the same data held in several column types (``--variants``): pandas
categoricals, and the plain string columns form data arrives in -- ``object`` columns
(one string object per distinct answer, as pandas' ``read_csv`` delivers them),
pandas ``string[python]`` and ``string[pyarrow]`` (pandas 3's default ``str`` and
``string`` dtypes).  ``object-distinct`` (one new string object per row, as Python's
``csv`` module delivers them) can be added.  The peers get integer codes, their fastest
input.

For every tool it prints the wall time of the raking call (the best and the median of
``--repeat`` runs; data loading, imports and design construction are not timed), the
largest relative difference between its weights and the toolkit's, and the largest
relative error of the margins it reached; then the ratio of every peer's median time to
the median time of every toolkit variant.  The toolkit's short runs are timed at least
five times before the peers and as often again after them, so that its medians span the
load of a shared machine over the whole run.

All tools start from unit weights (weightipy cannot take others) and are asked for
tight convergence.  Run from the repository root::

    .venv/bin/python benchmarks/bench_rake.py            # 1,000,000 rows
    .venv/bin/python benchmarks/bench_rake.py --rows 200000 --peers weightipy,R
    .venv/bin/python benchmarks/bench_rake.py --peers weightipy --variants categorical,object
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import WORK, peer_python, run_json  # noqa: E402

from toolkit.survey import Design  # noqa: E402

POP = 10_000_000
SHARES = {"a": [0.2, 0.2, 0.2, 0.2, 0.2], "b": [0.3, 0.3, 0.2, 0.2], "c": [0.5, 0.3, 0.2]}

# Each peer script gets: data.npz (codes a, b, c), out.npy (weights to write), repeat.
# It prints one JSON line {"seconds": [...], "version": "..."} as its last output.
PEER_CODE = {
    "weightipy": """
        import numpy as np, pandas as pd, time, json, sys
        import weightipy as wp
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3])
        df = pd.DataFrame({k: d[k].astype(int) for k in "abc"})
        shares = json.loads(sys.argv[4])
        def run():
            scheme = wp.Rim("r", max_iterations=1000, convcrit=1e-12)
            scheme.set_targets([{k: {i: 100 * v for i, v in enumerate(shares[k])}} for k in "abc"])
            return wp.weight(df, scheme).to_numpy()
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); w = run(); times.append(time.perf_counter() - t)
        np.save(sys.argv[2], w)
        print(json.dumps({"seconds": times, "version": wp.__version__}))
    """,
    "balance": """
        import numpy as np, pandas as pd, time, json, sys, logging
        logging.disable(logging.WARNING)
        import balance
        from balance.weighting_methods.rake import rake
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3]); shares = json.loads(sys.argv[4])
        df = pd.DataFrame({k: pd.Categorical([f"{k}{i}" for i in range(len(shares[k]))])[d[k]].astype(str) for k in "abc"})
        margins = {k: {f"{k}{i}": v for i, v in enumerate(shares[k])} for k in "abc"}
        ones = pd.Series(np.ones(len(df)))
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            r = rake(df, ones, None, None, target_margins=margins, transformations=None, na_action="drop",
                     convergence_rate=1e-13, rate_tolerance=0.0, max_iteration=1000)
            times.append(time.perf_counter() - t)
        np.save(sys.argv[2], r["weight"].to_numpy())
        print(json.dumps({"seconds": times, "version": balance.__version__}))
    """,
    "svy": """
        import numpy as np, polars as pl, time, json, sys, importlib.metadata as md
        import svy
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3]); shares = json.loads(sys.argv[4]); pop = float(sys.argv[5])
        df = pl.DataFrame({**{k: d[k].astype(np.int64) for k in "abc"}, "w": np.ones(len(d["a"]))})
        sample = svy.Sample(df, svy.Design(wgt="w"))
        controls = {k: {i: v * pop for i, v in enumerate(shares[k])} for k in "abc"}
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); r = sample.weighting.rake(controls=controls, tol=1e-11, max_iter=1000)
            times.append(time.perf_counter() - t)
        np.save(sys.argv[2], r.data["rk_wgt"].to_numpy())
        print(json.dumps({"seconds": times, "version": md.version("svy")}))
    """,
    "samplics": """
        import numpy as np, time, json, sys, warnings, importlib.metadata as md
        warnings.simplefilter("ignore")
        from samplics.weighting import SampleWeight
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3]); shares = json.loads(sys.argv[4]); pop = float(sys.argv[5])
        margins = {k: d[k].astype(np.int64) for k in "abc"}
        control = {k: {i: v * pop for i, v in enumerate(shares[k])} for k in "abc"}
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            w = SampleWeight().rake(np.ones(len(d["a"])), margins, control=control, tol=1e-12, ctrl_tol=1e-12, max_iter=1000)
            times.append(time.perf_counter() - t)
        np.save(sys.argv[2], w)
        print(json.dumps({"seconds": times, "version": md.version("samplics")}))
    """,
}

R_CODE = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); repeat_n <- as.integer(args[3]); pop <- as.numeric(args[4])
shares <- list(a=c(.2,.2,.2,.2,.2), b=c(.3,.3,.2,.2), c=c(.5,.3,.2))
for (k in c("a","b","c")) d[[k]] <- factor(d[[k]], levels=seq_along(shares[[k]]) - 1)
d$w <- 1
des <- svydesign(id=~1, weights=~w, data=d)
pops <- lapply(c("a","b","c"), function(k) { p <- data.frame(factor(seq_along(shares[[k]]) - 1), shares[[k]] * pop); names(p) <- c(k, "Freq"); p })
times <- numeric(0)
for (i in seq_len(repeat_n)) {
  t <- system.time(r <- rake(des, list(~a, ~b, ~c), pops, control=list(maxit=1000, epsilon=1e-13)))[["elapsed"]]
  times <- c(times, t)
}
writeBin(as.numeric(weights(r)), args[2])
cat(sprintf('{"seconds": [%s], "version": "%s"}\n', paste(times, collapse=", "), packageVersion("survey")))
"""


def make_data(rows: int, seed: int) -> pd.DataFrame:
    """Three correlated categorical variables with 5, 4 and 3 levels."""
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    z = rng.standard_normal((rows, 3)) @ np.linalg.cholesky(cov).T
    a = np.digitize(z[:, 0], [-1.0, -0.3, 0.3, 1.0])
    b = np.digitize(z[:, 1], [-0.7, 0.0, 0.7])
    c = np.digitize(z[:, 2], [-0.4, 0.4])
    return pd.DataFrame({"a": a.astype(np.int8), "b": b.astype(np.int8), "c": c.astype(np.int8)})


#: Column types of the toolkit's input: codes (n,) and labels (k,) -> a column.
VARIANTS = {
    "categorical": lambda codes, labels: pd.Categorical.from_codes(codes, labels),
    "object": lambda codes, labels: pd.Series(labels[codes], dtype=object),
    "string[python]": lambda codes, labels: pd.Series(labels[codes], dtype="string[python]"),
    "string[pyarrow]": lambda codes, labels: pd.Series(labels[codes], dtype="string[pyarrow]"),
    "object-distinct": lambda codes, labels: pd.Series(
        [str(x) for x in labels[codes].astype(str)], dtype=object
    ),
}
DEFAULT_VARIANTS = "categorical,object,string[python],string[pyarrow]"
TOOLKIT_REPEAT = 5  # the toolkit's runs are short: time at least this many, twice


def toolkit_design(codes: pd.DataFrame, variant: str) -> Design:
    """The design with the margins held as ``variant`` columns (unit weights ``w``)."""
    labels = {k: np.array([f"{k}{i}" for i in range(len(SHARES[k]))], dtype=object) for k in "abc"}
    df = pd.DataFrame({k: VARIANTS[variant](codes[k].to_numpy(), labels[k]) for k in "abc"})
    return Design(df.assign(w=1.0), weights="w")


def time_rake(design: Design, repeat: int) -> tuple[list[float], np.ndarray]:
    """Wall times of ``design.rake`` and the raked weights."""
    margins = {k: {f"{k}{i}": v * POP for i, v in enumerate(SHARES[k])} for k in "abc"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        raked = design.rake(margins, tol=1e-10)
        times.append(time.perf_counter() - t0)
    return times, raked.weights.to_numpy()


def margins_met(codes: pd.DataFrame, w: np.ndarray) -> float:
    """Largest relative error of the margins reached by weights ``w``."""
    worst = 0.0
    for k, shares in SHARES.items():
        got = np.bincount(codes[k].to_numpy(), weights=w, minlength=len(shares))
        target = np.asarray(shares) * POP
        worst = max(worst, float(np.max(np.abs(got - target) / target)))
    return worst


def run_peer(name: str, cmd: list[str], out: Path, timeout: int) -> tuple[dict, np.ndarray] | None:
    info = run_json(name, cmd, timeout)
    if info is None:
        return None
    w = np.fromfile(out, dtype=np.float64) if out.suffix == ".bin" else np.load(out)
    return info, w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per Python tool (best and median kept)"
    )
    parser.add_argument("--r-repeat", type=int, default=1, help="timed runs of R's rake")
    parser.add_argument("--peers", default="weightipy,balance,svy,samplics,R")
    parser.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help=f"column types the toolkit rakes, of {', '.join(VARIANTS)} (default: %(default)s)",
    )
    parser.add_argument(
        "--no-install", action="store_true", help="do not create missing peer environments"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per peer")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)

    codes = make_data(args.rows, args.seed)
    print(f"raking {args.rows:,} rows on margins a (5 levels) x b (4) x c (3); population {POP:,}")
    print(
        f"sample cells: {codes.groupby(['a', 'b', 'c']).ngroups} of 60; "
        f"corr(a,b)={np.corrcoef(codes['a'], codes['b'])[0, 1]:.2f}"
    )

    # -- toolkit ------------------------------------------------------------------------
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        parser.error(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    designs = {v: toolkit_design(codes, v) for v in variants}
    mine: dict[str, list[float]] = {v: [] for v in variants}
    results = []  # (tool, version, seconds, max rel diff to the first variant, margin error)
    w_tk = np.empty(0)
    for variant, design in designs.items():
        times, w = time_rake(design, max(args.repeat, TOOLKIT_REPEAT))
        w_tk = w if not len(w_tk) else w_tk
        mine[variant] += times
        rel = float(np.max(np.abs(w - w_tk) / w_tk))
        results.append((f"toolkit {variant}", "0.1.0", mine[variant], rel, margins_met(codes, w)))
        print(
            f"  toolkit on {variant}: rake {min(times):.3f} s best, "
            f"{statistics.median(times):.3f} s median of {len(times)}",
            flush=True,
        )

    # -- peers --------------------------------------------------------------------------
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        tmpdir = Path(tmp)
        npz = tmpdir / "data.npz"
        np.savez(npz, **{k: codes[k].to_numpy() for k in "abc"})
        for name in wanted:
            if name == "R":
                rscript = shutil.which("Rscript")
                if rscript is None:
                    print("  R: Rscript not found; skipped")
                    continue
                csv, out, script = tmpdir / "data.csv", tmpdir / "r_weights.bin", tmpdir / "rake.R"
                if not csv.exists():
                    codes.to_csv(csv, index=False)
                script.write_text(R_CODE)
                cmd = [rscript, str(script), str(csv), str(out), str(args.r_repeat), str(POP)]
            elif name in PEER_CODE:
                python = peer_python(name, not args.no_install)
                if python is None:
                    continue
                script, out = tmpdir / f"peer_{name}.py", tmpdir / f"peer_{name}.npy"
                script.write_text(textwrap.dedent(PEER_CODE[name]))
                cmd = [
                    str(python),
                    str(script),
                    str(npz),
                    str(out),
                    str(args.repeat),
                    json.dumps(SHARES),
                    str(POP),
                ]
            else:
                print(f"  {name}: unknown peer; skipped")
                continue
            print(f"  {name}: running ...", flush=True)
            got = run_peer(name, cmd, out, args.timeout)
            if got is None:
                continue
            info, w = got
            w = w * POP / w.sum()  # weightipy and balance return weights on their own scale
            rel = float(np.max(np.abs(w - w_tk) / w_tk))
            results.append((name, info["version"], info["seconds"], rel, margins_met(codes, w)))

    # The load of a shared machine drifts during the peers' minutes: time the toolkit
    # again after them, so that its medians span the whole run.
    if len(results) > len(variants):
        for variant, design in designs.items():
            mine[variant] += time_rake(design, max(args.repeat, TOOLKIT_REPEAT))[0]

    # -- report -------------------------------------------------------------------------
    print()
    print(
        f"{'tool':<24} {'version':<9} {'best s':>8} {'median s':>9} {'max rel diff w':>15} "
        f"{'margin err':>11}"
    )
    for name, version, secs, rel, err in results:
        print(
            f"{name:<24} {version:<9} {min(secs):>8.3f} {statistics.median(secs):>9.3f} "
            f"{rel:>15.2e} {err:>11.2e}"
        )
    print(f"(max rel diff w: to the weights of toolkit {variants[0]})")
    peers = results[len(variants) :]
    if peers:
        print("\npeer's median time / toolkit's median time, by the toolkit's column type:")
        print(f"{'toolkit on':<16}" + "".join(f" {p[0]:>10}" for p in peers))
        for variant, times in mine.items():
            t = statistics.median(times)
            print(
                f"{variant:<16}" + "".join(f" {statistics.median(p[2]) / t:>9.1f}x" for p in peers)
            )
        fastest = min(peers, key=lambda r: statistics.median(r[2]))
        t_peer = statistics.median(fastest[2])
        for variant, times in mine.items():
            print(
                f"toolkit on {variant} is {t_peer / statistics.median(times):.1f}x faster than the "
                f"fastest peer ({fastest[0]}); target >= 10x"
            )
        print(
            f"largest relative weight difference to a peer: {max(r[3] for r in peers):.2e} "
            "(target 1e-8)"
        )
    worst = max(r[4] for r in results[: len(variants)])
    print(f"toolkit margins met to {worst:.2e} (target 1e-10)")


if __name__ == "__main__":
    main()
