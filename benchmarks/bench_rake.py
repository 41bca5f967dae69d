"""Benchmark: raking 1,000,000 rows on three correlated margins (5 x 4 x 3).

Runs ``toolkit.survey.Design.rake`` side by side with R's ``survey::rake`` (timed inside
R) and the Python peers weightipy, balance, svy and samplics, each in its own virtual
environment under ``benchmarks/_work/`` (their pins clash with each other and with the
project).  Missing environments are created with pip unless ``--no-install`` is given; a
peer that cannot be installed or run is reported and skipped.

The toolkit rakes the same data held in several column types (``--variants``): pandas
categoricals, and the plain string columns form data arrives in -- ``csv-object`` and
``csv-str`` (``pandas.read_csv`` of the data with ``dtype=object`` and ``dtype=str``;
pandas 3 reads the latter as its default ``str`` dtype, strings held by pyarrow in
chunks), ``object`` (one string object per distinct answer), ``object-distinct`` (a new
string object in every row, as Python's ``csv`` module and ``read_csv(engine="pyarrow",
dtype=object)`` deliver them), ``str``, ``string[python]`` and ``string[pyarrow]``.
``--long-labels`` makes every label 10 to 25 bytes long instead of 2.

weightipy rakes twice: on integer codes, its fastest input (as every peer), and on the
very DataFrame the toolkit gets for each variant (built by the same code in its
environment, pyarrow installed there so that the string dtypes are the same), timed from
the same starting point: the DataFrame in memory, up to the weights.  The toolkit's time
includes building its design from that DataFrame (``Design(df).rake(margins)``).

For every tool it prints the wall time of the raking call (the best and the median of
``--repeat`` runs; data loading and imports are not timed), the largest relative
difference between its weights and the toolkit's, and the largest relative error of the
margins it reached; then the ratio of every peer's median time to the median time of
every toolkit variant.  The toolkit's short runs are timed at least five times before the
peers and as often again after them, so that its medians span the load of a shared
machine over the whole run.

All tools start from unit weights (weightipy cannot take others) and are asked for
tight convergence.  Run from the repository root::

    .venv/bin/python benchmarks/bench_rake.py            # 1,000,000 rows
    .venv/bin/python benchmarks/bench_rake.py --rows 200000 --peers weightipy,R
    .venv/bin/python benchmarks/bench_rake.py --peers weightipy --variants categorical,csv-str
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

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


#: Builds the margins a, b, c in the column type of every variant; run as it is by the
#: toolkit and in weightipy's environment, so that both rake the same DataFrame.
BUILD_CODE = '''
import numpy as np, pandas as pd

CSV_DTYPES = {"csv-object": object, "csv-str": str}


def build(variant, codes, labels, csv):
    """The margins a, b, c (codes: integer arrays, labels: lists) as `variant` columns."""
    if variant in CSV_DTYPES:
        return pd.read_csv(csv, dtype=CSV_DTYPES[variant])
    cols = {}
    for k in "abc":
        c, lab = np.asarray(codes[k]), np.array(labels[k], dtype=object)
        if variant == "categorical":
            cols[k] = pd.Categorical.from_codes(c, lab)
        elif variant == "object":
            cols[k] = pd.Series(lab[c], dtype=object)
        elif variant == "object-distinct":
            cols[k] = pd.Series([(s + ".")[:-1] for s in lab[c]], dtype=object)
        elif variant in ("str", "string[python]", "string[pyarrow]"):
            cols[k] = pd.Series(lab[c], dtype=str if variant == "str" else variant)
        else:
            raise ValueError(f"unknown variant {variant!r}")
    return pd.DataFrame(cols)
'''
_built: dict[str, Any] = {}
exec(BUILD_CODE, _built)
build = _built["build"]

VARIANTS = [
    "categorical",
    "csv-object",
    "csv-str",
    "object",
    "object-distinct",
    "str",
    "string[python]",
    "string[pyarrow]",
]
LONG_WORDS = ["agriculture", "fishing_aquaculture", "trade", "manufacturing", "public_sector"]
TOOLKIT_REPEAT = 5  # the toolkit's runs are short: time at least this many, twice

# weightipy on the DataFrame of every variant: data.npz (codes), labels.json, data.csv,
# out.npz (weights by variant), repeat, variants (comma-separated), shares, build.py.
WEIGHTIPY_SAME = """
import numpy as np, time, json, sys
import weightipy as wp
npz, labels_json, csv, out, repeat, variants, shares, build_py = sys.argv[1:9]
d = np.load(npz); labels = json.loads(open(labels_json).read()); shares = json.loads(shares)
ns = {}
exec(open(build_py).read(), ns)
result, weights = {}, {}
for variant in variants.split(","):
    df = ns["build"](variant, {k: d[k] for k in "abc"}, labels, csv)
    def run():
        scheme = wp.Rim("r", max_iterations=1000, convcrit=1e-12)
        scheme.set_targets([{k: {lab: 100 * v for lab, v in zip(labels[k], shares[k])}} for k in "abc"])
        return wp.weight(df, scheme).to_numpy()
    times, cpu = [], []
    for _ in range(int(repeat)):
        t, c = time.perf_counter(), time.process_time(); w = run()
        times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    result[variant] = {"seconds": times, "cpu": cpu, "dtype": str(df["a"].dtype)}
    weights[variant] = w
np.savez(out, **weights)
print(json.dumps({"variants": result, "version": wp.__version__}))
"""

Result = tuple[str, str, list[float], float, float]  # tool, version, seconds, rel diff, error


def labels_of(long: bool) -> dict[str, list[str]]:
    """The labels of the levels of every margin: 2 bytes, or 10 to 25 with ``long``."""
    if long:
        return {k: [f"{k}_{w}" for w in LONG_WORDS[: len(SHARES[k])]] for k in "abc"}
    return {k: [f"{k}{i}" for i in range(len(SHARES[k]))] for k in "abc"}


def time_rake(
    df: pd.DataFrame, margins: dict, repeat: int
) -> tuple[list[float], list[float], np.ndarray]:
    """Wall and CPU times of ``Design(df).rake`` from the DataFrame, and the weights."""
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        raked = Design(df).rake(margins, tol=1e-10)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, raked.weights.to_numpy()


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


def with_pyarrow(python: Path, install: bool) -> None:
    """Install the project's pyarrow in a peer's environment (for pandas' string dtypes)."""
    probe = subprocess.run([str(python), "-c", "import pyarrow"], capture_output=True, check=False)
    if probe.returncode == 0 or not install:
        return
    pin = f"pyarrow=={pa.__version__}"
    print(f"  weightipy: installing {pin} in its environment ...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", pin], check=False)


def weightipy_same(
    args: argparse.Namespace, tmpdir: Path, frames: dict[str, pd.DataFrame], files: list[Path]
) -> tuple[dict, dict[str, np.ndarray]] | None:
    """weightipy's times and weights on the toolkit's DataFrames, by column type."""
    python = peer_python("weightipy", not args.no_install)
    if python is None:
        return None
    with_pyarrow(python, not args.no_install)
    script, build_py = tmpdir / "weightipy_same.py", tmpdir / "build.py"
    out = tmpdir / "weightipy_same.npz"
    script.write_text(textwrap.dedent(WEIGHTIPY_SAME))
    build_py.write_text(BUILD_CODE)
    npz, labels_json, csv = files
    cmd = [str(python), str(script), str(npz), str(labels_json), str(csv), str(out)]
    cmd += [str(args.repeat), ",".join(frames), json.dumps(SHARES), str(build_py)]
    print("  weightipy on the toolkit's DataFrames: running ...", flush=True)
    info = run_json("weightipy (same DataFrame)", cmd, args.timeout)
    if info is None:
        return None
    for variant, got in info["variants"].items():
        if got["dtype"] != str(frames[variant]["a"].dtype):
            print(f"  note: weightipy's {variant} frame holds {got['dtype']} columns")
    with np.load(out) as weights:
        return info, {v: weights[v] for v in info["variants"]}


def peer_command(
    name: str, args: argparse.Namespace, tmpdir: Path, codes: pd.DataFrame, npz: Path
) -> tuple[list[str], Path] | None:
    """The command running a peer on the integer codes, and the file of its weights."""
    if name == "R":
        rscript = shutil.which("Rscript")
        if rscript is None:
            print("  R: Rscript not found; skipped")
            return None
        codes_csv, out, script = tmpdir / "codes.csv", tmpdir / "r_weights.bin", tmpdir / "rake.R"
        codes.to_csv(codes_csv, index=False)
        script.write_text(R_CODE)
        return [rscript, str(script), str(codes_csv), str(out), str(args.r_repeat), str(POP)], out
    if name in PEER_CODE:
        python = peer_python(name, not args.no_install)
        if python is None:
            return None
        script, out = tmpdir / f"peer_{name}.py", tmpdir / f"peer_{name}.npy"
        script.write_text(textwrap.dedent(PEER_CODE[name]))
        cmd = [str(python), str(script), str(npz), str(out), str(args.repeat)]
        return [*cmd, json.dumps(SHARES), str(POP)], out
    print(f"  {name}: unknown peer; skipped")
    return None


def report(
    results: list[Result],
    mine: dict[str, list[float]],
    mine_cpu: dict[str, list[float]],
    same: dict | None,
) -> None:
    """Print every tool's times and agreement, and the ratios to the toolkit's times."""
    print()
    print(
        f"{'tool':<28} {'version':<9} {'best s':>8} {'median s':>9} {'max rel diff w':>15} "
        f"{'margin err':>11}"
    )
    for name, version, secs, rel, err in results:
        print(
            f"{name:<28} {version:<9} {min(secs):>8.3f} {statistics.median(secs):>9.3f} "
            f"{rel:>15.2e} {err:>11.2e}"
        )
    print(f"(max rel diff w: to the weights of toolkit {next(iter(mine))})")
    peers = [r for r in results if not r[0].startswith(("toolkit", "weightipy on "))]
    if peers:
        print("\npeer's median time (on integer codes) / toolkit's median time, by column type:")
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
                f"fastest peer ({fastest[0]} on integer codes); target >= 10x"
            )
    if same:
        print("\nweightipy and the toolkit on the same DataFrame, from it to the weights")
        print("(medians of wall and of CPU seconds; CPU time depends less on the load):")
        print(
            f"{'column type':<16} {'dtype':<22} {'weightipy s':>11} {'toolkit s':>9} {'ratio':>7}"
            f" {'CPU: weightipy':>14} {'toolkit':>8} {'ratio':>7}"
        )
        for variant, info in same["variants"].items():
            t_w, t_t = statistics.median(info["seconds"]), statistics.median(mine[variant])
            c_w, c_t = statistics.median(info["cpu"]), statistics.median(mine_cpu[variant])
            print(
                f"{variant:<16} {info['dtype']:<22} {t_w:>11.3f} {t_t:>9.3f} {t_w / t_t:>6.1f}x"
                f" {c_w:>14.3f} {c_t:>8.3f} {c_w / c_t:>6.1f}x"
            )
        print("target >= 10x")
    others = [r for r in results if not r[0].startswith("toolkit")]
    if others:
        print(
            f"largest relative weight difference to a peer: {max(r[3] for r in others):.2e} "
            "(target 1e-8)"
        )
    worst = max(r[4] for r in results if r[0].startswith("toolkit"))
    print(f"toolkit margins met to {worst:.2e} (target 1e-10)")


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
        default=",".join(VARIANTS),
        help=f"column types the toolkit rakes, of {', '.join(VARIANTS)} (default: all)",
    )
    parser.add_argument("--long-labels", action="store_true", help="labels of 10 to 25 bytes")
    parser.add_argument(
        "--no-install", action="store_true", help="do not create missing peer environments"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per peer")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        parser.error(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]

    codes = make_data(args.rows, args.seed)
    arrays = {k: codes[k].to_numpy() for k in "abc"}
    labels = labels_of(args.long_labels)
    margins = {k: dict(zip(labels[k], np.asarray(SHARES[k]) * POP, strict=True)) for k in "abc"}
    print(f"raking {args.rows:,} rows on margins a (5 levels) x b (4) x c (3); population {POP:,}")
    print(
        f"sample cells: {codes.groupby(['a', 'b', 'c']).ngroups} of 60; "
        f"corr(a,b)={np.corrcoef(codes['a'], codes['b'])[0, 1]:.2f}; "
        f"labels such as {labels['a'][1]!r}"
    )
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        tmpdir = Path(tmp)
        files = [tmpdir / "data.npz", tmpdir / "labels.json", tmpdir / "data.csv"]
        np.savez(files[0], a=arrays["a"], b=arrays["b"], c=arrays["c"])
        files[1].write_text(json.dumps(labels))
        as_text = {k: np.array(labels[k], dtype=object)[arrays[k]] for k in "abc"}
        pd.DataFrame(as_text).to_csv(files[2], index=False)

        # -- toolkit --------------------------------------------------------------------
        frames = {v: build(v, arrays, labels, files[2]) for v in variants}
        mine: dict[str, list[float]] = {v: [] for v in variants}
        mine_cpu: dict[str, list[float]] = {v: [] for v in variants}
        results: list[Result] = []
        w_tk = np.empty(0)
        for variant, df in frames.items():
            times, cpu, w = time_rake(df, margins, max(args.repeat, TOOLKIT_REPEAT))
            w_tk = w if not len(w_tk) else w_tk
            mine[variant] += times
            mine_cpu[variant] += cpu
            rel = float(np.max(np.abs(w - w_tk) / w_tk))
            results.append((f"toolkit {variant}", "0.1.0", times, rel, margins_met(codes, w)))
            print(
                f"  toolkit on {variant} ({df['a'].dtype}): {min(times):.3f} s best, "
                f"{statistics.median(times):.3f} s median of {len(times)}",
                flush=True,
            )

        # -- weightipy on the toolkit's DataFrames, then every peer on integer codes -----
        same = weightipy_same(args, tmpdir, frames, files) if "weightipy" in wanted else None
        if same is not None:
            info, weights = same
            for variant, got in info["variants"].items():
                w = weights[variant] * POP / weights[variant].sum()
                rel = float(np.max(np.abs(w - w_tk) / w_tk))
                name = f"weightipy on {variant}"
                results.append((name, info["version"], got["seconds"], rel, margins_met(codes, w)))
        for name in wanted:
            command = peer_command(name, args, tmpdir, codes, files[0])
            if command is None:
                continue
            print(f"  {name}: running ...", flush=True)
            got_peer = run_peer(name, *command, args.timeout)
            if got_peer is None:
                continue
            peer_info, w = got_peer
            w = w * POP / w.sum()  # weightipy and balance return weights on their own scale
            rel = float(np.max(np.abs(w - w_tk) / w_tk))
            version = peer_info["version"]
            results.append((name, version, peer_info["seconds"], rel, margins_met(codes, w)))

        # The load of a shared machine drifts during the peers' minutes: time the toolkit
        # again after them, so that its medians span the whole run.
        if len(results) > len(variants):
            for variant, df in frames.items():
                times, cpu, _ = time_rake(df, margins, max(args.repeat, TOOLKIT_REPEAT))
                mine[variant] += times
                mine_cpu[variant] += cpu

    report(results, mine, mine_cpu, same[0] if same is not None else None)


if __name__ == "__main__":
    main()
