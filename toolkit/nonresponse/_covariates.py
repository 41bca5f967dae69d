"""Frame covariates coded for the non-response diagnostics and the propensity model.

Text, categorical and boolean columns are categorical (missing becomes its own level);
numeric columns must be complete and not constant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import check_columns, is_categorical, levels_of, to_float

__all__: list[str] = []


@dataclass(frozen=True)
class Covariate:
    """A frame covariate prepared for diagnostics."""

    name: str
    kind: str  # "categorical" | "numeric"
    levels: tuple[Any, ...] = ()
    values: np.ndarray = field(default_factory=lambda: np.empty(0))  # codes or floats


def prepare_covariates(frame: pd.DataFrame, covariates: Sequence[str]) -> list[Covariate]:
    """Code each of ``covariates`` (frame columns) as categorical or numeric.

    Raises
    ------
    InputError
        No covariates, a missing column, a single-level categorical covariate, or a
        numeric covariate that is not numeric, has missing values or is constant.
    """
    covs = list(covariates)
    if not covs:
        raise InputError("no covariates given.", hint="name at least one frame column.")
    check_columns(frame, covs, "frame")
    out = []
    for c in covs:
        s = frame[c]
        if is_categorical(s):
            if s.isna().any():
                # Missing is a level of its own: nothing is dropped.
                s = s.astype(object).where(s.notna(), "(missing)")
            lev = levels_of(s)
            if len(lev) < 2:
                raise InputError(
                    "the covariate has a single level in the frame, so it cannot "
                    "distinguish respondents from non-respondents.",
                    column=c,
                    value=lev[0] if lev else None,
                    hint="drop it from the covariates.",
                )
            codes = pd.Categorical(s, categories=lev).codes.astype(np.intp)
            out.append(Covariate(c, "categorical", tuple(lev), codes))
        else:
            try:
                x = to_float(s)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    "the covariate is neither categorical nor numeric.",
                    column=c,
                    hint="convert it to numbers or to text categories.",
                ) from exc
            if np.isnan(x).any():
                raise InputError(
                    f"the numeric covariate is missing for {int(np.isnan(x).sum())} frame unit(s).",
                    column=c,
                    hint="fill the frame value, or cut the covariate into categories "
                    "(missing then becomes its own category).",
                )
            if np.ptp(x) == 0:
                raise InputError(
                    "the numeric covariate is constant over the frame.",
                    column=c,
                    hint="drop it from the covariates.",
                )
            out.append(Covariate(c, "numeric", (), x))
    return out
