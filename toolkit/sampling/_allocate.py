"""Allocation of a sample size across strata for :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.sampling._common import (
    ALLOCATIONS,
    as_list,
    cap_targets,
    check_frame,
    group_labels,
    group_order,
    round_largest_remainder,
)

__all__: list[str] = []


def allocate(
    frame: pd.DataFrame,
    n: int,
    by: str | Sequence[str] = "zone",
    method: str = "proportional",
    size: str | pd.Series | None = None,
) -> pd.DataFrame:
    """Allocate a total of ``n`` interviews across strata.

    Parameters
    ----------
    frame : DataFrame
        The population (membership table or a subset of it, e.g. non-respondents).
    n : int
        Total sample size.
    by : str or list of str, default "zone"
        Stratum column(s).
    method : {"proportional", "equal", "size"}
        ``"proportional"`` to the number of Societies ``N_h``; ``"equal"`` per stratum;
        ``"size"`` proportional to the stratum total of a size measure.
    size : str or Series, optional
        Size measure (a frame column name or a Series aligned with ``frame``), required
        for ``method="size"``; non-negative, no missing values.

    Returns
    -------
    DataFrame
        Indexed by stratum, columns ``N`` (Societies), ``target`` (exact share of ``n``
        after capping) and ``n`` (integers summing to ``n``).  Rounding is by largest
        remainder (ties: larger stratum first, then stratum order); a target above
        ``N_h`` is capped at ``N_h`` and the excess re-allocated to the other strata in
        proportion to their measure.

    Raises
    ------
    InputError
        If ``n`` is not an integer between 0 and the number of Societies, the method is
        unknown, or the size measure is missing or negative.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"iso3": list("ABCDEFGHIJ"), "zone": ["x"] * 7 + ["y"] * 3})
    >>> allocate(f, 5)["n"].tolist()
    [3, 2]
    """
    cols = as_list(by)
    check_frame(frame, cols)
    if method not in ALLOCATIONS:
        raise InputError(
            f"unknown allocation method {method!r}.",
            value=method,
            hint=f"use one of {', '.join(ALLOCATIONS)}.",
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(
            f"the sample size must be a non-negative integer, got {n!r}.",
            value=n,
            hint="give the total number of interviews, e.g. n=40.",
        )
    labels = group_labels(frame, cols)
    order = group_order(frame, cols, labels)
    N_h = labels.value_counts().reindex(order).to_numpy(dtype=float)
    if n > N_h.sum():
        raise InputError(
            f"cannot select {n} Societies from {int(N_h.sum())}.",
            value=n,
            hint="lower n or widen the population.",
        )
    if method == "proportional":
        w = N_h.copy()
    elif method == "equal":
        w = np.ones_like(N_h)
    else:
        if size is None:
            raise InputError(
                "allocation method 'size' needs a size measure.",
                hint="pass size='<frame column>' or a Series aligned with the frame.",
            )
        s = frame[size] if isinstance(size, str) else pd.Series(size)
        if isinstance(size, str) and size not in frame.columns:
            raise InputError(
                f"the frame has no size column {size!r}.",
                column=size,
                hint="name a numeric frame column.",
            )
        s = pd.to_numeric(
            s.reindex(frame.index) if not isinstance(size, str) else s, errors="coerce"
        )
        if s.isna().any() or (s < 0).any():
            bad = frame.loc[s.isna() | (s < 0), "iso3"].iloc[0]
            raise InputError(
                "the size measure is missing, non-numeric or negative.",
                column=size if isinstance(size, str) else None,
                value=bad,
                hint="give every Society a non-negative size.",
            )
        w = s.groupby(labels).sum().reindex(order).to_numpy(dtype=float)
        if w.sum() <= 0:
            raise InputError(
                "the size measure is zero in every stratum.",
                hint="use a positive size measure or another method.",
            )
    target = n * w / w.sum()
    t = cap_targets(target, N_h, w, int(n))
    alloc = round_largest_remainder(t, N_h, int(n), N_h)
    if len(cols) <= 1:
        index = pd.Index(order, name=cols[0] if cols else "stratum")
    else:
        index = pd.MultiIndex.from_tuples([tuple(lab.split("|")) for lab in order], names=cols)
    return pd.DataFrame({"N": N_h.astype(int), "target": t, "n": alloc}, index=index)
