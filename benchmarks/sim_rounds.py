"""Simulation study: change between two mapping rounds, and carry-forward sensitivity.

Two rounds over the 193 member Societies are drawn once per scenario with
:func:`toolkit.synth.simulate_rounds` (the demo's truth as the current round, 2026, and
an earlier round, 2024, with known transitions).  Then, in every replication, who
answers each round is drawn again (:func:`toolkit.synth.redraw_response`; a Society
that answers one round is more likely to answer the other), and

* the change in the share of Societies running each of the 19 activities, by zone and
  overall, is estimated with :func:`toolkit.mapping.activity_change` (class weighting
  zone x income group in both rounds, covariance from the Societies answering both);
  its interval is compared with two alternatives: ``independent`` ignores the
  covariance (``sqrt(se_previous^2 + se_current^2)``), and ``stacked`` is what R's
  ``svyby(~y, ~round, svymean, covmat=TRUE)`` + ``svycontrast`` give on the union of
  both rounds' respondents stacked as one design (Society as cluster, class strata,
  fpc ``N_h``; each round's rows with that round's weights), computed here with
  :class:`toolkit.survey.Design` on the linearised difference;
* the current share is estimated by the non-response weighted estimate and by the
  carry-forward sensitivity analysis (:func:`toolkit.nonresponse.carry_forward_shares`,
  answers at most ``--max-age`` years old, 2 by default: the earlier round is 2 years
  old, so ``--max-age 1`` carries nothing and gives the weighted estimate twice).

The rounds' answers are those the analytical database holds: for each round the
synthetic programmes (:func:`toolkit.synth.simulate_programmes`, with programmes that
start, continue and end) are turned into Society-level activity types the way
ingestion does (:func:`toolkit.mapping.activities_from_programmes`, for the Societies
that list programmes), and the run checks that this gives every Society's true
activities of that round (``programme_answers_match``) before the replications.

Truth is the finite-population share (only response is random).  Scenarios:
``stable`` (8% of current programmes are new, 5% of the pairs without a programme
had one that ended) and ``many_ending`` (45% of them had one that ended).  Response
models: ``generator`` (the demo's: zone, income group, a latent capacity and the
activities run; not missing at random given the frame, so some bias remains) and
``classes`` (zone and income group only: missing at random within the weighting
classes, where the intervals should cover 95%).

Run::

    .venv/bin/python benchmarks/sim_rounds.py --reps 500 --seed 2026

The last lines say, per scenario and response model, whether carry-forward helped
(smaller mean absolute bias than the weighted estimate) or misled.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from toolkit.errors import WeightingError
from toolkit.instrument import load_instrument
from toolkit.mapping import (
    PROGRAMME_QUESTIONS,
    activities_from_programmes,
    activity_change,
    activity_indicators,
    round_classes,
)
from toolkit.nonresponse import CARRY_FORWARD_METHOD, WEIGHTED_METHOD, carry_forward_shares
from toolkit.survey import Design
from toolkit.synth import (
    SyntheticRounds,
    redraw_response,
    simulate_programmes,
    simulate_rounds,
    simulate_truth,
)

SCENARIOS = ("stable", "many_ending")
RESPONSES = ("generator", "classes")
Z95 = 1.959963984540054


def stacked_se(
    frame: pd.DataFrame, previous, current, codes: list[str], min_respondents: int = 5
) -> pd.Series:
    """SE of the change from the stacked union design (R's svyby + svycontrast).

    Both rounds' respondents are stacked (one row per Society and round, with that
    round's class weight); the design has the Society as cluster, the shared classes
    as strata and fpc ``N_h``.  The SE of a contrast of domain means equals that of
    the total of the linearised difference ``g = 1_cur (y - p_cur) / N_cur -
    1_prev (y - p_prev) / N_prev`` (computed per domain).  Checked against R survey
    4.1.1 on the 48-Society example of ``tests/test_mapping_change.py``
    (``min_respondents=2``): overall SEs 0.04853 and 0.05112, where the round-aware
    interval of :func:`toolkit.mapping.activity_change` gives 0.09345 and 0.08958.
    """
    iso = frame["iso3"].astype(str)
    resp = [iso.isin(t["ns_iso3"].astype(str)).to_numpy() for t in (previous, current)]
    labels = round_classes(frame, resp, min_respondents=min_respondents)
    cls = pd.Series(labels.to_numpy(), index=iso)
    N = cls.value_counts().astype(float)
    zone = pd.Series(frame["zone"].astype(str).to_numpy(), index=iso)
    parts = []
    for t, table in enumerate((previous, current)):
        y = activity_indicators(table, codes).to_numpy(float)
        key = table["ns_iso3"].astype(str).to_numpy()
        c = cls.loc[key].to_numpy()
        n = pd.Series(c).value_counts()
        w = N.loc[c].to_numpy() / n.loc[c].to_numpy()
        parts.append((t, key, c, w, y, zone.loc[key].to_numpy()))
    rows, gz, ga = [], [], []
    for t, key, c, w, y, z in parts:
        sign = 1.0 if t == 1 else -1.0
        p_all = (w[:, None] * y).sum(0) / w.sum()
        ga.append(sign * (y - p_all) / w.sum())
        g = np.empty_like(y)
        for zz in np.unique(z):
            m = z == zz
            g[m] = sign * (y[m] - (w[m, None] * y[m]).sum(0) / w[m].sum()) / w[m].sum()
        gz.append(g)
        rows.append(
            pd.DataFrame({"ns_iso3": key, "cls": c, "N": N.loc[c].to_numpy(), "w": w, "zone": z})
        )
    data = pd.concat(rows, ignore_index=True)
    names = [f"g__{a}" for a in codes]
    alls = [f"a__{a}" for a in codes]
    data[names] = np.vstack(gz)
    data[alls] = np.vstack(ga)
    des = Design(data, ids="ns_iso3", strata="cls", fpc="N", weights="w")
    by = des.total(names, by="zone")["se"].rename(index=lambda v: str(v)[3:], level="variable")
    overall = des.total(alls)["se"].rename(index=lambda v: str(v)[3:])
    out = pd.concat([by, pd.concat({"all": overall}, names=["zone"])])
    return out.rename_axis(["zone", "code"])


def programme_answers(rounds: SyntheticRounds, seed: int) -> tuple[float, int, int]:
    """Every Society's activity types of each round taken from its synthetic programmes
    as ingestion does, compared with the truth.

    Returns
    -------
    match : float
        Share of (Society, round, activity) cells of the Societies that list programmes
        where the programme-derived answer equals the true activity (1.0 expected).
    programmes : int
        Programmes (rows of the programme truth) over both rounds.
    listing : int
        (Society, round) pairs that list programmes.
    """
    inst = load_instrument()
    details = simulate_truth(rounds.frame, seed=seed, instrument=inst)
    progs = simulate_programmes(rounds, details, seed=seed, instrument=inst)
    truth = rounds.truth.set_index("iso3")
    codes = list(rounds.codes)
    hits, cells, listing = 0, 0, 0
    for year, prefix in zip(rounds.years, ("previous__", "activities__"), strict=True):
        listed = progs.listed(year)
        repeat = pd.DataFrame(
            {
                "ns_iso3": listed["ns_iso3"],
                PROGRAMME_QUESTIONS["status"]: listed["status"],
                PROGRAMME_QUESTIONS["activities"]: listed["activities"],
            }
        )
        data = pd.DataFrame({"ns_iso3": truth.index, "activities": pd.NA})
        derived, _ = activities_from_programmes(data, repeat, inst)
        mine = derived[derived["ns_iso3"].isin(set(listed["ns_iso3"]))].set_index("ns_iso3")
        got = mine[[f"activities__{a}" for a in codes]].to_numpy(float)
        want = truth.loc[mine.index, [f"{prefix}{a}" for a in codes]].to_numpy(float)
        hits += int((got == want).sum())
        cells += got.size
        listing += len(mine)
    return hits / cells, len(progs.truth), listing


def _nanmean(x: np.ndarray) -> float:
    """Mean of the finite values (NaN when there are none, without a warning)."""
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def simulate(
    reps: int = 500,
    seed: int = 2026,
    scenario: str = "stable",
    response: str = "generator",
    *,
    stacked: bool = True,
    carry: bool = True,
    max_age: int = 2,
    programmes: bool = False,
) -> tuple[pd.Series, pd.DataFrame]:
    """Run one scenario.

    Parameters
    ----------
    reps : int
        Replications (response draws over the same two rounds).
    seed : int
        Seed of the rounds (``simulate_rounds``) and, through a derived stream, of the
        response draws.
    scenario : {"stable", "many_ending"}
    response : {"generator", "classes"}
    stacked, carry : bool, default True
        Also run the stacked-design peer / the carry-forward analysis (their summary
        entries are NaN otherwise).
    max_age : int, default 2
        Oldest answer carried forward, in years.
    programmes : bool, default False
        Also check that the synthetic programmes give the true activities
        (:func:`programme_answers`; NaN otherwise).

    Returns
    -------
    summary : Series
        ``change_mean_bias`` and ``change_mean_abs_bias`` (over zones x activities and
        the overall domain), ``change_all_mean_abs_bias`` (overall domain only),
        ``coverage`` (95% change intervals, pooled over cells and replications),
        ``coverage_all`` (overall domain), ``coverage_min``/``coverage_max`` (over
        cells), ``coverage_independent`` (intervals ignoring the covariance),
        ``coverage_stacked`` (the stacked union design), ``se_ratio`` (mean SE /
        Monte Carlo SD of the change, averaged over cells), ``se_ratio_independent``,
        ``se_ratio_stacked``; for the current share, ``weighted_mean_bias``,
        ``weighted_mean_abs_bias``, ``carry_mean_bias``, ``carry_mean_abs_bias``
        (over zones x activities and overall), ``weighted_all_mean_abs_bias``,
        ``carry_all_mean_abs_bias`` (overall domain), ``carried`` (mean Societies
        carried forward), ``answered_both`` and ``answered_one`` (mean Societies
        answering both rounds / only one), ``programme_answers_match``,
        ``programmes`` and ``listing`` (:func:`programme_answers`), ``max_age``,
        ``replications``, ``failures``.
    per_cell : DataFrame
        Index (zone, code): true change, change bias and coverage, weighted and
        carry-forward bias of the current share.
    """
    rounds = simulate_rounds(seed=seed, scenario=scenario, response=response)
    match, n_prog, listing = programme_answers(rounds, seed) if programmes else (np.nan,) * 3
    truth = rounds.true_shares()
    codes = list(rounds.codes)
    frame = rounds.frame
    y0, y1 = rounds.years
    rng = np.random.default_rng([seed, 1])
    ch, se, se_ind, se_st, w_est, cf_est, carried = [], [], [], [], [], [], []
    both, one = [], []
    failures = 0
    index = None
    for _ in range(reps):
        rr = redraw_response(rounds, seed=int(rng.integers(2**32)))
        try:
            c = activity_change(frame, rr.previous, rr.current, codes=codes)
            s = (
                carry_forward_shares(frame, rr.current, {y0: rr.previous}, year=y1, max_age=max_age)
                if carry
                else None
            )
        except WeightingError:
            failures += 1
            continue
        c = c.set_index(["zone", "code"])
        index = c.index
        ch.append(c["change"].to_numpy())
        se.append(c["se"].to_numpy())
        se_ind.append(np.hypot(c["se_previous"], c["se_current"]).to_numpy())
        nan = np.full(len(index), np.nan)
        if stacked:
            se_st.append(
                stacked_se(frame, rr.previous, rr.current, codes).reindex(index).to_numpy()
            )
        else:
            se_st.append(nan)
        if s is not None:
            est = s.set_index(["zone", "code", "method"])["estimate"]
            w_est.append(est.xs(WEIGHTED_METHOD, level="method").reindex(index).to_numpy())
            cf_est.append(est.xs(CARRY_FORWARD_METHOD, level="method").reindex(index).to_numpy())
        else:
            w_est.append(nan)
            cf_est.append(nan)
        now, then = rr.truth["responded"], rr.truth["responded_previous"]
        carried.append(int((~now & then).sum()) if year_gap(y0, y1) <= max_age else 0)
        both.append(int((now & then).sum()))
        one.append(int((now ^ then).sum()))
    assert index is not None, "every replication failed"
    t = truth.reindex(index)
    E, S, SI, SS = np.array(ch), np.array(se), np.array(se_ind), np.array(se_st)
    W, CF = np.array(w_est), np.array(cf_est)
    true_change, true_cur = t["change"].to_numpy(), t["current"].to_numpy()
    cover = np.abs(E - true_change) <= Z95 * S
    cover_ind = np.abs(E - true_change) <= Z95 * SI
    cover_st = np.where(np.isnan(SS), np.nan, np.abs(E - true_change) <= Z95 * SS)
    sd = E.std(axis=0, ddof=1)
    bias = E.mean(axis=0) - true_change
    w_bias = W.mean(axis=0) - true_cur
    cf_bias = CF.mean(axis=0) - true_cur
    overall = np.asarray(index.get_level_values("zone") == "all")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sd > 0, S.mean(axis=0) / sd, np.nan)
        ratio_ind = np.where(sd > 0, SI.mean(axis=0) / sd, np.nan)
        ratio_st = np.where(sd > 0, SS.mean(axis=0) / sd, np.nan)
    summary = pd.Series(
        {
            "change_mean_bias": bias.mean(),
            "change_mean_abs_bias": np.abs(bias).mean(),
            "change_all_mean_abs_bias": np.abs(bias[overall]).mean(),
            "coverage": cover.mean(),
            "coverage_all": cover[:, overall].mean(),
            "coverage_min": cover.mean(axis=0).min(),
            "coverage_max": cover.mean(axis=0).max(),
            "coverage_independent": cover_ind.mean(),
            "coverage_stacked": cover_st.mean(),
            "se_ratio": _nanmean(ratio),
            "se_ratio_independent": _nanmean(ratio_ind),
            "se_ratio_stacked": _nanmean(ratio_st),
            "weighted_mean_bias": w_bias.mean(),
            "weighted_mean_abs_bias": np.abs(w_bias).mean(),
            "weighted_all_mean_abs_bias": np.abs(w_bias[overall]).mean(),
            "carry_mean_bias": cf_bias.mean(),
            "carry_mean_abs_bias": np.abs(cf_bias).mean(),
            "carry_all_mean_abs_bias": np.abs(cf_bias[overall]).mean(),
            "carried": float(np.mean(carried)),
            "answered_both": float(np.mean(both)),
            "answered_one": float(np.mean(one)),
            "programme_answers_match": match,
            "programmes": n_prog,
            "listing": listing,
            "max_age": max_age,
            "replications": len(E),
            "failures": failures,
        }
    )
    per_cell = pd.DataFrame(
        {
            "true_change": true_change,
            "change_bias": bias,
            "coverage": cover.mean(axis=0),
            "coverage_independent": cover_ind.mean(axis=0),
            "se_ratio": ratio,
            "true_current": true_cur,
            "weighted_bias": w_bias,
            "carry_bias": cf_bias,
        },
        index=index,
    )
    return summary, per_cell


def year_gap(earlier: int, later: int) -> int:
    """Years between two rounds."""
    return int(later) - int(earlier)


def verdict(table: pd.DataFrame) -> list[str]:
    """One line per scenario and response model: did carry-forward help or mislead?"""
    out = []
    for (sc, resp), col in table.items():
        w, c = col["weighted_mean_abs_bias"], col["carry_mean_abs_bias"]
        word = "helps" if c < w else "misleads"
        out.append(
            f"{sc} / {resp}: carry-forward {word} (mean |bias| {c:.4f} against {w:.4f} for "
            f"the weighted estimate; overall domain {col['carry_all_mean_abs_bias']:.4f} "
            f"against {col['weighted_all_mean_abs_bias']:.4f})"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--scenario", choices=[*SCENARIOS, "both"], default="both")
    ap.add_argument("--response", choices=[*RESPONSES, "both"], default="both")
    ap.add_argument("--max-age", type=int, default=2, help="oldest answer carried forward")
    ap.add_argument("--per-cell", action="store_true", help="also print per-cell rows")
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    scenarios = SCENARIOS if args.scenario == "both" else (args.scenario,)
    responses = RESPONSES if args.response == "both" else (args.response,)
    start = time.perf_counter()
    results = {}
    for sc in scenarios:
        for resp in responses:
            t0 = time.perf_counter()
            summary, per = simulate(
                args.reps,
                args.seed,
                scenario=sc,
                response=resp,
                max_age=args.max_age,
                programmes=True,
            )
            summary["seconds"] = time.perf_counter() - t0
            results[(sc, resp)] = summary
            if args.per_cell:
                print(f"\n{sc} / {resp}\n{per.round(4).to_string()}")
    table = pd.DataFrame(results)
    table.columns.names = ["scenario", "response"]
    print(
        f"193 Societies (toolkit.synth seed {args.seed}), rounds 2024 and 2026, "
        f"{args.reps} replications, 19 activities x (5 zones + all); "
        f"{time.perf_counter() - start:.1f} s in all"
    )
    print(table.round(4).to_string())
    print("\n".join(verdict(table)))


if __name__ == "__main__":
    main()
