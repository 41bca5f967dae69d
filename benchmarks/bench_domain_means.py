"""Benchmark: domain means with standard errors, 50 binary indicators by 5 zones.

A stratified design of 165,000 units (24 strata that cut across the 5 zones, finite
population correction, unequal weights) is generated with a seed.  The script times
``Design.mean(indicators, by="zone")`` side by side with R's
``svyby(~y00+...+y49, ~zone, design, svymean)`` (timed inside R) and the Python peers svy
and samplics (each in its own virtual environment under ``benchmarks/_work/``, created
with pip unless ``--no-install``; a peer that cannot be installed or run is skipped).

It prints the best wall time of ``--repeat`` runs per tool (data loading, imports and
design construction are not timed), the ratio to the toolkit, and the largest relative
difference of the estimates and standard errors from the toolkit's.  Run from the
repository root::

    .venv/bin/python benchmarks/bench_domain_means.py
"""

from __future__ import annotations

import argparse
import shutil
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

ZONES = ["africa", "americas", "asia_pacific", "europe", "mena"]

# Each peer script gets: data.npz, out.npz (est and se, shape (zones, indicators)), repeat.
PEER_CODE = {
    "svy": """
        import numpy as np, polars as pl, time, json, sys, importlib.metadata as md
        import svy
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3])
        y = d["y"]; k = y.shape[1]; cols = [f"y{j:02d}" for j in range(k)]
        zones = [str(z) for z in d["zones"]]
        df = pl.DataFrame({"zone": np.asarray(zones)[d["zone"]], "stratum": d["stratum"].astype(np.int64),
                           "w": d["w"], "N": d["N"], **{c: y[:, j].astype(np.float64) for j, c in enumerate(cols)}})
        sample = svy.Sample(df, svy.Design(stratum="stratum", wgt="w", pop_size="N"))
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); res = sample.estimation.mean(cols, by="zone"); times.append(time.perf_counter() - t)
        est = np.empty((len(zones), k)); se = np.empty((len(zones), k))
        for j, r in enumerate(res):
            tab = r.to_polars()
            order = [zones.index(z) for z in tab["zone"].to_list()]
            est[order, j] = tab["est"].to_numpy(); se[order, j] = tab["se"].to_numpy()
        np.savez(sys.argv[2], est=est, se=se)
        print(json.dumps({"seconds": times, "version": md.version("svy")}))
    """,
    "samplics": """
        import numpy as np, time, json, sys, warnings, importlib.metadata as md
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils import PopParam
        d = np.load(sys.argv[1]); repeat = int(sys.argv[3])
        y, w, stratum, zone = d["y"], d["w"], d["stratum"], d["zone"]
        n_h = np.bincount(stratum); N_h = np.zeros(len(n_h)); N_h[stratum] = d["N"]
        fpc = {int(h): 1.0 - n_h[h] / N_h[h] for h in range(len(n_h))}
        k = y.shape[1]; nz = len(d["zones"])
        def run():
            est = np.empty((nz, k)); se = np.empty((nz, k))
            for j in range(k):
                e = TaylorEstimator(PopParam.mean)
                e.estimate(y=y[:, j].astype(np.float64), samp_weight=w, stratum=stratum, domain=zone, fpc=fpc)
                for z in range(nz):
                    est[z, j] = e.point_est[z]; se[z, j] = e.stderror[z]
            return est, se
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); est, se = run(); times.append(time.perf_counter() - t)
        np.savez(sys.argv[2], est=est, se=se)
        print(json.dumps({"seconds": times, "version": md.version("samplics")}))
    """,
}

R_CODE = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); repeat_n <- as.integer(args[3])
cols <- grep("^y", names(d), value=TRUE)
des <- svydesign(id=~1, strata=~stratum, weights=~w, fpc=~N, data=d)
f <- as.formula(paste("~", paste(cols, collapse="+")))
times <- numeric(0)
for (i in seq_len(repeat_n)) {
  t <- system.time(r <- svyby(f, ~zone, des, svymean))[["elapsed"]]
  times <- c(times, t)
}
out <- data.frame(zone=r$zone, r[, cols], r[, paste0("se.", cols)])
write.csv(format(out, digits=17), args[2], row.names=FALSE)
cat(sprintf('{"seconds": [%s], "version": "%s"}\n', paste(times, collapse=", "), packageVersion("survey")))
"""


def make_data(n: int, k: int, seed: int) -> pd.DataFrame:
    """Stratified sample: 24 strata (income x size) crossing 5 zones, fpc, unequal weights."""
    rng = np.random.default_rng(seed)
    zone = rng.choice(len(ZONES), size=n, p=[0.25, 0.18, 0.2, 0.27, 0.1])
    income = np.minimum(3, np.maximum(0, zone % 4 + rng.integers(-1, 2, n)))
    size = rng.integers(0, 6, n)
    stratum = income * 6 + size
    n_h = np.bincount(stratum, minlength=24)
    frac = np.linspace(0.05, 0.6, 24)  # sampling fraction per stratum
    N_h = np.ceil(n_h / frac)
    w = (N_h / n_h)[stratum] * rng.uniform(0.8, 1.25, n)  # e.g. after a non-response adjustment
    base = rng.uniform(0.1, 0.8, k)
    logit = (
        np.log(base / (1 - base))[None, :]
        + 0.4 * (zone[:, None] - 2) / 2
        + 0.2 * (size[:, None] - 2.5) / 2.5
    )
    y = (rng.random((n, k)) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    df = pd.DataFrame(
        {
            "zone": pd.Categorical.from_codes(zone, ZONES),
            "stratum": stratum,
            "w": w,
            "N": N_h[stratum],
        }
    )
    ys = pd.DataFrame(y, columns=[f"y{j:02d}" for j in range(k)])
    return pd.concat([df, ys], axis=1)


def run_peer(name: str, cmd: list[str], timeout: int) -> dict | None:
    return run_json(name, cmd, timeout)


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=165_000)
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20240612)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per tool (best is kept)")
    parser.add_argument("--r-repeat", type=int, default=3, help="timed runs of R's svyby")
    parser.add_argument("--peers", default="R,svy,samplics")
    parser.add_argument(
        "--no-install", action="store_true", help="do not create missing peer environments"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per peer")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)

    df = make_data(args.rows, args.indicators, args.seed)
    cols = [c for c in df.columns if c.startswith("y")]
    print(
        f"domain means of {len(cols)} binary indicators by {len(ZONES)} zones; {len(df):,} units, "
        f"{df['stratum'].nunique()} strata (crossing the zones), fpc, unequal weights"
    )

    # -- toolkit ------------------------------------------------------------------------
    t0 = time.perf_counter()
    design = Design(df, weights="w", strata="stratum", fpc="N")
    t_design = time.perf_counter() - t0
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = design.mean(cols, by="zone")
        times.append(time.perf_counter() - t0)
    est_tk = res["estimate"].to_numpy().reshape(len(ZONES), len(cols))
    se_tk = res["se"].to_numpy().reshape(len(ZONES), len(cols))
    results = [("toolkit", "0.1.0", min(times), 0.0, 0.0)]
    print(
        f"  toolkit: {min(times):.3f} s (best of {len(times)}; first run {times[0]:.3f} s; "
        f"Design() took {t_design:.3f} s)"
    )

    # -- peers --------------------------------------------------------------------------
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        tmpdir = Path(tmp)
        npz = tmpdir / "data.npz"
        np.savez(
            npz,
            zone=df["zone"].cat.codes.to_numpy(),
            zones=np.array(ZONES),
            stratum=df["stratum"].to_numpy(),
            w=df["w"].to_numpy(),
            N=df["N"].to_numpy(),
            y=df[cols].to_numpy(),
        )
        for name in wanted:
            if name == "R":
                rscript = shutil.which("Rscript")
                if rscript is None:
                    print("  R: Rscript not found; skipped")
                    continue
                csv, out, script = tmpdir / "data.csv", tmpdir / "r_out.csv", tmpdir / "svyby.R"
                df.to_csv(csv, index=False, float_format="%.17g")
                script.write_text(R_CODE)
                cmd = [rscript, str(script), str(csv), str(out), str(args.r_repeat)]
            elif name in PEER_CODE:
                python = peer_python(name, not args.no_install)
                if python is None:
                    continue
                script, out = tmpdir / f"peer_{name}.py", tmpdir / f"peer_{name}.npz"
                script.write_text(textwrap.dedent(PEER_CODE[name]))
                cmd = [str(python), str(script), str(npz), str(out), str(args.repeat)]
            else:
                print(f"  {name}: unknown peer; skipped")
                continue
            print(f"  {name}: running ...", flush=True)
            info = run_peer(name, cmd, args.timeout)
            if info is None:
                continue
            if name == "R":
                r = pd.read_csv(out).set_index("zone").loc[ZONES]
                est, se = r[cols].to_numpy(), r[[f"se.{c}" for c in cols]].to_numpy()
            else:
                got = np.load(out)
                est, se = got["est"], got["se"]
            results.append(
                (
                    name,
                    info["version"],
                    min(info["seconds"]),
                    rel_diff(est, est_tk),
                    rel_diff(se, se_tk),
                )
            )

    # -- report -------------------------------------------------------------------------
    t_tk = results[0][2]
    print()
    print(
        f"{'tool':<10} {'version':<9} {'seconds':>9} {'x toolkit':>10} {'max rel diff est':>17} {'max rel diff SE':>16}"
    )
    for name, version, secs, d_est, d_se in results:
        print(
            f"{name:<10} {version:<9} {secs:>9.3f} {secs / t_tk:>10.1f} {d_est:>17.2e} {d_se:>16.2e}"
        )
    for name, _, secs, _, d_se in results[1:]:
        if name == "R":
            print(
                f"\ntoolkit is {secs / t_tk:.1f}x faster than R's svyby (target >= 10x); "
                f"SEs agree to {d_se:.1e} (target 1e-10)"
            )


if __name__ == "__main__":
    main()
