"""Data-quality summaries of an ingested study: returns against the frame, validation
issues, quarantine and item completeness by question group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.frame import ZONES
from toolkit.instrument import Instrument
from toolkit.instrument._xpath import UnsupportedExpression, evaluate

__all__ = [
    "completeness_by_group",
    "completeness_by_question",
    "issue_summary",
    "quarantine_summary",
    "returns_by_zone",
]

_SKIP_TYPES = {
    "calculate",
    "note",
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "email",
    "audit",
    "simserial",
    "subscriberid",
    "hidden",
}


def returns_by_zone(
    societies: pd.DataFrame,
    quarantine: pd.DataFrame | None = None,
    zones: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Questionnaires returned by zone, against the membership frame.

    Parameters
    ----------
    societies : pandas.DataFrame
        The ``societies`` table (frame plus ``responded``).
    quarantine : pandas.DataFrame, optional
        Quarantined rows; Societies whose only submissions were quarantined are
        counted in ``only_quarantined``.
    zones : sequence of str, optional
        Zones to show (all by default); a total row ``all`` is appended.

    Returns
    -------
    pandas.DataFrame
        Index ``zone``; columns ``societies`` (in the frame), ``returned``,
        ``not_returned``, ``only_quarantined`` and ``return_rate`` (returned /
        societies).
    """
    zones = list(zones or ZONES)
    soc = societies[societies["zone"].astype(str).isin(zones)]
    q_codes = set()
    if quarantine is not None and "ns_iso3" in quarantine:
        q_codes = set(quarantine["ns_iso3"].dropna().astype(str))
    only_q = ~soc["responded"].astype(bool) & soc["iso3"].astype(str).isin(q_codes)
    df = pd.DataFrame(
        {
            "zone": soc["zone"].astype(str),
            "returned": soc["responded"].astype(bool).astype(int),
            "only_quarantined": only_q.astype(int),
        }
    )
    out = df.groupby("zone").agg(
        societies=("returned", "size"),
        returned=("returned", "sum"),
        only_quarantined=("only_quarantined", "sum"),
    )
    out = out.reindex([z for z in zones if z in out.index])
    out.loc["all"] = out.sum()
    out["not_returned"] = out["societies"] - out["returned"]
    out["return_rate"] = out["returned"] / out["societies"]
    out.index.name = "zone"
    return out[["societies", "returned", "not_returned", "only_quarantined", "return_rate"]]


def issue_summary(issues: pd.DataFrame) -> pd.DataFrame:
    """Validation issues counted by rule and action.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule``, ``action``, ``issues`` (count), ``societies`` (distinct
        Society codes affected) and ``example`` (one problem text).
    """
    cols = ["rule", "action", "issues", "societies", "example"]
    if issues.empty:
        return pd.DataFrame(columns=cols)
    soc = issues["ns_iso3"] if "ns_iso3" in issues else pd.Series(pd.NA, index=issues.index)
    out = (
        issues.assign(_soc=soc)
        .groupby(["rule", "action"], dropna=False)
        .agg(
            issues=("problem", "size"), societies=("_soc", "nunique"), example=("problem", "first")
        )
        .reset_index()
    )
    return out.sort_values("issues", ascending=False, ignore_index=True)[cols]


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows counted by rule, with the files and an example reason."""
    cols = ["rule", "rows", "files", "example"]
    if quarantine.empty:
        return pd.DataFrame(columns=cols)
    out = (
        quarantine.groupby("rule")
        .agg(
            rows=("reason", "size"),
            files=("_file", lambda s: ", ".join(sorted({str(x).rsplit("/", 1)[-1] for x in s}))),
            example=("reason", "first"),
        )
        .reset_index()
    )
    return out.sort_values("rows", ascending=False, ignore_index=True)[cols]


def _answered(responses: pd.DataFrame, name: str, typ: str) -> pd.Series:
    if name in responses:
        return responses[name].notna()
    prefix = f"{name}__"
    opts = [c for c in responses.columns if c.startswith(prefix)]
    if typ == "select_multiple" and opts:
        return responses[opts].notna().any(axis=1)
    return pd.Series(False, index=responses.index)


def completeness_by_question(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Item response among respondents, counting only where a question was relevant.

    Relevance (the question's own ``relevant`` and its groups') is evaluated on the
    answers; a question whose relevance cannot be evaluated counts as applicable to
    every respondent (and ``relevance_checked`` is False).

    Returns
    -------
    pandas.DataFrame
        One row per question: ``question``, ``group`` (top-level group), ``type``,
        ``required``, ``applicable``, ``answered``, ``completeness`` and
        ``relevance_checked``.
    """
    q = instrument.questions
    groups = q[q["type"].isin(["begin_group", "begin_repeat"])].set_index("name")
    answers = {c: responses[c] for c in responses.columns}
    rows = []
    cache: dict[str, pd.Series | None] = {}

    def rel(expr: str) -> pd.Series | None:
        if expr not in cache:
            try:
                cache[expr] = evaluate(expr, answers, index=responses.index)
            except UnsupportedExpression:
                cache[expr] = None
        return cache[expr]

    fields = instrument.fields()
    for name, typ, group, relevant, required in zip(
        fields["name"], fields["type"], fields["group"], fields["relevant"], fields["required"]
    ):
        if typ in _SKIP_TYPES or name.startswith("resp_"):
            continue
        mask = pd.Series(True, index=responses.index)
        checked = True
        path = [g for g in str(group).split("/") if g]
        for expr in [groups.at[g, "relevant"] for g in path if g in groups.index] + [relevant]:
            if isinstance(expr, str) and expr.strip():
                r = rel(expr)
                if r is None:
                    checked = False
                else:
                    mask &= r
        answered = _answered(responses, name, typ) & mask
        applicable = int(mask.sum())
        rows.append(
            {
                "question": name,
                "group": path[0] if path else "(top level)",
                "type": typ,
                "required": bool(required),
                "applicable": applicable,
                "answered": int(answered.sum()),
                "completeness": answered.sum() / applicable if applicable else np.nan,
                "relevance_checked": checked,
            }
        )
    return pd.DataFrame(rows)


def completeness_by_group(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Item completeness aggregated by top-level question group.

    Returns
    -------
    pandas.DataFrame
        Index ``group`` in form order; columns ``questions``, ``applicable``
        (question x respondent pairs where the question applied), ``answered``,
        ``completeness`` and ``lowest`` (the least complete question of the group).
    """
    per_q = completeness_by_question(responses, instrument)
    if per_q.empty:
        return pd.DataFrame(
            columns=["questions", "applicable", "answered", "completeness", "lowest"]
        )
    order = list(dict.fromkeys(per_q["group"]))

    def lowest(g: pd.DataFrame) -> str:
        g = g[g["applicable"] > 0]
        return "" if g.empty else str(g.set_index("question")["completeness"].idxmin())

    out = per_q.groupby("group", sort=False).agg(
        questions=("question", "size"),
        applicable=("applicable", "sum"),
        answered=("answered", "sum"),
    )
    out["completeness"] = out["answered"] / out["applicable"].where(out["applicable"] > 0)
    out["lowest"] = [lowest(per_q[per_q["group"] == g]) for g in out.index]
    return out.reindex(order)
