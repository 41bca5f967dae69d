"""The earlier round's questionnaire answers, in the shape of the current round's truth.

:func:`previous_round_truth` gives, for every Society, what it would have answered in
the earlier round of :func:`~toolkit.synth.simulate_rounds`: its activities then (the
``previous__<a>`` flags), the details of each activity (kept from the current round
for an activity run in both rounds, drawn afresh for one that ended since), scale and
cooperation, and whether it answered that round.  The table has the columns of
:func:`~toolkit.synth.simulate_truth`, so the same export writer turns it into a
KoboToolbox download.  Everything here is SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument
from toolkit.synth._rounds import SyntheticRounds
from toolkit.synth._truth import _STAGE_BY_CONTEXT

__all__ = ["previous_round_truth"]


def _drawn_details(
    context: str, code: str, inst: Instrument, rng: np.random.Generator
) -> tuple[str, str, str, float]:
    """Stages, target groups, service types and reach of an activity run then only."""
    stages = inst.choice_names("stage")
    probs = _STAGE_BY_CONTEXT.get(context, _STAGE_BY_CONTEXT["mixed"])
    st = [s for s in stages if rng.random() < probs.get(s, 0.3)] or [stages[1]]
    groups = inst.choice_names("target_group")
    gr = [g for g in groups if rng.random() < 0.35] or [groups[3]]
    services = inst.choice_names("service_type")
    sv = [x for x in services if rng.random() < 0.25] or ["assistance"]
    if code == "return" and "return" not in st:
        st.append("return")
    reach = float(np.round(np.exp(rng.normal(6.2, 1.2))))
    return (
        " ".join(s for s in stages if s in st),
        " ".join(gr),
        " ".join(sv),
        reach,
    )


def previous_round_truth(
    details: pd.DataFrame, rounds: SyntheticRounds, inst: Instrument, rng: np.random.Generator
) -> pd.DataFrame:
    """Every Society's answers in the earlier round and whether it answered then.

    Parameters
    ----------
    details : pandas.DataFrame
        The current round's truth (:func:`~toolkit.synth.simulate_truth`), in the frame
        order of ``rounds.truth``.
    rounds : SyntheticRounds
        The activities of both rounds and the response in each.
    inst : Instrument
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        The columns of ``details`` with the earlier round's answers; ``responded`` and
        ``p_respond`` are those of the earlier round.
    """
    t = rounds.truth
    if not (t["iso3"].to_numpy() == details["iso3"].to_numpy()).all():
        raise ValueError("details and rounds.truth must list the Societies in the same order")
    out = details.copy()
    n = len(out)
    ctx = out["migration_context"].astype(str).to_numpy()
    for a in rounds.codes:
        was = t[f"previous__{a}"].to_numpy(bool)
        now = t[f"activities__{a}"].to_numpy(bool)
        out[f"activities__{a}"] = was.astype(int)
        stage = out[f"{a}_stage"].to_numpy(dtype=object, copy=True)
        groups = out[f"{a}_groups"].to_numpy(dtype=object, copy=True)
        service = out[f"{a}_service"].to_numpy(dtype=object, copy=True)
        reach = out[f"{a}_reached"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        reach = np.where(now, np.round(reach * np.exp(rng.normal(-0.1, 0.3, n))), reach)
        for i in np.flatnonzero(was & ~now):
            stage[i], groups[i], service[i], reach[i] = _drawn_details(ctx[i], a, inst, rng)
        off = ~was
        stage[off], groups[off], service[off], reach[off] = "", "", "", np.nan
        out[f"{a}_stage"], out[f"{a}_groups"], out[f"{a}_service"] = stage, groups, service
        out[f"{a}_reached"] = pd.Series(np.round(reach), index=out.index).astype("Int64")
    flags = t[[f"previous__{a}" for a in rounds.codes]].to_numpy(int)
    total = flags.sum(axis=1)
    out["has_migration_programme"] = np.where(total > 0, "yes", "no")
    out["people_reached"] = (
        out[[f"{a}_reached" for a in rounds.codes]]
        .astype("Float64")
        .sum(axis=1, min_count=1)
        .round()
        .astype("Int64")
    )
    out["branches_migration"] = np.where(
        total > 0, np.maximum(1, out["branches_migration"].to_numpy()), 0
    )
    for col in ("staff_migration", "volunteers_migration"):
        out[col] = np.round(out[col].to_numpy() * np.exp(rng.normal(-0.1, 0.3, n))).astype(int)
    coop_acts: list[str] = []
    for k in range(n):
        mine = [a for j, a in enumerate(rounds.codes) if flags[k, j]] or ["info"]
        pick = rng.choice(mine, size=min(2, len(mine)), replace=False)
        coop_acts.append(" ".join(pick) if out.at[k, "coop_any"] == "yes" else "")
    out["coop_activities"] = coop_acts
    p_prev = np.where(t["responded"], t["p_previous_if_current"], t["p_previous_if_not_current"])
    out["p_respond"] = p_prev
    out["responded"] = t["responded_previous"].to_numpy(bool)
    return out
