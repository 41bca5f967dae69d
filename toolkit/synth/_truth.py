"""The true state of every Society: programme profile and response status.

:func:`simulate_truth` draws, over the membership frame, each Society's activities
(with stages, target groups, service types and reach), its scale and cooperation,
and whether it returns the questionnaire.  The response model favours larger and
richer Societies, which also run more activities, so naive estimates are biased
upwards as in a real mapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.frame import load_frame
from toolkit.instrument import Instrument, load_instrument

__all__ = ["simulate_truth"]

_ZONE_RESPONSE = {
    "africa": -0.35,
    "americas": 0.05,
    "asia_pacific": -0.2,
    "europe": 0.55,
    "mena": -0.6,
}
_INCOME = {"low": -0.6, "lower_middle": -0.2, "upper_middle": 0.2, "high": 0.6}
_POP = {"lt1m": -0.5, "1m_10m": -0.1, "10m_50m": 0.25, "50m_plus": 0.5}
_ACT_MODEL: dict[str, tuple[float, dict[str, float]]] = {
    "rfl": (0.9, {"transit": 0.4, "origin": 0.3, "africa": 0.4}),
    "health": (0.5, {"transit": 0.6, "low": 0.3, "lower_middle": 0.2}),
    "pss": (-0.2, {"destination": 0.4, "high": 0.5, "europe": 0.3}),
    "shelter": (-0.6, {"transit": 0.5, "destination": 0.3}),
    "relief": (0.6, {"transit": 0.8, "low": 0.5, "mena": 0.3}),
    "cash": (-0.5, {"upper_middle": 0.3, "americas": 0.5, "mena": 0.4}),
    "wash": (-0.8, {"transit": 0.6, "low": 0.4}),
    "info": (0.4, {"transit": 0.5, "origin": 0.3, "destination": 0.3}),
    "legal": (-1.2, {"high": 1.2, "destination": 0.6}),
    "protection": (-0.4, {"transit": 0.4, "high": 0.3}),
    "hsp": (-1.0, {"transit": 1.0, "americas": 0.6, "europe": 0.3}),
    "inclusion": (-0.9, {"destination": 1.0, "high": 0.8}),
    "education": (-1.0, {"destination": 0.9, "high": 0.6}),
    "livelihoods": (-1.1, {"destination": 0.5, "origin": 0.4}),
    "detention": (-2.0, {"high": 1.2, "europe": 0.8}),
    "return": (-1.2, {"origin": 1.2, "africa": 0.4}),
    "advocacy": (-0.5, {"high": 0.5, "destination": 0.3}),
    "awareness": (-0.3, {"origin": 0.8, "transit": 0.3}),
    "rescue": (-2.2, {"transit": 0.9, "southern_europe": 1.5}),
}
_STAGE_BY_CONTEXT = {
    "origin": {"origin": 0.8, "transit": 0.15, "destination": 0.15, "return": 0.5},
    "transit": {"origin": 0.15, "transit": 0.85, "destination": 0.3, "return": 0.2},
    "destination": {"origin": 0.05, "transit": 0.2, "destination": 0.9, "return": 0.15},
    "mixed": {"origin": 0.4, "transit": 0.5, "destination": 0.5, "return": 0.3},
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_truth(
    frame: pd.DataFrame | None = None,
    *,
    seed: int = 2026,
    instrument: Instrument | None = None,
    response_shift: float = 0.0,
) -> pd.DataFrame:
    """Draw the true programme profile and response status of every Society.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        Membership frame (the bundled one by default).
    seed : int, default 2026
        Seed of the random generator.
    instrument : Instrument, optional
        Supplies the activity, stage, target-group and service-type codes.
    response_shift : float, default 0.0
        Added to the response log-odds of every Society (0 gives about 50%).

    Returns
    -------
    pandas.DataFrame
        One row per Society: frame columns, ``p_respond``, ``responded`` (bool),
        ``activities__<a>`` (0/1), ``<a>_stage``/``_groups``/``_service``
        (space-separated codes), ``<a>_reached``, ``branches_total``,
        ``branches_migration``, ``staff_migration``, ``volunteers_migration``,
        ``people_reached``, ``coop_any``, ``coop_partners``, ``coop_activities``,
        ``coop_interest``, ``work_languages``.
    """
    rng = np.random.default_rng(seed)
    frame = load_frame() if frame is None else frame
    inst = instrument or load_instrument()
    df = frame.reset_index(drop=True).copy()
    n = len(df)
    ctx = df["migration_context"].astype(str).to_numpy()
    inc = df["income_group"].astype(str).to_numpy()
    zone = df["zone"].astype(str).to_numpy()
    sub = df["subregion"].astype(str).to_numpy()
    pop = df["population_band"].astype(str).to_numpy()
    size = np.array([_POP[p] for p in pop]) + rng.normal(0, 0.5, n)  # latent capacity
    df["_capacity"] = size

    codes = [c for c in inst.choice_names("activity") if c != "other"]
    stages = inst.choice_names("stage")
    groups = inst.choice_names("target_group")
    services = inst.choice_names("service_type")
    total_acts = np.zeros(n)
    for a in codes:
        base, eff = _ACT_MODEL.get(a, (-0.5, {}))
        lin = (
            base
            + 0.45 * size
            + np.array(
                [
                    eff.get(c, 0) + eff.get(i, 0) + eff.get(z, 0) + eff.get(s, 0)
                    for c, i, z, s in zip(ctx, inc, zone, sub)
                ]
            )
        )
        has = rng.random(n) < _sigmoid(lin)
        df[f"activities__{a}"] = has.astype(int)
        total_acts += has
        st: list[str] = []
        gr: list[str] = []
        sv: list[str] = []
        reach: list[float] = []
        for k in range(n):
            if not has[k]:
                st.append("")
                gr.append("")
                sv.append("")
                reach.append(np.nan)
                continue
            probs = _STAGE_BY_CONTEXT.get(ctx[k], _STAGE_BY_CONTEXT["mixed"])
            chosen = [s for s in stages if rng.random() < probs.get(s, 0.3)]
            if a == "return" and "return" not in chosen:
                chosen.append("return")
            st.append(" ".join(chosen or [stages[rng.integers(len(stages))]]))
            g = [x for x in groups if rng.random() < 0.35]
            gr.append(" ".join(g or [groups[rng.integers(len(groups))]]))
            default_service = {
                "advocacy": "advocacy",
                "awareness": "awareness",
                "protection": "protection",
                "legal": "protection",
            }.get(a)
            s_ = [x for x in services if rng.random() < 0.25]
            if default_service and default_service not in s_:
                s_.append(default_service)
            if not s_:
                s_ = ["assistance"]
            sv.append(" ".join(x for x in services if x in s_))
            reach.append(float(np.round(np.exp(rng.normal(6.5 + 0.8 * size[k], 1.2)))))
        df[f"{a}_stage"] = st
        df[f"{a}_groups"] = gr
        df[f"{a}_service"] = sv
        df[f"{a}_reached"] = (
            pd.Series(reach, index=df.index, dtype="Float64").round().astype("Int64")
        )
    df["has_migration_programme"] = np.where(total_acts > 0, "yes", "no")
    branches = np.maximum(1, np.round(np.exp(rng.normal(3.2 + 0.9 * size, 0.6)))).astype(int)
    df["branches_total"] = branches
    df["branches_migration"] = np.where(
        total_acts > 0,
        np.minimum(branches, np.maximum(1, np.round(branches * rng.beta(2, 5, n)))).astype(int),
        0,
    )
    df["staff_migration"] = np.round(np.exp(rng.normal(1.5 + 0.6 * size, 0.8))).astype(int)
    df["volunteers_migration"] = np.round(np.exp(rng.normal(4.5 + 0.9 * size, 1.0))).astype(int)
    reached_cols = [f"{a}_reached" for a in codes]
    df["people_reached"] = (
        df[reached_cols].astype("Float64").sum(axis=1, min_count=1).round().astype("Int64")
    )
    coop = rng.random(n) < _sigmoid(-0.3 + 0.5 * size)
    df["coop_any"] = np.where(coop, "yes", "no")
    partners: list[str] = []
    coop_acts: list[str] = []
    for k in range(n):
        if not coop[k]:
            partners.append("")
            coop_acts.append("")
            continue
        same_zone = df.index[(df["zone"] == zone[k]) & (df.index != k)].to_numpy()
        pick = rng.choice(
            same_zone, size=min(len(same_zone), int(rng.integers(1, 4))), replace=False
        )
        if rng.random() < 0.3:
            other = df.index[df["zone"] != zone[k]].to_numpy()
            pick = np.append(pick, rng.choice(other))
        partners.append(" ".join(sorted(df.loc[pick, "iso3"].astype(str))))
        mine = [a for a in codes if df.at[k, f"activities__{a}"]] or ["info"]
        coop_acts.append(" ".join(rng.choice(mine, size=min(2, len(mine)), replace=False)))
    df["coop_partners"] = partners
    df["coop_activities"] = coop_acts
    df["coop_interest"] = np.where(rng.random(n) < 0.7, "yes", "no")
    langs = df.get("languages", pd.Series("en", index=df.index)).fillna("en").astype(str)
    known = set(inst.choice_names("language"))
    df["work_languages"] = [
        " ".join(x for x in s.split(";") if x in known) or "other" for s in langs
    ]
    lin = (
        response_shift
        + np.array([_ZONE_RESPONSE[z] for z in zone])
        + np.array([_INCOME[i] for i in inc])
        + 0.5 * size
        + 0.04 * (total_acts - 6)
    )
    df["p_respond"] = _sigmoid(lin)
    df["responded"] = rng.random(n) < df["p_respond"].to_numpy()
    return df.drop(columns=["_capacity"])
