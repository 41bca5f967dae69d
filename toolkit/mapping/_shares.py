"""Weighted shares of Societies running each activity, by zone, with honest uncertainty."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument
from toolkit.mapping._profiles import activity_codes, activity_indicators
from toolkit.nonresponse import bounds, nonresponse_design
from toolkit.survey import Design

__all__ = [
    "DIMENSIONS",
    "activity_shares",
    "design_columns",
    "forest_table",
    "study_design",
    "unit_indicators",
]

#: Dimensions of :func:`activity_shares`: indicator prefix -> choice list.
DIMENSIONS = {
    "activity": "activity",
    "stage": "stage",
    "group": "target_group",
    "service": "service_type",
}
_ALL = "all"


def unit_indicators(
    responses: pd.DataFrame,
    activities: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    dimensions: Sequence[str] = tuple(DIMENSIONS),
    activity_stage: bool = False,
) -> pd.DataFrame:
    """0/1 indicators per returned questionnaire for every dimension of the mapping.

    ``act__<a>``: runs activity ``a``; ``stage__<s>``, ``group__<g>``,
    ``service__<t>``: runs at least one activity at stage ``s``, for group ``g`` or of
    service type ``t``; with ``activity_stage``, ``act_stage__<a>__<s>``: runs ``a``
    at stage ``s``.  A Society with no programme for migrants has 0 everywhere; an
    unanswered activity question stays missing (item non-response).

    Returns
    -------
    pandas.DataFrame
        ``unit`` (and ``ns_iso3``) plus the indicator columns, aligned with
        ``responses``.
    """
    codes = activity_codes(instrument)
    keys = [unit] if unit == "ns_iso3" else [unit, "ns_iso3"]
    out = responses[keys].copy()
    act = activity_indicators(responses, codes)
    if "activity" in dimensions:
        out = pd.concat([out, act], axis=1)
    any_act = act.fillna(0).sum(axis=1) > 0
    unknown = act.isna().all(axis=1)
    long = activities.copy()
    if not long.empty:
        long["activity"] = long["activity"].astype(str)
    for dim in ("stage", "group", "service"):
        if dim not in dimensions or DIMENSIONS[dim] not in instrument.choices:
            continue
        for level in instrument.choice_names(DIMENSIONS[dim]):
            col = f"{dim}__{level}"
            if long.empty or col not in long:
                hit = pd.Series(0, index=responses.index)
            else:
                by_unit = long.groupby(unit)[col].max().astype("boolean").fillna(False)
                hit = responses[unit].map(by_unit).fillna(False).astype(int)
            values = pd.array(np.where(any_act, hit, 0), dtype="Int8")
            values[unknown.to_numpy()] = pd.NA
            out[col] = values
    if activity_stage and "stage" in instrument.choices and not long.empty:
        for a in codes:
            sub = long[long["activity"] == a]
            for s in instrument.choice_names("stage"):
                col = f"stage__{s}"
                by_unit = (
                    sub.groupby(unit)[col].max().astype("boolean").fillna(False)
                    if col in sub
                    else pd.Series(dtype="boolean")
                )
                hit = responses[unit].map(by_unit).fillna(False).astype(int)
                values = pd.array(hit.to_numpy(), dtype="Int8")
                values[act[f"act__{a}"].isna().to_numpy()] = pd.NA
                out[f"act_stage__{a}__{s}"] = values
    return out


def study_design(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str = "ns_iso3",
    classes: Sequence[str] = ("zone",),
    method: str = "class",
    collapse: bool = True,
    min_respondents: int = 5,
) -> Design:
    """The respondents as a survey design with non-response adjusted weights.

    For a Society-level study this is :func:`toolkit.nonresponse.nonresponse_design`
    (weighting classes within the frame, finite population correction per class).
    For a branch-level study (``unit`` is a branch code) the Societies are the
    primary sampling units: a Society responds with all its branches, its weight
    comes from the same Society-level adjustment, and the design is a single-stage
    cluster design (``ids="ns_iso3"``) stratified by weighting class.

    Parameters
    ----------
    frame : pandas.DataFrame
        Membership frame.
    data : pandas.DataFrame
        One row per responding unit, with ``ns_iso3`` (and ``unit``).
    unit : str, default "ns_iso3"
    classes : sequence of str, default ("zone",)
        Frame covariates forming the weighting classes (or raking margins).
    method : {"class", "propensity", "rake"}, default "class"
    collapse : bool, default True
        Merge classes with too few respondents into neighbours (within the zone)
        instead of failing.
    min_respondents : int, default 5
        Target of the merging: classes with fewer respondents are merged.  Tiny
        classes make weights and variance estimates unstable (a class whose few
        respondents all answer alike has zero estimated variance); in simulations
        over the synthetic generator (``benchmarks/sim_nonresponse.py``), merging
        below 5 brought interval coverage close to nominal.

    Returns
    -------
    toolkit.survey.Design
    """
    if unit == "ns_iso3":
        return nonresponse_design(
            frame,
            data=data,
            classes=list(classes),
            method=method,
            collapse=collapse,
            min_respondents=min_respondents,
        )
    societies = pd.DataFrame({"ns_iso3": pd.unique(data["ns_iso3"].astype(str))})
    soc_design = nonresponse_design(
        frame,
        data=societies,
        classes=list(classes),
        method=method,
        collapse=collapse,
        min_respondents=min_respondents,
    )
    sd = soc_design.data.assign(nr_weight=soc_design.weights.to_numpy())
    key = "ns_iso3" if "ns_iso3" in sd else "iso3"
    info = sd.set_index(sd[key].astype(str))[["nr_class", "nr_class_size", "nr_weight"]]
    covs = frame.set_index(frame["iso3"].astype(str))
    covs = covs[[c for c in covs.columns if c not in data.columns and c != "iso3"]]
    merged = data.join(info, on="ns_iso3").join(covs, on="ns_iso3")
    return Design(merged, **design_columns(unit))


def design_columns(unit: str = "ns_iso3") -> dict[str, str]:
    """Columns of a :func:`study_design`'s data that rebuild it with
    :class:`toolkit.survey.Design` (e.g. on each multiply imputed data set).

    For class weighting (the default); other methods change the weights after these.
    """
    cols = {"weights": "nr_weight", "strata": "nr_class", "fpc": "nr_class_size"}
    if unit != "ns_iso3":
        cols["ids"] = "ns_iso3"
    return cols


def _ones(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of category 1 of 0/1 proportions, indexed by (domain, variable)."""
    cats = table.index.get_level_values("category")
    keep = pd.Series(cats, index=table.index).astype(str).isin(["1", "True", "1.0"]).to_numpy()
    out = table[keep]
    return out.droplevel("category")


def activity_shares(
    frame: pd.DataFrame,
    responses: pd.DataFrame,
    activities: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    by: str = "zone",
    classes: Sequence[str] = ("zone",),
    method: str = "class",
    dimensions: Sequence[str] = tuple(DIMENSIONS),
    activity_stage: bool = False,
    level: float = 0.95,
    ci: Literal["logit", "beta", "wald"] = "logit",
    min_cell: int = 3,
    language: str | None = None,
) -> pd.DataFrame:
    """Weighted share of Societies running each activity (and stage, group, service).

    Parameters
    ----------
    frame, responses, activities : pandas.DataFrame
        Membership frame, ``responses`` and ``activities`` tables of the study.
    instrument : Instrument
    unit : str, default "ns_iso3"
        Unit of the study; for branch-level studies shares are of branches, with
        Societies as clusters.
    by : str, default "zone"
        Frame column defining domains; an ``"all"`` domain is added.
    classes, method
        Non-response adjustment (see :func:`study_design`).
    dimensions : sequence of str
        Among ``activity``, ``stage``, ``group``, ``service``.
    activity_stage : bool, default False
        Also estimate the share running each activity at each stage.
    level : float, default 0.95
    ci : {"logit", "beta", "wald"}, default "logit"
        Interval method of :meth:`toolkit.survey.Design.proportion`.
    min_cell : int, default 3
        Shares based on fewer responding units are flagged ``suppressed`` (primary
        suppression; see :mod:`toolkit.publish` for secondary suppression).
    language : str, optional
        Label language (instrument default).

    Returns
    -------
    pandas.DataFrame
        One row per domain x indicator: ``by`` (zones and ``"all"``), ``dimension``,
        ``code``, ``label``, ``variable``; the adjusted ``estimate``, ``se``,
        ``ci_low``, ``ci_high``; ``n`` (responding units with an answer) and
        ``n_yes`` (of them, running it; unweighted); the ``unadjusted`` share of
        respondents with its interval (``unadj_ci_low``, ``unadj_ci_high``; simple
        random sampling, no finite population correction); the non-response bounds
        ``bound_low`` / ``bound_high`` (all non-respondents do not / do run it) and
        ``n_frame``; ``ci_method`` (``"design"``, or the exact Clopper-Pearson
        interval where all respondents of a domain answered alike and the design
        variance is zero); ``suppressed`` (fewer than ``min_cell`` responding units).
    """
    ind = unit_indicators(
        responses,
        activities,
        instrument,
        unit=unit,
        dimensions=dimensions,
        activity_stage=activity_stage,
    )
    cols = [c for c in ind.columns if "__" in c]
    data = ind.copy()
    if unit != "ns_iso3":
        data[unit] = responses[unit].to_numpy()
    adjusted_design = study_design(frame, data, unit=unit, classes=classes, method=method)
    zone_of = frame.set_index(frame["iso3"].astype(str))[by].astype(str)
    design_data = adjusted_design.data
    if by not in design_data:
        raise KeyError(f"the design has no column {by!r}")
    naive_data = data.assign(**{by: data["ns_iso3"].map(zone_of).to_numpy()})
    naive = Design(naive_data) if unit == "ns_iso3" else Design(naive_data, ids="ns_iso3")
    parts = []
    for domain in (by, None):
        adj = _ones(adjusted_design.proportion(cols, by=domain, method=ci, level=level, na_rm=True))
        raw = _ones(naive.proportion(cols, by=domain, method=ci, level=level, na_rm=True))
        if domain is None:
            adj = pd.concat({_ALL: adj}, names=[by])
            raw = pd.concat({_ALL: raw}, names=[by])
        table = adj.join(
            raw[["estimate", "ci_low", "ci_high"]].rename(
                columns={
                    "estimate": "unadjusted",
                    "ci_low": "unadj_ci_low",
                    "ci_high": "unadj_ci_high",
                }
            )
        )
        parts.append(table)
    out = pd.concat(parts).reset_index()
    counts = data.assign(_d=data["ns_iso3"].map(zone_of).to_numpy())
    stacked = counts.groupby("_d")[cols].sum().stack()
    assert isinstance(stacked, pd.Series)  # one column level: stacks to a Series
    yes = stacked.rename("n_yes")
    yes_all = counts[cols].sum().rename("n_yes")
    out["n_yes"] = [
        int(yes.get((d, v), 0)) if d != _ALL else int(yes_all[v])
        for d, v in zip(out[by], out["variable"])
    ]
    if unit == "ns_iso3":
        bnd = bounds(frame, data, cols, by=by).reset_index()
        cat = bnd["category"].astype(str)
        bnd = bnd[cat.isin(["1", "True", "1.0"])]
        bnd[by] = bnd[by].astype(str).replace({"All": _ALL})
        bnd = bnd.set_index([by, "variable"])[["lower", "upper", "n_frame"]]
        out = out.join(
            bnd.rename(columns={"lower": "bound_low", "upper": "bound_high"}), on=[by, "variable"]
        )
    else:
        out["bound_low"] = np.nan
        out["bound_high"] = np.nan
        out["n_frame"] = np.nan
    split = out["variable"].str.split("__", n=1, expand=True)
    prefix = split[0].map(
        {
            "act": "activity",
            "stage": "stage",
            "group": "group",
            "service": "service",
            "act_stage": "activity_stage",
        }
    )
    out.insert(1, "dimension", prefix)
    out.insert(2, "code", split[1])
    out.insert(
        3,
        "label",
        [_label(instrument, d, c, language) for d, c in zip(out["dimension"], out["code"])],
    )
    out = _boundary_intervals(out, level)
    out["suppressed"] = out["n"] < min_cell
    levels = (
        list(frame[by].cat.categories)
        if isinstance(frame[by].dtype, pd.CategoricalDtype)
        else sorted(pd.unique(frame[by].astype(str)))
    )
    order = {z: i for i, z in enumerate([*map(str, levels), _ALL])}
    out = out.sort_values(
        [by, "dimension", "variable"],
        key=lambda s: s.map(order) if s.name == by else s,
        kind="stable",
    )
    return out.reset_index(drop=True)


def _boundary_intervals(out: pd.DataFrame, level: float) -> pd.DataFrame:
    """Exact intervals where the design gives none.

    When every responding unit of a domain gives the same answer, the estimated
    variance is zero and a design-based interval collapses to a point (R's
    ``svyciprop`` does the same).  That would claim certainty the data do not have, so
    such rows get the Clopper-Pearson interval of ``n_yes`` out of ``n`` instead, and
    ``ci_method`` says so.
    """
    from scipy.stats import beta

    out = out.copy()
    out["ci_method"] = "design"
    flat = (out["se"].fillna(0) == 0) & out["estimate"].isin([0.0, 1.0]) & (out["n"] > 0)
    if flat.any():
        x, n = out.loc[flat, "n_yes"].to_numpy(float), out.loc[flat, "n"].to_numpy(float)
        a = 1 - level
        low = np.where(x > 0, beta.ppf(a / 2, x, n - x + 1), 0.0)
        high = np.where(x < n, beta.ppf(1 - a / 2, x + 1, n - x), 1.0)
        out.loc[flat, "ci_low"] = low
        out.loc[flat, "ci_high"] = high
        out.loc[flat, "ci_method"] = "exact (no variation among respondents)"
    return out


def _label(instrument: Instrument, dimension: str, code: str, language: str | None) -> str:
    if dimension == "activity_stage":
        a, s = code.split("__", 1)
        return (
            f"{_label(instrument, 'activity', a, language)}: "
            f"{_label(instrument, 'stage', s, language)}"
        )
    lst = {
        "activity": "activity",
        "stage": "stage",
        "group": "target_group",
        "service": "service_type",
    }[dimension]
    return instrument.choice_labels(lst, language).get(code, code)


def forest_table(shares: pd.DataFrame, *, dimension: str = "activity") -> pd.DataFrame:
    """Unadjusted and adjusted shares in the long form of :func:`toolkit.figures.forest_plot`.

    Parameters
    ----------
    shares : pandas.DataFrame
        Rows of :func:`activity_shares` for one domain.
    dimension : str, default "activity"

    Returns
    -------
    pandas.DataFrame
        Two rows per indicator (``method`` ``"unadjusted"`` and ``"adjusted"``) with
        ``activity``, ``activity_label``, ``estimate``, ``ci_low``, ``ci_high`` and the
        non-response bounds; suppressed rows are left out (they are listed, with the
        reason, in the shares table).
    """
    rows = shares[(shares["dimension"] == dimension) & ~shares["suppressed"]]
    rows = rows.sort_values("estimate", ascending=False)
    base = {
        "activity": rows["code"].to_numpy(),
        "activity_label": rows["label"].to_numpy(),
        "bound_low": rows["bound_low"].to_numpy(),
        "bound_high": rows["bound_high"].to_numpy(),
    }
    unadj = pd.DataFrame(
        {
            **base,
            "method": "unadjusted",
            "estimate": rows["unadjusted"].to_numpy(),
            "ci_low": rows["unadj_ci_low"].to_numpy(),
            "ci_high": rows["unadj_ci_high"].to_numpy(),
        }
    )
    adj = pd.DataFrame(
        {
            **base,
            "method": "adjusted",
            "estimate": rows["estimate"].to_numpy(),
            "ci_low": rows["ci_low"].to_numpy(),
            "ci_high": rows["ci_high"].to_numpy(),
        }
    )
    return pd.concat([unadj, adj], ignore_index=True)


#: Columns of :func:`activity_shares` that could reveal a suppressed cell.
