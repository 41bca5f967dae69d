"""Programmes between two mapping rounds: new, continued, ended, planned or not known.

The programme register of each round (:func:`toolkit.mapping.programme_register`) keys
every programme by an id that stays the same across rounds (the Society and the
normalised name, renamed programmes through the override table), so two rounds'
registers join on ``programme_id``.  :func:`programme_transitions` says, per programme
of either round:

``"continued"``
    it ran in the 12 months before both rounds (status running or ended);
``"new"``
    it ran before the later round but not before the earlier one (where it was absent
    or only planned);
``"ended"``
    it ran before the earlier round and is absent from the later one's list (or listed
    there only as planned);
``"planned"``
    it ran before neither round: listed as planned only;
``"not known"``
    the Society's list of programmes is not known in one of the rounds: it did not
    answer that round, answered it without listing programmes (it answered the
    activity-type question instead), or that round's form had no programme list.  A
    programme is never called new or ended because a list is missing.

A Society's list is known in a round when it answered and either listed at least one
programme or answered that it runs no activity for migrants (``gate`` is ``"no"``).
The transitions follow the programmes' 12-month windows: a programme that ran in both
windows and ended since (status ``ended`` in the later round) is *continued*, with
``status_current`` saying that it ended; the synthetic truth of :mod:`toolkit.synth`
uses the same definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "PROGRAMME_CHANGE_COLUMNS",
    "PROGRAMME_TRANSITIONS",
    "programme_transitions",
    "society_programme_changes",
]

#: Status of a programme between two rounds.
PROGRAMME_TRANSITIONS = ("new", "continued", "ended", "planned", "not known")
#: Columns of :func:`programme_transitions`.
PROGRAMME_CHANGE_COLUMNS = (
    "round_previous",
    "round_current",
    "programme_id",
    "ns_iso3",
    "zone",
    "name",
    "name_previous",
    "activities",
    "start_year",
    "status_previous",
    "status_current",
    "transition",
    "answered",
    "reason",
)


def _known(
    responses: pd.DataFrame | None, register: pd.DataFrame, gate: str, has_list: bool
) -> tuple[set[str], set[str], set[str]]:
    """Societies that answered, listed programmes, and said they run none."""
    if responses is None:
        answered: set[str] = set()
        none: set[str] = set()
    else:
        iso = responses["ns_iso3"].astype("string").str.upper()
        answered = set(iso.dropna())
        said_no = (
            responses[gate].astype("string").eq("no").fillna(False).to_numpy(bool)
            if gate in responses
            else np.zeros(len(responses), bool)
        )
        none = set(iso[said_no].dropna())
    listed = set(register["ns_iso3"].astype(str).str.upper()) if has_list else set()
    return answered, listed, none


def programme_transitions(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    previous_responses: pd.DataFrame | None,
    current_responses: pd.DataFrame | None,
    frame: pd.DataFrame,
    rounds: tuple[str, str] = ("previous", "current"),
    previous_has_list: bool = True,
    current_has_list: bool = True,
    gate: str = "has_migration_programme",
) -> pd.DataFrame:
    """Per programme of either round: new, continued, ended, planned or not known.

    Parameters
    ----------
    previous, current : pandas.DataFrame
        The programme registers of the two rounds (``programme_id``, ``ns_iso3``,
        ``name``, ``status``, ``ran_last_12_months``, ``activities``, ``start_year``).
    previous_responses, current_responses : pandas.DataFrame or None
        The rounds' Society-level answers (``ns_iso3`` and ``gate``): who answered,
        and who said it runs no activity for migrants.
    frame : pandas.DataFrame
        Membership frame (``iso3``, ``zone``).
    rounds : tuple of str, default ("previous", "current")
        Labels of the two rounds (``round_previous``, ``round_current`` and the
        reasons).
    previous_has_list, current_has_list : bool, default True
        Whether each round's form had the programme list (a form without one leaves
        every programme not known).
    gate : str, default "has_migration_programme"

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRAMME_CHANGE_COLUMNS`, one row per programme id of either round:
        the latest ``name`` and the earlier one (``name_previous``, where it differs
        or the programme is gone), ``activities`` and ``start_year`` (latest round
        listing it), each round's ``status`` (missing where not listed),
        ``transition`` (:data:`PROGRAMME_TRANSITIONS`), ``answered`` (``"both"``,
        ``"previous only"``, ``"current only"``; the rounds' labels are the columns
        ``round_*``) and ``reason`` (why a transition is not known).  Sorted by
        Society, then transition order, then id.
    """
    prev_label, cur_label = (str(r) for r in rounds)
    ans0, list0, none0 = _known(previous_responses, previous, gate, previous_has_list)
    ans1, list1, none1 = _known(current_responses, current, gate, current_has_list)
    cols = ["programme_id", "ns_iso3", "name", "status", "ran_last_12_months"]
    cols += ["activities", "start_year"]
    a = previous.reindex(columns=cols).drop_duplicates("programme_id").set_index("programme_id")
    b = current.reindex(columns=cols).drop_duplicates("programme_id").set_index("programme_id")
    ids = list(dict.fromkeys([*b.index.astype(str), *a.index.astype(str)]))
    zones = frame.assign(iso3=frame["iso3"].astype(str).str.upper()).set_index("iso3")["zone"]
    rows = []
    for pid in ids:
        in0, in1 = pid in a.index, pid in b.index
        rec = b.loc[pid] if in1 else a.loc[pid]
        iso = str(rec["ns_iso3"]).upper()
        ran0 = bool(in0 and a.at[pid, "ran_last_12_months"])
        ran1 = bool(in1 and b.at[pid, "ran_last_12_months"])
        reason = _reason(iso, prev_label, ans0, list0, none0, previous_has_list)
        reason = reason or _reason(iso, cur_label, ans1, list1, none1, current_has_list)
        if reason:
            status = "not known"
        elif ran0 and ran1:
            status = "continued"
        elif ran1:
            status = "new"
        elif ran0:
            status = "ended"
        else:
            status = "planned"
        answered = (
            "both"
            if iso in ans0 and iso in ans1
            else ("previous only" if iso in ans0 else "current only" if iso in ans1 else "neither")
        )
        name0 = a.at[pid, "name"] if in0 else pd.NA
        renamed = in0 and in1 and str(name0) != str(rec["name"])
        rows.append(
            {
                "round_previous": prev_label,
                "round_current": cur_label,
                "programme_id": pid,
                "ns_iso3": iso,
                "zone": zones.get(iso, pd.NA),
                "name": rec["name"],
                "name_previous": name0 if (in0 and not in1) or renamed else pd.NA,
                "activities": rec["activities"],
                "start_year": rec["start_year"],
                "status_previous": a.at[pid, "status"] if in0 else pd.NA,
                "status_current": b.at[pid, "status"] if in1 else pd.NA,
                "transition": status,
                "answered": answered,
                "reason": reason or pd.NA,
            }
        )
    out = pd.DataFrame(rows, columns=list(PROGRAMME_CHANGE_COLUMNS))
    for col in PROGRAMME_CHANGE_COLUMNS:
        if col != "start_year":
            out[col] = out[col].astype("string")
    out["start_year"] = pd.to_numeric(out["start_year"], errors="coerce").astype("Int64")
    order = {t: i for i, t in enumerate(PROGRAMME_TRANSITIONS)}
    out = out.assign(_t=out["transition"].map(order))
    out = out.sort_values(["ns_iso3", "_t", "programme_id"], kind="stable").drop(columns="_t")
    return out.reset_index(drop=True)


def _reason(
    iso: str, label: str, answered: set[str], listed: set[str], none: set[str], has_list: bool
) -> str:
    """Why a Society's list of programmes is not known in a round ("" when it is)."""
    if not has_list:
        return f"the {label} form had no programme list"
    if iso not in answered:
        return f"{iso} did not answer the {label} round"
    if iso not in listed and iso not in none:
        return f"{iso} answered the {label} round without listing programmes"
    return ""


def society_programme_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Per Society: how many of its programmes are new, continued, ended, planned or
    not known between the two rounds of :func:`programme_transitions`.

    Returns
    -------
    pandas.DataFrame
        ``ns_iso3``, ``zone``, ``answered``, one count column per transition and
        ``reason`` (the first reason a transition is not known).
    """
    if changes.empty:
        return pd.DataFrame(columns=["ns_iso3", "zone", "answered", *PROGRAMME_TRANSITIONS])
    counts = pd.crosstab(changes["ns_iso3"], changes["transition"]).reindex(
        columns=list(PROGRAMME_TRANSITIONS), fill_value=0
    )
    first = changes.groupby("ns_iso3").agg(
        zone=("zone", "first"), answered=("answered", "first"), reason=("reason", "first")
    )
    out = first[["zone", "answered"]].join(counts).join(first["reason"])
    out.columns.name = None
    return out.reset_index()
