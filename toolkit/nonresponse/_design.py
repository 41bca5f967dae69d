"""Private implementation of :func:`toolkit.nonresponse.nonresponse_design` and
:func:`toolkit.nonresponse.collapse_classes`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError, WeightingError
from toolkit.nonresponse._bias import design_matrix, fit_propensity, prepare_covariates
from toolkit.nonresponse._common import (
    as_list,
    check_columns,
    frame_units,
    levels_of,
    resolve_responded,
    returned_units,
)

__all__: list[str] = []

CLASS_COLUMN = "nr_class"
SIZE_COLUMN = "nr_class_size"
WEIGHT_COLUMN = "nr_weight"
PROPENSITY_COLUMN = "nr_propensity"
_SEP = " / "


def _ordered_levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return levels_of(s)


def _check_class_columns(frame: pd.DataFrame, cols: list[str]) -> None:
    check_columns(frame, cols, "frame")
    for c in cols:
        if frame[c].isna().any():
            raise InputError(
                f"the class variable is missing for {int(frame[c].isna().sum())} frame unit(s).",
                column=c,
                hint="fill it in the frame, or choose class variables known for every unit.",
            )


def class_labels(frame: pd.DataFrame, classes: Any) -> pd.Series:
    """Class label (str) per frame row from column names or a label Series."""
    if isinstance(classes, pd.Series):
        if not classes.index.equals(frame.index):
            raise InputError(
                "the classes Series is not indexed like the frame.",
                hint="build it from the frame (e.g. with collapse_classes).",
            )
        if classes.isna().any():
            raise InputError(
                "the classes Series has missing labels.",
                value=classes.index[classes.isna()][0],
            )
        return classes.astype(str)
    cols = as_list(classes)
    if not cols:
        raise InputError("no weighting classes given.", hint="e.g. classes=['zone'].")
    _check_class_columns(frame, cols)
    parts = [frame[c].astype(str) for c in cols]
    lab = parts[0]
    for p in parts[1:]:
        lab = lab + _SEP + p
    return lab.rename(CLASS_COLUMN)


def collapse_classes(
    frame: pd.DataFrame,
    responded: Any,
    classes: str | Sequence[str],
    *,
    min_respondents: int = 2,
) -> pd.Series:
    r = resolve_responded(frame, responded)
    cols = as_list(classes)
    if not cols:
        raise InputError(
            "no weighting classes given.", hint="e.g. classes=['zone', 'income_group']."
        )
    _check_class_columns(frame, cols)
    inner = cols[-1]
    outer = cols[:-1]
    inner_levels = _ordered_levels(frame[inner])
    inner_vals = frame[inner].to_numpy(dtype=object)
    if outer:
        outer_lab = class_labels(frame, outer).to_numpy(dtype=object)
    else:
        outer_lab = np.full(len(frame), "", dtype=object)
    out = np.empty(len(frame), dtype=object)
    for o in pd.unique(outer_lab):
        mo = outer_lab == o
        # cells: list of lists of inner levels, in level order
        cells = [[lv] for lv in inner_levels if (mo & (inner_vals == lv)).any()]

        def resp(cell, mo=mo):
            return int((mo & np.isin(inner_vals, cell) & r).sum())

        while len(cells) > 1:
            counts = [resp(c) for c in cells]
            worst = int(np.argmin(counts))
            if counts[worst] >= min_respondents:
                break
            nb = [j for j in (worst - 1, worst + 1) if 0 <= j < len(cells)]
            j = min(nb, key=lambda k: counts[k])
            a, b = sorted((worst, j))
            cells[a] = cells[a] + cells[b]
            del cells[b]
        n_outer, N_outer = resp(cells[0]), int(mo.sum())
        if len(cells) == 1 and (n_outer == 0 or (n_outer == 1 and N_outer > 1)):
            # A single class is kept even below min_respondents, but it needs two
            # respondents (or to be complete) for a variance to exist.
            raise WeightingError(
                f"the outer class {o!r} has only {n_outer} respondent(s) among "
                f"{N_outer} units even with all levels of {inner!r} merged.",
                value=o,
                hint="use fewer class variables (e.g. drop "
                f"{outer[-1]!r}) or merge outer classes yourself."
                if outer
                else "too few respondents for any class adjustment; report unweighted results "
                "with bounds instead.",
            )
        for cell in cells:
            m = mo & np.isin(inner_vals, cell)
            lab_inner = "+".join(map(str, cell))
            out[m] = lab_inner if not outer else f"{o}{_SEP}{lab_inner}"
    return pd.Series(out, index=frame.index, name=CLASS_COLUMN, dtype="str")


def _respondent_table(frame, r, data, unit, frame_unit) -> pd.DataFrame:
    resp = frame.loc[r].copy()
    if data is None:
        return resp
    returned = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    missing = r & ~returned
    if missing.any():
        raise InputError(
            f"{int(missing.sum())} respondent(s) have no row in the data.",
            value=frame[frame_unit].to_numpy()[np.flatnonzero(missing)[0]],
            hint="check the responded indicator against the data.",
        )
    extra = [c for c in data.columns if c != unit]
    clash = [c for c in extra if c in resp.columns]
    # every respondent has a row: take them in frame order, keeping the data's dtypes
    add = data.set_index(unit).loc[frame[frame_unit].to_numpy()[r], extra]
    add.index = resp.index
    if clash:
        add = add.rename(columns={c: f"{c}_data" for c in clash})
    return pd.concat([resp, add], axis=1)


def _class_weights(labels: pd.Series, r: np.ndarray, min_respondents: int, what: str):
    N = labels.value_counts()
    n = labels[r].value_counts().reindex(N.index, fill_value=0)
    bad = n[(n == 0) | ((n < min_respondents) & (n < N))]
    if len(bad):
        lab = bad.index[0]
        listing = ", ".join(
            f"{k!r} ({int(n[k])} respondent(s) of {int(N[k])})" for k in bad.index[:8]
        )
        raise WeightingError(
            f"{len(bad)} {what} class(es) have fewer than {min_respondents} respondents: "
            f"{listing}{' ...' if len(bad) > 8 else ''}.",
            value=lab,
            hint="collapse sparse classes with a neighbouring class: pass collapse=True, "
            "build classes with toolkit.nonresponse.collapse_classes, or use fewer class "
            "variables (e.g. classes=['zone']).",
        )
    return N, n


def build_nonresponse_design(
    frame: pd.DataFrame,
    responded: Any,
    *,
    data: pd.DataFrame | None,
    classes: Any,
    method: str,
    covariates: Sequence[str] | None,
    n_classes: int,
    collapse: bool,
    min_respondents: int,
    unit: str,
    frame_unit: str,
    lonely_psu: str,
):
    from toolkit.survey import Design

    if method not in ("class", "propensity", "rake"):
        raise InputError(
            f"method must be 'class', 'propensity' or 'rake'; got {method!r}.", value=method
        )
    frame_units(frame, frame_unit)
    if responded is None:
        if data is None:
            raise InputError(
                "give responded=... or data=... (the returns) to know who responded.",
            )
        r = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    else:
        r = resolve_responded(frame, responded)
    if r.sum() == 0:
        raise WeightingError("no frame unit responded; there is nothing to weight.")
    for c in (CLASS_COLUMN, SIZE_COLUMN, WEIGHT_COLUMN, PROPENSITY_COLUMN):
        if c in frame.columns or (data is not None and c in data.columns):
            raise InputError(
                f"the column name {c!r} is reserved for the non-response adjustment.",
                column=c,
                hint="rename that column before calling nonresponse_design.",
            )
    resp = _respondent_table(frame, r, data, unit, frame_unit)

    if method == "rake":
        cols = as_list(classes)
        if isinstance(classes, pd.Series) or not cols:
            raise InputError(
                "raking needs class variables given as frame column names.",
                hint="e.g. classes=['zone', 'income_group', 'population_band'].",
            )
        _check_class_columns(frame, cols)
        margins = {}
        for c in cols:
            counts = frame[c].value_counts(sort=False)
            counts = counts[counts > 0]
            have = set(resp[c].tolist())
            empty = [lv for lv in counts.index if lv not in have]
            if empty:
                raise WeightingError(
                    f"the frame has {int(counts[empty[0]])} unit(s) with {c} = "
                    f"{empty[0]!r} but none of them responded, so that margin cannot be met.",
                    column=c,
                    value=empty[0],
                    hint="merge that level with a neighbouring one in the frame and the data, "
                    "or leave the variable out of the margins.",
                )
            margins[c] = {lv: float(k) for lv, k in counts.items()}
        # Start from weighting classes of the first variable (e.g. zone): stratified
        # with fpc N_h and weights N_h / n_h, then rake to every margin.
        first = frame[cols[0]].to_numpy(dtype=object)
        Nh = pd.Series(first).value_counts()
        nh = pd.Series(first[r]).value_counts().reindex(Nh.index, fill_value=0)
        lab_r = first[r]
        resp[CLASS_COLUMN] = pd.array([str(v) for v in lab_r], dtype="str")
        resp[SIZE_COLUMN] = Nh.reindex(lab_r).to_numpy(dtype=float)
        resp[WEIGHT_COLUMN] = (Nh / nh).reindex(lab_r).to_numpy(dtype=float)
        _class_weights(pd.Series(first.astype(str)), r, min_respondents, "first-margin")
        base = Design(
            resp, weights=WEIGHT_COLUMN, strata=CLASS_COLUMN, fpc=SIZE_COLUMN, lonely_psu=lonely_psu
        )
        return base.rake(margins)

    if method == "propensity":
        pcov = as_list(covariates) or ([] if isinstance(classes, pd.Series) else as_list(classes))
        if not pcov:
            raise InputError(
                "the propensity model needs covariates.",
                hint="pass covariates=['zone', 'income_group', ...].",
            )
        covs = prepare_covariates(frame, pcov)
        X, names = design_matrix(covs)
        _, p, _ = fit_propensity(X, r, names)
        q = pd.qcut(pd.Series(p, index=frame.index), n_classes, labels=False, duplicates="drop")
        labels = ("q" + (q.astype(int) + 1).astype(str)).rename(CLASS_COLUMN)
        if collapse:
            tmp = frame.assign(
                **{
                    CLASS_COLUMN: pd.Categorical(
                        labels,
                        categories=sorted(pd.unique(labels), key=lambda s: int(s[1:])),
                        ordered=True,
                    )
                }
            )
            labels = collapse_classes(tmp, r, [CLASS_COLUMN], min_respondents=min_respondents)
            min_respondents = min(min_respondents, 2)  # the target was met where it could be
        resp[PROPENSITY_COLUMN] = p[r]
        what = "propensity"
    else:
        if collapse:
            if isinstance(classes, pd.Series):
                raise InputError(
                    "collapse=True needs class variables given as column names.",
                    hint="collapse the label Series yourself or pass column names.",
                )
            labels = collapse_classes(frame, r, classes, min_respondents=min_respondents)
            min_respondents = min(min_respondents, 2)  # the target was met where it could be
        else:
            labels = class_labels(frame, classes)
        what = "weighting"
    N, n = _class_weights(labels, r, min_respondents, what)
    lab_r = labels[r].to_numpy()
    resp[CLASS_COLUMN] = pd.array(lab_r, dtype="str")
    resp[SIZE_COLUMN] = N.reindex(lab_r).to_numpy(dtype=float)
    resp[WEIGHT_COLUMN] = (N / n).reindex(lab_r).to_numpy(dtype=float)
    return Design(
        resp,
        weights=WEIGHT_COLUMN,
        strata=CLASS_COLUMN,
        fpc=SIZE_COLUMN,
        lonely_psu=lonely_psu,
    )
