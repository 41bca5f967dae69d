"""Themes across zones: code frequencies by Society, co-occurrence, questionnaire links.

Private helper module of :mod:`toolkit.interviews`.

The unit of analysis is the *Society*: a code (or theme) counts once for a Society
however many segments, interviews or coders applied it.  Unless ``coder`` is given,
a code counts when *any* coder applied it (with double coding, pass the primary
coder to count only their coding).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import InputError
from toolkit.interviews._codebook import Codebook

__all__: list[str] = []


def _check_segments(segments: pd.DataFrame, need: Sequence[str]) -> None:
    missing = [c for c in need if c not in segments.columns]
    if missing:
        raise InputError(
            f"the segments table has no column {missing[0]!r}.",
            column=missing[0],
            hint="pass read_segments(...).data, the validated segments.",
        )


def _filter_coder(segments: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    if coder is None:
        return segments
    known = set(segments["coder"].astype(str))
    if coder not in known:
        raise InputError(
            f"coder {coder!r} coded none of these segments.",
            value=coder,
            hint=f"coders are: {', '.join(sorted(known))}.",
        )
    return segments[segments["coder"].astype(str) == coder]


def society_codes(
    segments: pd.DataFrame,
    *,
    level: str = "code",
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Society x code (or theme) 0/1 table: whether the code was applied for the Society.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    level : {"code", "theme"}
    coder : str, optional
        Count only this coder's coding.
    codebook : Codebook, optional
        Adds columns for codes (themes) never applied.

    Returns
    -------
    DataFrame
        Index ``ns_iso3`` (interviewed Societies), one Int8 column per code or theme.
    """
    if level not in ("code", "theme"):
        raise InputError(f"unknown level {level!r}.", value=level, hint="use 'code' or 'theme'.")
    _check_segments(segments, ["ns_iso3", "coder", level])
    seg = _filter_coder(segments, coder)
    tab = pd.crosstab(seg["ns_iso3"].astype(str), seg[level].astype(str)).clip(upper=1)
    if codebook is not None:
        names = codebook.codable if level == "code" else codebook.themes
        extra = [c for c in tab.columns if c not in set(names)]
        tab = tab.reindex(columns=list(names) + extra, fill_value=0)
    tab.index.name = "ns_iso3"
    tab.columns.name = level
    return tab.astype("int8")


def code_frequencies(
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    level: str = "code",
    by: str = "zone",
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """How many interviewed Societies of each zone raised each code (or theme).

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    frame : DataFrame
        Membership table (``iso3`` and the ``by`` column).
    level : {"code", "theme"}
    by : str, default "zone"
        Frame column to group Societies by.
    coder : str, optional
        Count only this coder's coding.
    codebook : Codebook, optional
        Lists codes never applied (with 0) and adds ``theme``.

    Returns
    -------
    DataFrame
        Tidy: ``by``, ``code`` (or ``theme``), [``theme``], ``n_societies`` (Societies
        whose interviews carry the code at least once), ``n_interviewed`` (Societies of
        the group with at least one accepted segment) and ``share``.
    """
    if by not in frame.columns:
        raise InputError(
            f"the frame has no column {by!r}.",
            column=by,
            hint="group by a frame column such as 'zone'.",
        )
    tab = society_codes(segments, level=level, coder=coder, codebook=codebook)
    groups = frame.set_index(frame["iso3"].astype(str))[by].astype(str)
    unknown = sorted(set(tab.index) - set(groups.index))
    if unknown:
        raise InputError(
            f"Society {unknown[0]} of the segments is not in the frame.",
            value=unknown[0],
            hint="validate segments with read_segments().",
        )
    g = groups.reindex(tab.index)
    counts = tab.groupby(g.to_numpy()).sum()
    n_int = g.value_counts()
    order = [z for z in pd.unique(frame[by].astype(str)) if z in counts.index]
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        order = [str(z) for z in frame[by].cat.categories if str(z) in counts.index]
    stacked = counts.reindex(order).stack()
    assert isinstance(stacked, pd.Series)  # single-level columns stack to a Series
    long = stacked.rename("n_societies").reset_index()
    long.columns = [by, level, "n_societies"]
    long["n_interviewed"] = long[by].map(n_int).astype(int)
    long["share"] = long["n_societies"] / long["n_interviewed"]
    long["n_societies"] = long["n_societies"].astype(int)
    if level == "code" and codebook is not None:
        long.insert(2, "theme", long["code"].map(codebook.theme_of()))
    return long.reset_index(drop=True)


def theme_zone_table(
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    value: str = "share",
    coder: str | None = None,
) -> pd.DataFrame:
    """Theme x zone table (the data of a heatmap).

    Parameters
    ----------
    segments, frame, codebook, coder
        As in :func:`code_frequencies` (``level="theme"``).
    value : {"share", "n_societies"}
        Share of the zone's interviewed Societies raising the theme, or their number.

    Returns
    -------
    DataFrame
        Index theme, one column per zone.
    """
    if value not in ("share", "n_societies"):
        raise InputError(
            f"unknown value {value!r}.", value=value, hint="use 'share' or 'n_societies'."
        )
    long = code_frequencies(segments, frame, level="theme", codebook=codebook, coder=coder)
    wide = long.pivot(index="theme", columns="zone", values=value)
    zones = list(dict.fromkeys(long["zone"]))
    themes = list(dict.fromkeys(long["theme"]))
    return wide.reindex(index=themes, columns=zones)


def cooccurrence(
    segments: pd.DataFrame,
    *,
    within: str = "interview",
    codes: Iterable[str] | None = None,
    coder: str | None = None,
) -> pd.DataFrame:
    """Code co-occurrence counts.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    within : {"interview", "segment", "society"}
        ``"interview"``: number of interviews in which both codes were applied;
        ``"society"``: number of Societies; ``"segment"``: number of segments carrying
        both codes — a segment is one Taguette highlight / QualCoder coding id / template
        ``segment_id`` or, without an id, the same text of the same interview and coder.
    codes : iterable of str, optional
        Codes to include (default all applied).
    coder : str, optional
        Count only this coder's coding.

    Returns
    -------
    DataFrame
        Symmetric code x code counts; the diagonal counts units with the code.
    """
    _check_segments(segments, ["interview_id", "ns_iso3", "coder", "code", "segment"])
    seg = _filter_coder(segments, coder)
    if within == "interview":
        unit = seg["interview_id"].astype(str)
    elif within == "society":
        unit = seg["ns_iso3"].astype(str)
    elif within == "segment":
        sid = seg["segment_id"] if "segment_id" in seg else pd.Series(pd.NA, index=seg.index)
        text = seg["segment"].astype("string").fillna("").str.split().str.join(" ")
        unit = (
            seg["interview_id"].astype(str)
            + "#"
            + seg["coder"].astype(str)
            + "#"
            + sid.astype("string").fillna("text:" + text).astype(str)
        )
    else:
        raise InputError(
            f"unknown co-occurrence unit {within!r}.",
            value=within,
            hint="use 'interview', 'segment' or 'society'.",
        )
    tab = pd.crosstab(unit, seg["code"].astype(str)).clip(upper=1)
    if codes is not None:
        codes = list(codes)
        tab = tab.reindex(columns=codes, fill_value=0)
    m = tab.T.to_numpy() @ tab.to_numpy()
    out = pd.DataFrame(m.astype(int), index=tab.columns, columns=tab.columns)
    out.index.name = "code"
    out.columns.name = "code"
    return out


def _binary(s: pd.Series, name: str) -> pd.Series:
    mapping = {"1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0, "1.0": 1, "0.0": 0}
    txt = s.astype("string").str.strip().str.lower()
    out = txt.map(mapping)
    bad = txt.notna() & out.isna()
    if bad.any():
        raise InputError(
            f"questionnaire indicator {name!r} is not binary (value {s[bad].iloc[0]!r}).",
            column=name,
            value=s[bad].iloc[0],
            hint="use a 0/1 or yes/no indicator such as 'activities__rfl' or 'coop_any'.",
        )
    return out.astype("Int8")


def compare_with_answers(
    segments: pd.DataFrame,
    answers: pd.DataFrame,
    indicators: Sequence[str],
    *,
    codes: Iterable[str] | None = None,
    level: str = "code",
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Cross-tabulate interview codes against questionnaire indicators of the same Societies.

    For each code (or theme) and binary indicator, the Societies that were interviewed
    *and* have a non-missing indicator form the 2 x 2 table::

                        indicator = 1   indicator = 0
        code raised          a               b
        code not raised      c               d

    tested with Fisher's exact test (two-sided; scipy).  With a handful of Societies
    per zone these tests have little power: read them as descriptions.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    answers : DataFrame
        One row per Society with ``ns_iso3`` and the indicators (questionnaire data
        from :func:`toolkit.ingest.read_export` or interview answers from
        :func:`read_answers`); 0/1, yes/no or true/false.
    indicators : sequence of str
        Binary indicator columns, e.g. ``["activities__rfl", "coop_any"]``.
    codes : iterable of str, optional
        Codes (or themes) to compare; default all applied.
    level : {"code", "theme"}
    coder : str, optional
    codebook : Codebook, optional

    Returns
    -------
    DataFrame
        ``code`` (or ``theme``), ``indicator``, ``n``, ``a``, ``b``, ``c``, ``d``,
        ``share_code_if_1`` (a / (a + c)), ``share_code_if_0`` (b / (b + d)),
        ``odds_ratio`` (sample odds ratio, inf/0/NaN with empty cells) and
        ``p_value``.
    """
    if "ns_iso3" not in answers.columns:
        raise InputError(
            "the answers table has no 'ns_iso3' column.",
            column="ns_iso3",
            hint="pass one row per Society with an ns_iso3 column.",
        )
    missing = [c for c in indicators if c not in answers.columns]
    if missing:
        raise InputError(
            f"the answers table has no indicator column {missing[0]!r}.",
            column=missing[0],
            hint="check the questionnaire variable name.",
        )
    dup = answers["ns_iso3"][answers["ns_iso3"].duplicated()]
    if len(dup):
        raise InputError(
            "the answers table has several rows for a Society.",
            column="ns_iso3",
            value=dup.iloc[0],
            hint="pass one row per Society.",
        )
    tab = society_codes(segments, level=level, coder=coder, codebook=codebook)
    if codes is not None:
        tab = tab.reindex(columns=list(codes), fill_value=0)
    ans = answers.set_index(answers["ns_iso3"].astype(str))
    rows = []
    for ind in indicators:
        y = _binary(ans[ind], ind).reindex(tab.index)
        ok = y.notna().to_numpy()
        yv = y.to_numpy(dtype=float, na_value=np.nan)[ok].astype(int)
        for code in tab.columns:
            x = tab[code].to_numpy()[ok].astype(int)
            a = int(((x == 1) & (yv == 1)).sum())
            b = int(((x == 1) & (yv == 0)).sum())
            c = int(((x == 0) & (yv == 1)).sum())
            d = int(((x == 0) & (yv == 0)).sum())
            n = a + b + c + d
            if n:
                res = stats.fisher_exact([[a, b], [c, d]])
                orr, p = float(res.statistic), float(res.pvalue)
            else:
                orr = p = float("nan")
            rows.append(
                {
                    level: code,
                    "indicator": ind,
                    "n": n,
                    "a": a,
                    "b": b,
                    "c": c,
                    "d": d,
                    "share_code_if_1": a / (a + c) if a + c else float("nan"),
                    "share_code_if_0": b / (b + d) if b + d else float("nan"),
                    "odds_ratio": orr,
                    "p_value": p,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            level,
            "indicator",
            "n",
            "a",
            "b",
            "c",
            "d",
            "share_code_if_1",
            "share_code_if_0",
            "odds_ratio",
            "p_value",
        ],
    )
