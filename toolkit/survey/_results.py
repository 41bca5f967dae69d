"""Result containers and the result table shared by every estimator."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError
from ._columns import Domains

__all__ = ["CI_KINDS", "PROPORTION_METHODS", "Stats", "check_choice", "check_level", "result_frame"]

CI_KINDS = ("normal", "t")
PROPORTION_METHODS = ("logit", "beta", "wald")


@dataclass(frozen=True)
class Stats:
    """What a variance backend returns, arrays shaped ``(D, k)``.

    Attributes
    ----------
    est, var, n : ndarray
        Estimates, variances and numbers of observed rows.
    deff : ndarray or None
        Design effects when asked for.
    logit_var : ndarray or None
        Variance of ``logit(p)`` when the backend estimates it directly (replicates);
        None means use the delta method ``var / (p (1 - p))^2``.
    """

    est: np.ndarray
    var: np.ndarray
    n: np.ndarray
    deff: np.ndarray | None = None
    logit_var: np.ndarray | None = None


def check_level(level: float) -> None:
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise DesignError(
            f"the confidence level must be a number between 0 and 1, not {level!r}.",
            value=level,
            hint="Use e.g. level=0.95 for 95% intervals.",
        )


def check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise DesignError(
            f"{name}={value!r} is not one of {', '.join(repr(c) for c in choices)}.",
            value=value,
            hint=f"Choose {name} among {', '.join(repr(c) for c in choices)}.",
        )


def result_frame(
    doms: Domains,
    labels: list[Hashable],
    label_names: list[str],
    columns: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Assemble the result table: one row per (domain, label), domain-major.

    Parameters
    ----------
    doms : Domains
    labels : list
        Row labels within a domain (tuples when ``label_names`` has several names).
    label_names : list of str
        Index level names of the labels ("variable", or "variable", "category").
    columns : dict of str to ndarray of shape (D, k)

    Returns
    -------
    DataFrame
    """
    n_dom, k = doms.count, len(labels)
    if doms.index is None and len(label_names) == 1:
        index: pd.Index = pd.Index(labels, dtype=object, name=label_names[0])
    else:
        if len(label_names) == 1:
            label_arrays = [list(labels)]
        else:
            tuples = [lab for lab in labels if isinstance(lab, tuple)]
            if len(tuples) != len(labels):
                raise TypeError("labels must be tuples when there are several label names")
            label_arrays = [[lab[i] for lab in tuples] for i in range(len(label_names))]
        level_values: list[Any] = []
        names: list[str] = []
        if doms.index is not None:
            idx = doms.index
            if isinstance(idx, pd.MultiIndex):
                for i, name in enumerate(idx.names):
                    level_values.append(
                        np.repeat(idx.get_level_values(i).to_numpy(dtype=object), k)
                    )
                    names.append(str(name))
            else:
                level_values.append(np.repeat(idx.to_numpy(dtype=object), k))
                names.append(str(idx.name))
        for arr, name in zip(label_arrays, label_names, strict=True):
            tiled = np.empty(len(arr), dtype=object)
            tiled[:] = arr
            level_values.append(np.tile(tiled, n_dom))
            names.append(name)
        index = pd.MultiIndex.from_arrays(level_values, names=names)
    data = {key: np.asarray(val).reshape(-1) for key, val in columns.items()}
    if "n" in data:
        data["n"] = data["n"].round().astype(np.int64)
    return pd.DataFrame(data, index=index)
