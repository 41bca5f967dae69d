"""Change between mapping rounds: activity shares of two rounds and their difference.

Both rounds are non-response weighted designs over the same frame (a census of the
Societies): weighting classes (zone x income group by default, collapsed so that every
class has enough respondents in *both* rounds, :func:`round_classes`), weight
``N_c / n_c`` and the finite population correction of each class, as
:func:`toolkit.nonresponse.nonresponse_design` builds them.  The change of a share is
the difference of the two rounds' weighted means, and its variance is that of the
difference of two linearised estimators whose covariance comes from the Societies that
answered both rounds (:func:`activity_change`, Notes).

:func:`activity_transitions` says, per Society and activity, whether it is new,
continued, ended, not run, or not known because the Society did not answer a round.

References
----------
Tam, S. M. (1984). On covariances from overlapping samples. *The American Statistician*
38, 288-289.

Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., chapter 6 (Taylor
series methods). Springer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from toolkit.errors import InputError
from toolkit.instrument import Instrument, load_instrument
from toolkit.mapping._profiles import activity_codes, activity_indicators
from toolkit.nonresponse import collapse_classes

__all__ = ["TRANSITION_STATUSES", "activity_change", "activity_transitions", "round_classes"]

#: Status of an activity of a Society between two rounds.
TRANSITION_STATUSES = ("new", "continued", "ended", "not run", "not known")
_ALL = "all"
_SEP = " / "


def _as_mask(frame: pd.DataFrame, responded: Any) -> np.ndarray:
    arr = np.asarray(responded)
    if arr.ndim != 1 or len(arr) != len(frame):
        raise InputError(
            f"a responded indicator has {arr.size} values but the frame has {len(frame)} rows.",
            hint="pass one True/False per frame row, in frame order.",
        )
    return arr.astype(bool)


def round_classes(
    frame: pd.DataFrame,
    responded: Sequence[Any],
    classes: Sequence[str] = ("zone", "income_group"),
    *,
    min_respondents: int = 5,
) -> pd.Series:
    """Weighting classes shared by several rounds, with enough respondents in each.

    The classes of :func:`toolkit.nonresponse.collapse_classes` for the first round are
    merged further, in the same way (the last class variable within the others), until
    every class has at least ``min_respondents`` respondents in every round.

    Parameters
    ----------
    frame : pandas.DataFrame
        Membership frame.
    responded : sequence of array-like of bool
        One indicator per round, in frame order.
    classes : sequence of str, default ("zone", "income_group")
        Class variables, outermost first.
    min_respondents : int, default 5

    Returns
    -------
    pandas.Series of str
        Class label per frame row (``"europe / low+lower_middle+upper_middle"``),
        indexed like the frame; pass it as ``classes=`` to
        :func:`toolkit.nonresponse.nonresponse_design` to rebuild a round's design.

    Raises
    ------
    toolkit.errors.WeightingError
        An outer class (e.g. a zone) has fewer than two respondents in a round.
    """
    masks = [_as_mask(frame, r) for r in responded]
    if not masks:
        raise InputError("no round given.", hint="pass one responded indicator per round.")
    cols = list(classes)
    labels = collapse_classes(frame, masks[0], cols, min_respondents=min_respondents)
    inner, outer = cols[-1], cols[:-1]
    if isinstance(frame[inner].dtype, pd.CategoricalDtype):
        levels = list(frame[inner].cat.categories)
    else:
        levels = sorted(pd.unique(frame[inner].dropna()), key=str)
    pos = frame[inner].map({lv: k for k, lv in enumerate(levels)}).to_numpy(dtype=float)
    prefix = np.full(len(frame), "", dtype=object)
    for c in outer:
        prefix = prefix + frame[c].astype(str).to_numpy(dtype=object) + _SEP
    for r in masks[1:]:
        cell = pd.Series(labels.to_numpy(dtype=object), index=frame.index)
        if outer:
            cell = pd.Series(
                [lab[len(p) :] for lab, p in zip(cell, prefix)], index=frame.index, dtype=object
            )
        first = pd.Series(pos, index=frame.index).groupby(cell.to_numpy()).min()
        order = sorted(first.index, key=lambda c: (first[c], str(c)))
        tmp = frame[outer].copy()
        tmp["_cell"] = pd.Categorical(cell, categories=order, ordered=True)
        labels = collapse_classes(tmp, r, [*outer, "_cell"], min_respondents=min_respondents)
    return labels.rename("nr_class")


def _round_matrix(
    frame: pd.DataFrame,
    responses: pd.DataFrame,
    codes: Sequence[str],
    unit: str,
    frame_unit: str,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Who answered the round (frame order) and their 0/1 answers (NaN: unknown)."""
    if unit not in responses:
        raise InputError(f"the {what} responses have no column {unit!r}.", column=unit)
    keys = responses[unit].astype(str).to_numpy(dtype=object)
    dup = pd.Index(keys).duplicated()
    if dup.any():
        raise InputError(
            f"the {what} responses hold more than one row for a Society.",
            column=unit,
            value=keys[dup][0],
            hint="deduplicate the round's returns (toolkit.ingest does this) first.",
        )
    units = frame[frame_unit].astype(str).to_numpy(dtype=object)
    extra = keys[~np.isin(keys, units)]
    if len(extra):
        raise InputError(
            f"{len(extra)} Society(ies) of the {what} responses are not in the frame.",
            column=unit,
            value=extra[0],
            hint="correct the codes, or add the Societies to the frame.",
        )
    where = pd.Index(keys).get_indexer(units)
    ind = activity_indicators(responses, codes).to_numpy(dtype=float, na_value=np.nan)
    values = np.where((where >= 0)[:, None], ind[np.maximum(where, 0)], np.nan)
    return where >= 0, values


def _class_sums(x: np.ndarray, h: np.ndarray, n_classes: int) -> np.ndarray:
    """Sum rows of ``x`` (n, ...) by class code ``h`` (n,)."""
    out = np.zeros((n_classes, *x.shape[1:]))
    np.add.at(out, h, x)
    return out


def _change_arrays(
    h: np.ndarray,
    dom: np.ndarray,
    r0: np.ndarray,
    y0: np.ndarray,
    r1: np.ndarray,
    y1: np.ndarray,
) -> dict[str, np.ndarray]:
    """Estimates and variances of two rounds' domain means and of their difference.

    Parameters
    ----------
    h : ndarray of int, shape (N,)
        Weighting class of every frame unit (codes ``0 .. H-1``).
    dom : ndarray of float, shape (N, D)
        Domain membership (0/1) of every frame unit.
    r0, r1 : ndarray of bool, shape (N,)
        Who answered the earlier / the current round.
    y0, y1 : ndarray of float, shape (N, k)
        Answers (NaN where unknown: non-respondents and unanswered items).

    Returns
    -------
    dict of ndarray, each (D, k)
        ``p0``, ``p1`` (weighted means), ``v0``, ``v1`` (their variances), ``cov``,
        ``n0``, ``n1`` (units with an answer), ``n_both`` (with an answer in both).
    """
    n_cls = int(h.max()) + 1
    N_h = np.bincount(h, minlength=n_cls).astype(float)
    out: dict[str, np.ndarray] = {}
    us = []
    for t, (r, y) in enumerate(((r0, y0), (r1, y1))):
        n_h = np.bincount(h[r], minlength=n_cls).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(r, N_h[h] / n_h[h], 0.0)
        m = (r[:, None] & ~np.isnan(y))[:, None, :] * dom[:, :, None]  # (N, D, k)
        yz = np.nan_to_num(y)[:, None, :]
        wm = w[:, None, None] * m
        tot_w = wm.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = (wm * yz).sum(axis=0) / tot_w
            u = m * (yz - p) / tot_w  # linearised values, unweighted  (N, D, k)
        u = np.nan_to_num(u)
        z = w[:, None, None] * u
        s1 = _class_sums(z, h, n_cls)
        s2 = _class_sums(z * z, h, n_cls)
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = np.maximum(s2 - s1 * s1 / n_h[:, None, None], 0.0)
            scale = np.where(n_h > 1, (1 - n_h / N_h) * n_h / (n_h - 1), 0.0)
        out[f"p{t}"] = p
        out[f"v{t}"] = np.einsum("h,hdk->dk", scale, np.nan_to_num(ss))
        out[f"n{t}"] = m.sum(axis=0)
        us.append((u, n_h))
    (u0, n0h), (u1, n1h) = us
    both = r0 & r1
    m_h = np.bincount(h[both], minlength=n_cls).astype(float)
    b = both[:, None, None]
    a0, a1 = u0 * b, u1 * b
    sxy = _class_sums(a0 * a1, h, n_cls)
    sx, sy = _class_sums(a0, h, n_cls), _class_sums(a1, h, n_cls)
    with np.errstate(divide="ignore", invalid="ignore"):
        s01 = (sxy - sx * sy / m_h[:, None, None]) / (m_h[:, None, None] - 1)
        coef = np.where(m_h > 1, N_h**2 * (m_h / (n0h * n1h) - 1 / N_h), 0.0)
    out["cov"] = np.einsum("h,hdk->dk", coef, np.nan_to_num(s01))
    out["n_both"] = (
        (both[:, None] & ~np.isnan(y0) & ~np.isnan(y1))[:, None, :] * dom[:, :, None]
    ).sum(axis=0)
    return out


def _codes(
    instrument: Instrument | None, codes: Sequence[str] | None
) -> tuple[list[str], dict[str, str]]:
    """Activity codes and their labels (codes given, or the instrument's)."""
    inst = instrument if instrument is not None or codes is not None else load_instrument()
    labels = {} if inst is None else inst.choice_labels(inst.question("activities")["list_name"])
    if codes is not None:
        return list(codes), labels
    assert inst is not None  # loaded above when no codes are given
    return activity_codes(inst), labels


def activity_change(
    frame: pd.DataFrame,
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    instrument: Instrument | None = None,
    codes: Sequence[str] | None = None,
    by: str = "zone",
    classes: Sequence[str] = ("zone", "income_group"),
    min_respondents: int = 5,
    level: float = 0.95,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
) -> pd.DataFrame:
    """Change in the share of Societies running each activity between two rounds.

    Parameters
    ----------
    frame : pandas.DataFrame
        Membership frame (the same Societies in both rounds).
    previous, current : pandas.DataFrame
        The ``responses`` table of the earlier and of the current round: ``ns_iso3``
        and ``activities__<code>`` 0/1 (a Society with ``has_migration_programme ==
        "no"`` runs none; an unanswered item stays unknown).
    instrument : Instrument, optional
        Supplies the activity codes and labels (the bundled instrument by default).
    codes : sequence of str, optional
        Activity codes (instead of the instrument's).
    by : str, default "zone"
        Frame column of the domains; an ``"all"`` domain is added.
    classes : sequence of str, default ("zone", "income_group")
        Weighting class variables (:func:`round_classes`).
    min_respondents : int, default 5
        Respondents every class must have in each round.
    level : float, default 0.95
    unit, frame_unit : str
        Society code columns of the responses and of the frame.

    Returns
    -------
    pandas.DataFrame
        One row per domain and activity: ``by``, ``code``, ``label``; ``share_previous``
        and ``se_previous``, ``share_current`` and ``se_current`` (each round's
        weighted share); ``change`` (current minus previous), ``se``, ``ci_low``,
        ``ci_high`` (Wald, clipped to [-1, 1]); ``covariance`` of the two shares;
        ``n_previous``, ``n_current`` (Societies with an answer) and ``n_both``
        (answered both rounds); ``n_frame``.

    Notes
    -----
    Each round t is the stratified design of :func:`toolkit.nonresponse.nonresponse_design`
    with classes h (shared by both rounds), weights ``N_h / n_th`` and finite population
    correction: within a class, the respondents are taken as a simple random sample of
    the class (missing at random within classes).  A share is the ratio
    ``p_t = sum w y / sum w`` over the domain, with linearised values
    ``u_ti = 1_d (y_ti - p_t) / N_d`` and the variance of :class:`toolkit.survey.Design`
    (R's ``svymean``).  The variance of the change is ``V_0 + V_1 - 2 C``: the two
    rounds are two samples of one population whose joint response pattern is
    exchangeable within a class, and for two such samples of sizes ``n_0h``, ``n_1h``
    overlapping in ``m_h`` units (Tam 1984)::

        C = sum_h N_h^2 (m_h / (n_0h n_1h) - 1 / N_h) s_01h

    with ``s_01h`` the covariance of ``u_0`` and ``u_1`` over the ``m_h`` Societies that
    answered both rounds (divisor ``m_h - 1``; a class with fewer than two such
    Societies contributes no covariance).  When both rounds have the same respondents
    this is exactly the variance of the mean of the paired differences, and when the
    rounds' responses are independent the expected overlap makes ``C`` zero.

    Stacking both rounds' respondents into one design with the Society as cluster
    (R's ``svyby`` + ``svycontrast``) would centre and apply the fpc over the union of
    respondents instead of each round's own; in ``benchmarks/sim_rounds.py`` its SEs
    are about 0.7 of the true ones (coverage ~80%), while these are 0.96-0.99 (~94%).
    Ignoring the covariance gives SEs 1.1-1.3 times too large.  The shares of each
    round are weighted within the classes shared by both rounds, so they can differ
    slightly from :func:`activity_shares` (which collapses each round on its own).
    """
    if not 0 < level < 1:
        raise InputError(f"level must lie between 0 and 1; got {level!r}.", value=level)
    code_list, labels = _codes(instrument, codes)
    r0, y0 = _round_matrix(frame, previous, code_list, unit, frame_unit, "previous round's")
    r1, y1 = _round_matrix(frame, current, code_list, unit, frame_unit, "current round's")
    lab = round_classes(frame, [r0, r1], classes, min_respondents=min_respondents)
    h = pd.factorize(lab)[0]
    dom_of = frame[by].astype(str).to_numpy()
    levels = (
        [str(c) for c in frame[by].cat.categories if (dom_of == str(c)).any()]
        if isinstance(frame[by].dtype, pd.CategoricalDtype)
        else sorted(pd.unique(dom_of))
    )
    dom = np.column_stack([*(dom_of == d for d in levels), np.ones(len(frame), bool)])
    a = _change_arrays(h, dom.astype(float), r0, y0, r1, y1)
    var = a["v0"] + a["v1"] - 2 * a["cov"]
    # rounding leaves ~1e-16 (v0 + v1) where the rounds agree exactly: that is zero
    var = np.where(var > 1e-13 * (a["v0"] + a["v1"]), var, 0.0)
    se = np.sqrt(var)
    change = a["p1"] - a["p0"]
    q = float(norm.ppf(0.5 + level / 2))
    names = [*levels, _ALL]
    k = len(code_list)
    out = pd.DataFrame(
        {
            by: np.repeat(names, k),
            "code": np.tile(code_list, len(names)),
            "label": [labels.get(c, c) for c in np.tile(code_list, len(names))],
            "share_previous": a["p0"].ravel(),
            "se_previous": np.sqrt(a["v0"]).ravel(),
            "share_current": a["p1"].ravel(),
            "se_current": np.sqrt(a["v1"]).ravel(),
            "change": change.ravel(),
            "se": se.ravel(),
            "ci_low": np.clip(change - q * se, -1, 1).ravel(),
            "ci_high": np.clip(change + q * se, -1, 1).ravel(),
            "covariance": a["cov"].ravel(),
            "n_previous": a["n0"].ravel().astype(int),
            "n_current": a["n1"].ravel().astype(int),
            "n_both": a["n_both"].ravel().astype(int),
            "n_frame": np.repeat(dom.sum(axis=0), k).astype(int),
        }
    )
    return out


def activity_transitions(
    frame: pd.DataFrame,
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    instrument: Instrument | None = None,
    codes: Sequence[str] | None = None,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
) -> pd.DataFrame:
    """Per Society and activity: new, continued, ended, not run, or not known.

    Parameters
    ----------
    frame, previous, current, instrument, codes, unit, frame_unit
        As :func:`activity_change`.

    Returns
    -------
    pandas.DataFrame
        One row per frame Society and activity: ``iso3`` (the frame's unit column),
        ``zone``, ``code``, ``previous`` and ``current`` (``Int8`` 0/1, missing where
        unknown), ``answered`` (``"both"``, ``"previous only"``, ``"current only"``,
        ``"neither"``) and ``status`` (one of :data:`TRANSITION_STATUSES`): ``"new"``
        (not run then, runs now), ``"continued"``, ``"ended"`` (ran then, not now),
        ``"not run"`` (in neither round) and ``"not known"`` (the Society did not
        answer one of the rounds, or left the activity unanswered).  Nothing unknown is
        guessed.
    """
    code_list, _ = _codes(instrument, codes)
    r0, y0 = _round_matrix(frame, previous, code_list, unit, frame_unit, "previous round's")
    r1, y1 = _round_matrix(frame, current, code_list, unit, frame_unit, "current round's")
    known = ~np.isnan(y0) & ~np.isnan(y1)
    status = np.select(
        [~known, (y0 == 0) & (y1 == 1), (y0 == 1) & (y1 == 1), (y0 == 1) & (y1 == 0)],
        ["not known", *TRANSITION_STATUSES[:3]],
        "not run",
    )
    answered = np.select([r0 & r1, r0, r1], ["both", "previous only", "current only"], "neither")
    k = len(code_list)
    out = pd.DataFrame(
        {
            frame_unit: np.repeat(frame[frame_unit].astype(str).to_numpy(), k),
            "zone": np.repeat(frame["zone"].astype(str).to_numpy(), k),
            "code": np.tile(code_list, len(frame)),
            "previous": pd.array(y0.ravel(), dtype="Float64").astype("Int8"),
            "current": pd.array(y1.ravel(), dtype="Float64").astype("Int8"),
            "answered": np.repeat(answered, k),
            "status": pd.Categorical(status.ravel(), categories=list(TRANSITION_STATUSES)),
        }
    )
    return out
