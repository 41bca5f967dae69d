"""The low return rate as a statistical problem.

Dispositions and AAPOR rates (:func:`dispositions`, :func:`response_rates`), non-response
bias diagnostics (:func:`nonresponse_bias`, :func:`standardised_differences`,
:func:`weighting_balance`), non-response weighting designs (:func:`nonresponse_design`,
:func:`collapse_classes`), multiple imputation with Rubin pooling (:func:`mice`,
:func:`rubin`, :func:`analyse`), Manski bounds and tipping points (:func:`bounds`,
:func:`tipping_point`) and the two-phase follow-up estimator (:func:`two_phase`).
Weighted designs are :class:`toolkit.survey.Design` objects.
The carry-forward sensitivity analysis (:func:`carry_forward`, :func:`carry_forward_shares`)
uses non-respondents' answers to an earlier round, always labelled and beside the
weighted estimate.
"""

from __future__ import annotations

from toolkit.nonresponse._balance import standardised_differences, weighting_balance
from toolkit.nonresponse._bias import NonresponseBias, nonresponse_bias
from toolkit.nonresponse._carry_forward import (
    CARRY_FORWARD_METHOD,
    WEIGHTED_METHOD,
    carry_forward,
    carry_forward_shares,
)
from toolkit.nonresponse._classes import collapse_classes
from toolkit.nonresponse._design import nonresponse_design
from toolkit.nonresponse._dispositions import (
    DISPOSITION_CODES,
    DISPOSITION_LABELS,
    dispositions,
)
from toolkit.nonresponse._impute import (
    analyse,
    mice,
    rubin,
)
from toolkit.nonresponse._rates import RATE_COLUMNS, response_rates
from toolkit.nonresponse._sensitivity import (
    TippingPoint,
    bounds,
    tipping_point,
    two_phase,
)

__all__ = [
    "CARRY_FORWARD_METHOD",
    "DISPOSITION_CODES",
    "DISPOSITION_LABELS",
    "RATE_COLUMNS",
    "WEIGHTED_METHOD",
    "NonresponseBias",
    "TippingPoint",
    "analyse",
    "bounds",
    "carry_forward",
    "carry_forward_shares",
    "collapse_classes",
    "dispositions",
    "mice",
    "nonresponse_bias",
    "nonresponse_design",
    "response_rates",
    "rubin",
    "standardised_differences",
    "tipping_point",
    "two_phase",
    "weighting_balance",
]
