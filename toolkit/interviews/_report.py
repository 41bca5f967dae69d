"""Report tables of a study's interviews: coverage of the frame by zone, reliability by
zone, theme tables, interview codes against questionnaire indicators, and whose coding
counts.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.frame import ZONES
from toolkit.interviews._analysis import code_frequencies, compare_with_answers
from toolkit.interviews._codebook import Codebook
from toolkit.interviews._reliability import reliability_report

__all__: list[str] = []


def _zone_order(values: Iterable[object]) -> list[str]:
    present = list(dict.fromkeys(str(v) for v in values))
    return [z for z in ZONES if z in present] + [z for z in present if z not in ZONES]


def primary_coder(segments: pd.DataFrame, coder: str | None = "auto") -> str | None:
    """Whose coding to count in frequencies and tables.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    coder : str or None, default "auto"
        ``"auto"``: the coder who coded the most interviews (ties: the first in
        alphabetical order); ``"any"``, ``""`` or None: every coder (a code counts when
        any coder applied it; returns None); otherwise a coder's name, which must occur.

    Returns
    -------
    str or None

    Raises
    ------
    InputError
        If the named coder coded nothing.
    """
    if coder in (None, "", "any"):
        return None
    coders = segments["coder"].astype(str)
    if coder == "auto":
        if len(segments) == 0:
            return None
        n = segments.assign(_c=coders).groupby("_c")["interview_id"].nunique()
        return str(min(n.index, key=lambda c: (-int(n[c]), c)))
    if str(coder) not in set(coders):
        raise InputError(
            f"coder {coder!r} coded none of the segments.",
            value=coder,
            hint=f"coders are: {', '.join(sorted(set(coders)))}; or use 'auto' or 'any'.",
        )
    return str(coder)


def interview_coverage(
    segments: pd.DataFrame, societies: pd.DataFrame, zones: Sequence[str] | None = None
) -> pd.DataFrame:
    """How many Societies of each zone were interviewed, double-coded, and had answered.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (all zones or one).
    societies : DataFrame
        Frame rows with ``iso3``, ``zone`` and ``responded`` (the analytical database's
        ``societies`` table).
    zones : sequence of str, optional
        Zones to list (default those of ``societies``, in IFRC order).

    Returns
    -------
    DataFrame
        Indexed by zone plus ``"all"``: ``societies`` (in the frame), ``interviewed``
        (with at least one accepted segment), ``share_interviewed``, ``double_coded``
        (interviewed Societies with an interview coded by two or more coders),
        ``returned_questionnaire`` and ``not_returned`` (interviewed Societies that did
        / did not return the questionnaire: the latter are the non-response follow-up).
    """
    for c in ("iso3", "zone", "responded"):
        if c not in societies.columns:
            raise InputError(
                f"the Societies table has no column {c!r}.",
                column=c,
                hint="pass the 'societies' table of the analytical database.",
            )
    soc = societies.assign(zone=societies["zone"].astype(str), iso3=societies["iso3"].astype(str))
    if zones is None:
        zones = _zone_order(soc["zone"])
    seg = segments.assign(ns_iso3=segments["ns_iso3"].astype(str))
    interviewed = set(seg["ns_iso3"])
    per_int = seg.groupby("interview_id")["coder"].nunique()
    double_int = set(per_int[per_int >= 2].index)
    double = set(seg.loc[seg["interview_id"].isin(double_int), "ns_iso3"])
    soc = soc.assign(
        _i=soc["iso3"].isin(interviewed),
        _d=soc["iso3"].isin(double),
        _r=soc["responded"].astype(bool),
    )
    rows = []
    for z in [*zones, "all"]:
        s = soc if z == "all" else soc[soc["zone"] == z]
        n_i = int(s["_i"].sum())
        rows.append(
            {
                "zone": z,
                "societies": len(s),
                "interviewed": n_i,
                "share_interviewed": n_i / len(s) if len(s) else np.nan,
                "double_coded": int(s["_d"].sum()),
                "returned_questionnaire": int((s["_i"] & s["_r"]).sum()),
                "not_returned": int((s["_i"] & ~s["_r"]).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("zone")


def reliability_by_zone(
    segments: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    n_boot: int = 1000,
    seed: int | None = None,
    zones: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Overall inter-coder reliability (all codes) per zone and for all zones.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments of all zones.
    codebook : Codebook, optional
    n_boot : int, default 1000
    seed : int, optional
    zones : sequence of str, optional
        Zones to report (default every zone with a double-coded interview, in IFRC
        order).

    Returns
    -------
    DataFrame
        Indexed by zone plus ``"all"``: the ``"(all codes)"`` row of
        :func:`reliability_report` on the zone's segments — ``n_units`` (double-coded
        interviews), ``prevalence``, ``alpha``, ``ci_low``, ``ci_high``, ``kappa``,
        ``verdict``, ``verdict_ci_low``.  A zone without double-coded interviews has
        ``n_units`` 0 and NaN values.
    """
    cols = [
        "n_units",
        "prevalence",
        "alpha",
        "ci_low",
        "ci_high",
        "kappa",
        "verdict",
        "verdict_ci_low",
    ]
    seg = segments.assign(zone=segments["zone"].astype(str))
    if zones is None:
        per_int = seg.groupby("interview_id")["coder"].nunique()
        multi = seg[seg["interview_id"].isin(per_int[per_int >= 2].index)]
        zones = _zone_order(multi["zone"])
    rows = []
    for z in [*zones, "all"]:
        s = seg if z == "all" else seg[seg["zone"] == z]
        r = (
            reliability_report(s, codebook=codebook, n_boot=n_boot, seed=seed)
            if len(s)
            else pd.DataFrame()
        )
        if len(r) and int(r.iloc[-1]["n_units"]) > 0:
            row = r.iloc[-1][cols].to_dict()
        else:
            row = dict.fromkeys(cols, np.nan)
            row.update(n_units=0, verdict="no double coding", verdict_ci_low="")
        rows.append({"zone": z, **row})
    out = pd.DataFrame(rows).set_index("zone")
    out["n_units"] = out["n_units"].astype(int)
    return out


def theme_table(
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    level: str = "theme",
    codebook: Codebook | None = None,
    coder: str | None = None,
    zones: Sequence[str] | None = None,
    overall: bool = True,
) -> pd.DataFrame:
    """Themes (or codes) by zone, counted by Society, with an all-zones column.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments of every zone (the all-zones column uses them all).
    frame : DataFrame
        Membership table (``iso3``, ``zone``).
    level : {"theme", "code"}
    codebook : Codebook, optional
        Lists themes (codes) raised by nobody, with 0.
    coder : str, optional
        Count only this coder's coding (see :func:`primary_coder`).
    zones : sequence of str, optional
        Zones to keep (default all with interviews).
    overall : bool, default True
        Add ``zone="all"`` rows over every interviewed Society.

    Returns
    -------
    DataFrame
        Tidy, as :func:`code_frequencies`: ``zone``, ``theme`` (or ``code`` [and
        ``theme``]), ``n_societies``, ``n_interviewed``, ``share`` — the input of
        :func:`toolkit.figures.theme_heatmap`.
    """
    long = code_frequencies(segments, frame, level=level, codebook=codebook, coder=coder)
    if zones is not None:
        long = long[long["zone"].astype(str).isin([str(z) for z in zones])]
    if overall and len(segments):
        all_ = code_frequencies(
            segments,
            frame.assign(_all="all"),
            level=level,
            by="_all",
            codebook=codebook,
            coder=coder,
        ).rename(columns={"_all": "zone"})
        long = pd.concat([long, all_], ignore_index=True)
    long["zone"] = long["zone"].astype(str)
    return long.reset_index(drop=True)


def themes_vs_answers(
    segments: pd.DataFrame,
    answers: pd.DataFrame,
    pairs: Mapping[str, str],
    *,
    level: str = "code",
    coder: str | None = None,
    codebook: Codebook | None = None,
    interview_answers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each chosen interview code against one questionnaire indicator (Fisher's test).

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (e.g. one zone's).
    answers : DataFrame
        Questionnaire data, one row per Society (the ``responses`` table), with
        ``ns_iso3`` and the indicators.
    pairs : mapping of str to str
        Code (or theme) -> binary indicator, e.g. ``{"cross_border": "coop_any",
        "volunteer_wellbeing": "activities__pss"}``.
    level, coder, codebook
        As in :func:`compare_with_answers`.
    interview_answers : DataFrame, optional
        Structured answers given in interviews (:func:`read_answers`): used for
        Societies that have no questionnaire row (the follow-up of non-respondents).

    Returns
    -------
    DataFrame
        The rows of :func:`compare_with_answers` for each pair (``n`` counts interviewed
        Societies with a known indicator), in the order of ``pairs``.

    Raises
    ------
    InputError
        If an indicator is not a column of the answers, or is not binary.
    """
    if not pairs:
        raise InputError(
            "no code-indicator pair to compare.", hint="pass e.g. {'cross_border': 'coop_any'}."
        )
    ans = answers
    if interview_answers is not None and len(interview_answers):
        extra = interview_answers[
            ~interview_answers["ns_iso3"].astype(str).isin(set(answers["ns_iso3"].astype(str)))
        ]
        keep = [
            "ns_iso3",
            *[c for c in dict.fromkeys(pairs.values()) if c in interview_answers.columns],
        ]
        ans = pd.concat([answers, extra[keep]], ignore_index=True)
    parts = [
        compare_with_answers(
            segments, ans, [ind], codes=[code], level=level, coder=coder, codebook=codebook
        )
        for code, ind in pairs.items()
    ]
    return pd.concat(parts, ignore_index=True)
