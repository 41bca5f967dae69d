"""Private implementation of final disposition codes and AAPOR outcome rates.

See :func:`toolkit.nonresponse.dispositions` and :func:`toolkit.nonresponse.response_rates`
for the public documentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    ALL_LABEL,
    align_data,
    as_list,
    check_columns,
    frame_units,
    group_keys,
    is_answered,
)

__all__: list[str] = []

#: AAPOR final disposition groups, in the order of the Standard Definitions.
DISPOSITION_CODES: tuple[str, ...] = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

DISPOSITION_LABELS: dict[str, str] = {
    "I": "complete",
    "P": "partial",
    "R": "refusal or break-off",
    "NC": "non-contact",
    "O": "other non-response",
    "UH": "unknown eligibility (unknown if unit exists/is reachable)",
    "UO": "unknown eligibility, other",
    "NE": "not eligible",
}

#: Key items of the standard instrument asked of every returning Society.
BASE_KEY_ITEMS: tuple[str, ...] = (
    "activities",
    "people_reached",
    "branches_total",
    "branches_migration",
    "staff_migration",
    "volunteers_migration",
    "coop_any",
    "coop_interest",
    "work_languages",
)
#: Follow-up items asked for every activity a Society selects.
ACTIVITY_KEY_SUFFIXES: tuple[str, ...] = ("_stage", "_groups", "_service", "_reached")
#: Items asked when ``coop_any == "yes"``.
COOP_KEY_ITEMS: tuple[str, ...] = ("coop_partners", "coop_activities")

_LOG_OUTCOMES: dict[str, str] = {
    "i": "I",
    "complete": "I",
    "p": "P",
    "partial": "P",
    "r": "R",
    "refusal": "R",
    "refused": "R",
    "break_off": "R",
    "breakoff": "R",
    "nc": "NC",
    "non_contact": "NC",
    "noncontact": "NC",
    "no_contact": "NC",
    "not_reached": "NC",
    "o": "O",
    "other": "O",
    "uh": "UH",
    "unknown_household": "UH",
    "unknown_unit": "UH",
    "uo": "UO",
    "unknown": "UO",
    "unknown_eligibility": "UO",
    "unknown_other": "UO",
    "ne": "NE",
    "ineligible": "NE",
    "not_eligible": "NE",
}


def _norm_outcome(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    key = str(v).strip().lower().replace("-", "_").replace(" ", "_")
    return _LOG_OUTCOMES.get(key)


def _key_item_matrix(
    aligned: pd.DataFrame, key_items: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: number of applicable key items and number answered."""
    n = len(aligned)
    if key_items is not None:
        items = list(key_items)
        if not items:
            raise InputError(
                "key_items is empty.",
                hint="name the questions whose answers make a return complete, or pass "
                "key_items=None for the standard instrument's key items.",
            )
        check_columns(aligned, items, "data")
        answered = np.column_stack([is_answered(aligned[c]) for c in items])
        return np.full(n, len(items), dtype=np.int64), answered.sum(axis=1)

    applicable = np.zeros(n, dtype=np.int64)
    answered = np.zeros(n, dtype=np.int64)
    base = [c for c in BASE_KEY_ITEMS if c in aligned.columns]
    if not base:
        raise InputError(
            "the data hold none of the standard key items "
            f"({', '.join(BASE_KEY_ITEMS)}), so completeness cannot be judged.",
            hint="pass key_items=[...] naming the questions that make a return complete.",
        )
    for c in base:
        applicable += 1
        answered += is_answered(aligned[c])
    # Follow-up items per selected activity.
    act_cols = [c for c in aligned.columns if c.startswith("activities__")]
    for c in act_cols:
        a = c[len("activities__") :]
        if a == "other":
            continue
        sel = pd.to_numeric(aligned[c], errors="coerce").fillna(0).to_numpy() == 1
        for suf in ACTIVITY_KEY_SUFFIXES:
            item = f"{a}{suf}"
            if item in aligned.columns:
                applicable += sel
                answered += sel & is_answered(aligned[item])
    if "coop_any" in aligned.columns:
        yes = (aligned["coop_any"].astype("string").str.strip().str.lower() == "yes").fillna(False)
        yes = yes.to_numpy(dtype=bool)
        for item in COOP_KEY_ITEMS:
            if item in aligned.columns:
                applicable += yes
                answered += yes & is_answered(aligned[item])
    return applicable, answered


def _eligibility_series(
    frame: pd.DataFrame, units: pd.Series, eligibility: Any, frame_unit: str
) -> np.ndarray:
    """Return an object array of True/False/None per frame row."""
    if isinstance(eligibility, str):
        check_columns(frame, [eligibility], "frame")
        s = frame[eligibility]
        vals = s.to_numpy(dtype=object)
    elif isinstance(eligibility, pd.DataFrame):
        cols = [c for c in (frame_unit, "unit", "ns_iso3") if c in eligibility.columns]
        if not cols or "eligible" not in eligibility.columns:
            raise InputError(
                "the eligibility table needs a unit column and an 'eligible' column.",
                hint=f"give columns ({frame_unit!r} or 'unit', 'eligible').",
            )
        s = pd.Series(eligibility["eligible"].to_numpy(dtype=object), index=eligibility[cols[0]])
        vals = _lookup(s, units, "eligibility table", absent=True)
    elif isinstance(eligibility, pd.Series):
        vals = _lookup(eligibility, units, "eligibility Series", absent=True)
    else:
        raise InputError(
            f"eligibility must be a frame column name, a Series indexed by unit or a "
            f"table (unit, eligible); got {type(eligibility).__name__}.",
        )
    out = np.empty(len(units), dtype=object)
    for i, v in enumerate(vals):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out[i] = None
        elif isinstance(v, (bool, np.bool_)) or v in (0, 1):
            out[i] = bool(v)
        else:
            raise InputError(
                "eligibility values must be True, False or missing (unknown).",
                value=v,
                hint="code eligible units True, ineligible False, unknown as missing.",
            )
    return out


_ABSENT = object()


def _lookup(s: pd.Series, units: pd.Series, what: str, absent: Any = None) -> np.ndarray:
    """Values of ``s`` (indexed by unit) in frame order; ``absent`` for units not in ``s``."""
    if s.index.duplicated().any():
        raise InputError(f"the {what} repeats unit {s.index[s.index.duplicated()][0]!r}.")
    extra = s.index.difference(pd.Index(units.to_numpy()))
    if len(extra):
        raise InputError(
            f"the {what} names a unit that is not in the frame.",
            value=extra[0],
            hint="correct the unit code or add the unit to the frame.",
        )
    pos = pd.Index(s.index).get_indexer(units.to_numpy())
    vals = s.to_numpy(dtype=object)
    out = np.empty(len(units), dtype=object)
    for i, p in enumerate(pos):
        out[i] = vals[p] if p >= 0 else absent
    return out


def _contact_outcomes(
    contact_log: pd.DataFrame, units: pd.Series, unit: str, frame_unit: str
) -> np.ndarray:
    """Final logged outcome code (or None) per frame unit."""
    ucol = next((c for c in (unit, "unit", frame_unit) if c in contact_log.columns), None)
    if ucol is None or "outcome" not in contact_log.columns:
        raise InputError(
            "the contact log needs a unit column and an 'outcome' column.",
            hint=f"give columns ({unit!r} or 'unit', 'outcome'[, 'date']).",
        )
    log = contact_log
    if "date" in log.columns:
        log = log.sort_values("date", kind="stable")
    codes = []
    for i, (u, o) in enumerate(zip(log[ucol].tolist(), log["outcome"].tolist())):
        c = _norm_outcome(o)
        if c is None:
            raise InputError(
                "the contact log has an outcome that is not a known disposition.",
                row=i + 2,
                column="outcome",
                value=o,
                hint="use one of: refusal, break_off, non_contact, other, unknown, "
                "unknown_household, ineligible (or the AAPOR codes R, NC, O, UO, UH, NE).",
            )
        codes.append((u, c))
    final = pd.Series(dict(codes), dtype=object)  # last entry per unit wins
    return _lookup(final, units, "contact log")


def compute_dispositions(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str,
    frame_unit: str,
    contact_log: pd.DataFrame | None,
    eligibility: Any,
    key_items: Sequence[str] | None,
    complete: float,
    partial: float,
) -> pd.DataFrame:
    if not (0 < partial <= complete <= 1):
        raise InputError(
            f"thresholds must satisfy 0 < partial <= complete <= 1; got partial={partial}, "
            f"complete={complete}.",
        )
    units = frame_units(frame, frame_unit)
    aligned, returned = align_data(frame, data, unit=unit, frame_unit=frame_unit)
    applicable, answered = _key_item_matrix(aligned, key_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(applicable > 0, answered / np.maximum(applicable, 1), np.nan)
    share = np.where(returned, share, np.nan)

    n = len(frame)
    code = np.empty(n, dtype=object)
    source = np.empty(n, dtype=object)
    code[:] = "NC"
    source[:] = "no_return"

    elig = (
        _eligibility_series(frame, units, eligibility, frame_unit)
        if eligibility is not None
        else np.full(n, True, dtype=object)
    )
    logged = (
        _contact_outcomes(contact_log, units, unit, frame_unit)
        if contact_log is not None
        else np.full(n, None, dtype=object)
    )

    for i in range(n):
        lg = logged[i]
        if elig[i] is False:
            code[i], source[i] = "NE", "eligibility"
        elif lg == "NE":
            code[i], source[i] = "NE", "contact_log"
        elif returned[i]:
            s = share[i]
            if s >= complete:
                code[i] = "I"
            elif s >= partial:
                code[i] = "P"
            else:
                code[i] = "R"  # break-off below the partial threshold
            source[i] = "return"
        elif lg in ("I", "P"):
            raise InputError(
                "the contact log records a completed or partial return that is not in the data.",
                column="outcome",
                value=units.iloc[i],
                hint="ingest the return, or correct the logged outcome.",
            )
        elif lg is not None:
            code[i], source[i] = lg, "contact_log"
        elif elig[i] is None:
            code[i], source[i] = "UO", "eligibility"
        # else: no return, no log entry, eligible -> NC (documented default)

    out = frame.copy()
    out["disposition"] = pd.Categorical(code, categories=list(DISPOSITION_CODES))
    out["responded"] = np.isin(code, ["I", "P"])
    out["key_items_applicable"] = pd.Series(applicable, index=frame.index, dtype="Int64").where(
        returned
    )
    out["key_items_answered"] = pd.Series(answered, index=frame.index, dtype="Int64").where(
        returned
    )
    out["answered_share"] = share
    out["disposition_source"] = pd.array(source.astype(str), dtype="str")
    return out


# --------------------------------------------------------------------------- rates

RATE_COLUMNS: tuple[str, ...] = (
    "RR1",
    "RR2",
    "RR3",
    "RR4",
    "RR5",
    "RR6",
    "COOP1",
    "COOP2",
    "COOP3",
    "COOP4",
    "REF1",
    "REF2",
    "REF3",
    "CON1",
    "CON2",
    "CON3",
)


def aapor_rates(counts: Mapping[str, float], e: float) -> dict[str, float]:
    """AAPOR outcome rates from disposition counts (or weighted sums) and ``e``."""
    # AAPOR's own symbols: I complete, P partial, R refusal, NC non-contact, O other.
    I, P, R, NC, O, UH, UO, _NE = (float(counts[k]) for k in DISPOSITION_CODES)  # noqa: E741
    U = UH + UO
    eU = 0.0 if U == 0 else e * U  # e is irrelevant (possibly undefined) when U == 0

    def div(a: float, b: float) -> float:
        return a / b if b > 0 else np.nan

    IP = I + P
    known = IP + R + NC + O
    contacted = IP + R + O
    return {
        "RR1": div(I, known + U),
        "RR2": div(IP, known + U),
        "RR3": div(I, known + eU),
        "RR4": div(IP, known + eU),
        "RR5": div(I, known),
        "RR6": div(IP, known),
        "COOP1": div(I, IP + R + O),
        "COOP2": div(IP, IP + R + O),
        "COOP3": div(I, IP + R),
        "COOP4": div(IP, IP + R),
        "REF1": div(R, known + U),
        "REF2": div(R, known + eU),
        "REF3": div(R, known),
        "CON1": div(contacted, contacted + NC + U),
        "CON2": div(contacted, contacted + NC + eU),
        "CON3": div(contacted, contacted + NC),
    }


def compute_rates(
    dispositions: pd.DataFrame | pd.Series,
    by: str | Sequence[str] | None,
    e: float | Mapping[Any, float] | None,
    weights: str | Sequence[float] | np.ndarray | pd.Series | None,
    column: str,
) -> pd.DataFrame:
    if isinstance(dispositions, pd.Series):
        df = dispositions.rename(column).to_frame()
    else:
        df = dispositions
    check_columns(df, [column], "dispositions table")
    codes = df[column].astype("object")
    bad = ~codes.isin(DISPOSITION_CODES)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} disposition(s) are not AAPOR codes.",
            column=column,
            value=codes[bad].iloc[0],
            hint=f"use one of {', '.join(DISPOSITION_CODES)} (see toolkit.nonresponse.dispositions).",
        )
    if weights is None:
        w = np.ones(len(df))
    elif isinstance(weights, str):
        check_columns(df, [weights], "dispositions table")
        w = pd.to_numeric(df[weights]).to_numpy(dtype=float, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(df),):
            raise InputError(
                f"weights has {w.size} values for {len(df)} dispositions.",
                hint="pass one weight per row of the dispositions table.",
            )
    if np.isnan(w).any() or (w < 0).any():
        raise InputError(
            "weights must be non-negative and not missing.",
            value=float(w[np.isnan(w) | (w < 0)][0]),
        )
    by_l = as_list(by)
    keys, gcode = group_keys(df, by_l)
    ccode = pd.Categorical(codes, categories=list(DISPOSITION_CODES)).codes
    table = np.zeros((len(keys), len(DISPOSITION_CODES)))
    np.add.at(table, (gcode, ccode), w)
    rows = [table[g] for g in range(len(keys))]
    labels: list[Any] = [k if len(k) != 1 else k[0] for k in keys]
    if by_l:
        rows.append(table.sum(axis=0))
        labels.append(tuple([ALL_LABEL] * len(by_l)) if len(by_l) > 1 else ALL_LABEL)
    else:
        labels = [ALL_LABEL]

    records = []
    for lab, cnt in zip(labels, rows):
        counts = dict(zip(DISPOSITION_CODES, cnt))
        ee = _resolve_e(e, lab, counts)
        rec = {**counts, "e": ee, **aapor_rates(counts, ee if np.isfinite(ee) else 0.0)}
        if not np.isfinite(ee) and counts["UH"] + counts["UO"] > 0:
            for k in ("RR3", "RR4", "REF2", "CON2"):
                rec[k] = np.nan
        records.append(rec)
    out = pd.DataFrame.from_records(records)
    if len(by_l) > 1:
        out.index = pd.MultiIndex.from_tuples(labels, names=by_l)
    else:
        out.index = pd.Index(labels, name=by_l[0] if by_l else None, dtype=object)
    if weights is None:
        out[list(DISPOSITION_CODES)] = out[list(DISPOSITION_CODES)].astype("int64")
    return out


def _resolve_e(e: Any, label: Any, counts: Mapping[str, float]) -> float:
    if e is None:
        num = sum(counts[k] for k in ("I", "P", "R", "NC", "O"))
        den = num + counts["NE"]
        return num / den if den > 0 else np.nan
    if isinstance(e, Mapping):
        if label not in e:
            if label == ALL_LABEL or (isinstance(label, tuple) and ALL_LABEL in label):
                return _resolve_e(None, label, counts)
            raise InputError(
                f"e has no value for group {label!r}.",
                value=label,
                hint="give e for every group, a single number, or None for the "
                "proportional estimate.",
            )
        e = e[label]
    ef = float(e)
    if not 0 <= ef <= 1:
        raise InputError(f"e must lie in [0, 1]; got {ef}.", value=ef)
    return ef
