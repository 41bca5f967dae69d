"""Contact sheets, balance comparisons and nominated-list reports for :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.

These functions turn a drawn sample (or a zone office's list) into the tables a zone
office works with: the contact sheet (main list and ordered reserves, with inclusion
probabilities and weights, no personal data), the balance of several lists side by
side (the data of :func:`toolkit.figures.balance_plot`), a one-line-per-covariate
summary of that balance, and swap suggestions for lists spanning several zones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.frame import ZONES
from toolkit.sampling._common import SampleResult, as_codes, check_codes, check_frame
from toolkit.sampling._report import representativeness, suggest_swaps

__all__: list[str] = []

SHEET_COLUMNS = [
    "zone",
    "stratum",
    "iso3",
    "country",
    "society_name",
    "role",
    "reserve_rank",
    "pi",
    "pi_if_reached",
    "weight",
    "status",
]


def contact_sheet(result: SampleResult) -> pd.DataFrame:
    """The list a zone office works from: main sample, then the ordered reserves.

    Parameters
    ----------
    result : SampleResult
        A sample drawn with :func:`select_sample` (with ``reserve=k`` for reserves).

    Returns
    -------
    DataFrame
        One row per Society to contact, stratum by stratum (main list in ISO3 order,
        then the reserves in the order they are to be called): ``zone``, ``stratum``
        (only when the strata are not the zones), ``iso3``, ``country``,
        ``society_name`` (those of the frame that are present), ``role`` (``"main"`` or
        ``"reserve"``), ``reserve_rank`` (1 = first replacement; NA on the main list),
        ``pi`` (probability of being on the main list), ``pi_if_reached`` (probability
        of being contacted if replacements in the stratum reach this reserve; equal to
        ``pi`` on the main list), ``weight`` (``1 / pi`` for the main list; NA for
        reserves, whose weight depends on how many replacements are used — see
        :meth:`SampleResult.contact_list`) and an empty ``status`` column for the
        office to fill in (accepted / refused).  No personal data: Societies only.
        Probabilities are rounded to 6 decimals and weights to 4 (a working list; the
        exact values are in ``result.sample`` and ``result.reserve``).

    Raises
    ------
    InputError
        If ``result`` is not a :class:`SampleResult`.
    """
    if not isinstance(result, SampleResult):
        raise InputError(
            f"contact_sheet needs a drawn sample, got {type(result).__name__}.",
            hint="pass the result of toolkit.sampling.select_sample().",
        )
    main = result.sample.assign(role="main")
    main["reserve_rank"] = pd.NA
    main["pi_if_reached"] = main["pi"]
    res = result.reserve.assign(role="reserve", weight=np.nan)
    order = list(result.allocation.index)
    pos = {s: i for i, s in enumerate(order)}
    both = pd.concat([main, res], ignore_index=True)
    both["reserve_rank"] = both["reserve_rank"].astype("Int64")
    both["_s"] = both["stratum"].map(pos)
    both["_r"] = both["reserve_rank"].fillna(0).astype(int)
    both = both.sort_values(["_s", "_r", "iso3"], kind="stable")
    both["status"] = ""
    cols = [c for c in SHEET_COLUMNS if c in both.columns]
    if "zone" in both.columns and result.strata == ("zone",):
        cols.remove("stratum")
    out = both[cols].reset_index(drop=True)
    out["weight"] = out["weight"].astype(float).round(4)
    out[["pi", "pi_if_reached"]] = out[["pi", "pi_if_reached"]].astype(float).round(6)
    return out


def compare_balance(
    frame: pd.DataFrame,
    samples: Mapping[str, SampleResult | pd.DataFrame | Sequence[str]],
    covariates: Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = "zone",
    zone: str | None = None,
) -> pd.DataFrame:
    """Representativeness of several lists side by side.

    Parameters
    ----------
    frame : DataFrame
        The population the lists are compared with (as in :func:`representativeness`).
    samples : mapping of str to sample
        Label -> a drawn :class:`SampleResult`, a table with ``iso3`` (and optionally
        ``weight``) or a list of ISO3 codes; e.g. ``{"drawn": result, "nominated":
        codes}``.  Empty lists are skipped.
    covariates, by
        As in :func:`representativeness`.
    zone : str, optional
        The zone the lists are meant to represent (codes of another zone are an
        error); None or ``"all"``: each Society is compared with its own zone.

    Returns
    -------
    DataFrame
        The :func:`representativeness` tables of every list stacked, with a first
        column ``sample`` holding the label — the tidy input of
        :func:`toolkit.figures.balance_plot` (``hue="sample"``).

    Raises
    ------
    InputError
        If no list is given, or as :func:`representativeness`.
    """
    zone = None if zone == "all" else zone
    parts = []
    for label, s in samples.items():
        if not isinstance(s, (SampleResult, pd.DataFrame)) and len(as_codes(s, "sample")) == 0:
            continue
        t = representativeness(frame, s, covariates, by, zone=zone)
        t.insert(0, "sample", str(label))
        parts.append(t)
    if not parts:
        raise InputError("no list to compare.", hint="pass at least one non-empty list.")
    return pd.concat(parts, ignore_index=True)


def balance_summary(
    table: pd.DataFrame, by: Sequence[str] | None = None, *, per_covariate: bool = True
) -> pd.DataFrame:
    """The largest standardised difference per covariate (and group).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`representativeness`, :func:`compare_balance` or
        ``SampleResult.balance``.
    by : sequence of str, optional
        Grouping columns; default those of ``sample``, ``zone`` and ``stratum`` that are
        present.
    per_covariate : bool, default True
        One row per group x covariate; with False, one row per group (the largest
        difference over all covariates).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``covariate`` (the covariate, or with ``per_covariate=False``
        the one where the largest difference occurs), ``n_sample``, ``n_population``,
        ``max_abs_smd`` (over the levels), ``worst_level`` (the level where it occurs; NA
        for numeric covariates) and ``p_value`` (the smallest over the levels).
    """
    need = ["covariate", "level", "abs_smd", "n_sample", "n_population"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise InputError(
            f"the balance table has no column {missing[0]!r}.",
            column=missing[0],
            hint="pass the output of representativeness() or compare_balance().",
        )
    keys = (
        list(by)
        if by is not None
        else [c for c in ("sample", "zone", "stratum") if c in table.columns]
    )
    groups = keys + (["covariate"] if per_covariate else [])
    t = table.reset_index(drop=True)
    if not groups:
        t = t.assign(_all=0)
        groups = ["_all"]
    idx = t.groupby(groups, sort=False)["abs_smd"].idxmax()
    cols = [*keys, "covariate", "n_sample", "n_population", "abs_smd", "level"]
    out = t.loc[idx.to_numpy(), cols]
    out = out.rename(columns={"abs_smd": "max_abs_smd", "level": "worst_level"})
    if "p_value" in t.columns:
        out["p_value"] = t.groupby(groups, sort=False)["p_value"].min().to_numpy()
    return out.reset_index(drop=True)


def swaps_by_zone(
    frame: pd.DataFrame,
    nominated: pd.DataFrame | Sequence[str],
    covariates: Sequence[str] | None = None,
    *,
    zone: str | None = None,
    k: int = 5,
    keep: Iterable[str] = (),
) -> pd.DataFrame:
    """:func:`suggest_swaps` for a list that may span several zones, zone by zone.

    Parameters
    ----------
    frame : DataFrame
        Membership table (with ``zone``).
    nominated : DataFrame with ``iso3`` or list of str
        The list; each Society is compared with its own zone.
    zone : str, optional
        The zone the list is meant for: codes of another zone are an error.  None or
        ``"all"``: any zone.
    covariates, k, keep
        As in :func:`suggest_swaps` (``k`` swaps at most per zone).

    Returns
    -------
    DataFrame
        ``zone`` followed by the columns of :func:`suggest_swaps`, zones in IFRC order;
        no rows when no swap improves any zone's list.
    """
    check_frame(frame, ["zone"])
    codes = as_codes(nominated, "nominated list")
    if not codes:
        raise InputError("the nominated list is empty.", hint="give at least one ISO3 code.")
    check_codes(frame, codes, "nominated list", None if zone in (None, "all") else zone)
    zmap = dict(zip(frame["iso3"].astype(str), frame["zone"].astype(str), strict=True))
    keep = set(as_codes(list(keep), "keep list"))
    listed_zones = list(dict.fromkeys(zmap[c] for c in codes))
    zones = [z for z in ZONES if z in listed_zones] + [z for z in listed_zones if z not in ZONES]
    parts = []
    for z in zones:
        listed = [c for c in codes if zmap[c] == z]
        t = suggest_swaps(
            frame, listed, covariates, zone=z, k=k, keep=[c for c in listed if c in keep]
        )
        t.insert(0, "zone", z)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def apply_swaps(nominated: pd.DataFrame | Sequence[str], swaps: pd.DataFrame) -> list[str]:
    """The nominated list after the suggested swaps (in order).

    Parameters
    ----------
    nominated : DataFrame with ``iso3`` or list of str
    swaps : DataFrame
        Output of :func:`suggest_swaps` or :func:`swaps_by_zone` (``swap_out``,
        ``swap_in``).

    Returns
    -------
    list of str
        The list with each ``swap_out`` replaced by its ``swap_in``, in the original
        positions.

    Raises
    ------
    InputError
        If a ``swap_out`` is not on the list (at the time of its step).
    """
    out = as_codes(nominated, "nominated list")
    for o, i in zip(swaps.get("swap_out", []), swaps.get("swap_in", []), strict=True):
        if o not in out:
            raise InputError(
                f"swap {o} -> {i}: {o} is not on the list.",
                value=o,
                hint="pass the list the swaps were suggested for.",
            )
        out[out.index(o)] = str(i)
    return out


def follow_up_population(societies: pd.DataFrame, responded: str = "responded") -> pd.DataFrame:
    """The Societies eligible for the non-response follow-up: those that did not return
    the questionnaire.

    Parameters
    ----------
    societies : DataFrame
        Frame rows with a boolean ``responded`` column (the analytical database's
        ``societies`` table).
    responded : str, default "responded"

    Returns
    -------
    DataFrame
        The rows with ``responded`` False, index reset.  Draw the follow-up subsample
        from these (``select_sample(follow_up_population(societies), ...)``): its
        ``pi`` is then the second-phase probability the two-phase estimator needs.

    Raises
    ------
    InputError
        If the column is missing or has missing values.
    """
    if responded not in societies.columns:
        raise InputError(
            f"the Societies table has no column {responded!r}.",
            column=responded,
            hint="pass the 'societies' table of the analytical database.",
        )
    r = societies[responded]
    if r.isna().any():
        bad = societies.loc[r.isna(), "iso3"].iloc[0] if "iso3" in societies else None
        raise InputError(
            "whether a Society responded is missing.",
            column=responded,
            value=bad,
            hint="every Society of the frame must be marked responded or not.",
        )
    return societies[~r.astype(bool)].reset_index(drop=True)
