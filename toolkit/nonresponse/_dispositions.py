"""Final dispositions: who answered, who refused, who was never reached.

:func:`dispositions` codes every frame unit with an AAPOR final disposition (I, P, R,
NC, O, UH, UO, NE) from the returns, an optional contact log and known eligibility;
:func:`toolkit.nonresponse.response_rates` turns the codes into outcome rates.

References
----------
AAPOR (2023). *Standard Definitions: Final Dispositions of Case Codes and Outcome
Rates for Surveys*, 10th edition. American Association for Public Opinion Research.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    align_data,
    check_columns,
    frame_units,
    is_answered,
)

__all__ = ["DISPOSITION_CODES", "DISPOSITION_LABELS", "dispositions"]

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
        coop = aligned["coop_any"].astype("string").str.strip().str.lower()
        yes = (coop == "yes").fillna(False).to_numpy(dtype=bool)
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


def dispositions(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    contact_log: pd.DataFrame | None = None,
    eligibility: str | pd.Series | pd.DataFrame | None = None,
    key_items: Sequence[str] | None = None,
    complete: float = 0.8,
    partial: float = 0.5,
) -> pd.DataFrame:
    """Assign an AAPOR final disposition code to every unit of the frame.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame (membership table), one row per unit; every row is
        eligible unless ``eligibility`` or the contact log says otherwise.
    data : DataFrame
        Ingested returns, one row per unit (``toolkit.ingest`` ``.data``).
    unit : str, default "ns_iso3"
        Unit column of ``data`` (and of ``contact_log``).
    frame_unit : str, default "iso3"
        Unit column of ``frame``.
    contact_log : DataFrame, optional
        Field outcomes for units, with columns ``unit`` (or the ``unit`` / ``frame_unit``
        name), ``outcome`` and optionally ``date``.  Outcomes: ``refusal``,
        ``break_off``, ``non_contact``, ``other``, ``unknown`` (UO),
        ``unknown_household`` (UH), ``ineligible`` (NE) or the AAPOR codes themselves.
        With several rows per unit the last one (by ``date`` if present, else by row
        order) is the final outcome.
    eligibility : str, Series or DataFrame, optional
        Known eligibility: a boolean frame column, a Series indexed by unit, or a table
        (unit, ``eligible``).  ``False`` gives NE; a missing value means unknown
        eligibility; units absent from a Series or table are eligible.  When omitted,
        every frame unit is eligible (all member Societies are in scope).
    key_items : sequence of str, optional
        Questions whose answers decide complete vs partial; all of them apply to every
        return.  Default: the standard instrument's key items (see Notes).
    complete, partial : float, default 0.8 and 0.5
        Share of applicable key items answered at or above which a return is complete
        (I) or partial (P).  Below ``partial`` a return is a break-off, coded R.

    Returns
    -------
    DataFrame
        The frame's columns plus ``disposition`` (categorical, categories
        :data:`DISPOSITION_CODES`), ``responded`` (I or P), ``key_items_applicable``,
        ``key_items_answered``, ``answered_share`` (missing for non-returns) and
        ``disposition_source`` (``return``, ``contact_log``, ``eligibility`` or
        ``no_return``).  Same index and row order as ``frame``.

    Raises
    ------
    InputError
        If ``data`` repeats a unit or holds units not in the frame, a logged outcome is
        unknown, or the log claims a return that is not in the data.

    Notes
    -----
    Rules, applied in this order (AAPOR 2023, codes for mail/internet surveys of
    specifically named units):

    1. ``eligibility`` False, or a logged ``ineligible``: **NE**.
    2. A returned row: share of applicable key items answered ``>= complete`` -> **I**;
       ``>= partial`` -> **P**; otherwise a break-off, coded **R** ("refusal and
       break-off") as AAPOR prescribes for break-offs below the partial threshold.
    3. No return, a logged outcome: that outcome (R, NC, O, UH, UO).
    4. No return, no log entry, eligibility unknown (missing): **UO**.
    5. No return, no log entry, eligible: **NC**.  This is an explicit choice: for a
       questionnaire sent to a named focal point, silence without a recorded refusal is
       treated as "never reached" (non-contact).  Pass a contact log to record
       refusals and other outcomes.

    Default key items: ``activities``, ``people_reached``, ``branches_total``,
    ``branches_migration``, ``staff_migration``, ``volunteers_migration``,
    ``coop_any``, ``coop_interest``, ``work_languages`` (those present in ``data``),
    plus for each selected activity *a* its ``a_stage``, ``a_groups``, ``a_service``,
    ``a_reached``, plus ``coop_partners`` and ``coop_activities`` when ``coop_any`` is
    "yes".  An item counts as answered when it is not missing and not blank.
    """
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
