"""Interview samples of National Societies: allocation, balanced selection, reserves,
representativeness reports and swap suggestions for nominated lists.

The zone offices interview "a select group of representative National Societies".  This
module draws such a group per zone with *known* inclusion probabilities, so that the
interviews can be weighted (e.g. as the follow-up phase of a two-phase design for
non-respondents), and checks any list — drawn here or nominated by a zone office —
against its zone on the frame covariates.

Designs (``select_sample(method=...)``), all stratified (independently per stratum,
``strata="zone"`` by default) with equal probabilities ``n_h / N_h`` inside a stratum:

``"cube"``
    Balanced sampling by the cube method (Deville & Tillé 2004; fast flight phase of
    Chauvet & Tillé 2006), balancing on the indicator columns of the categorical
    covariates (one per level), numeric covariates as they are, and ``pi`` itself
    (fixed size).  Landing (``landing=``): ``"lp"`` (default) chooses among all samples
    of the last few undecided units by linear programming so as to minimise the
    largest standardised difference; ``"drop"`` drops balancing variables from the last
    one.  Inclusion probabilities are exactly ``n_h / N_h`` either way (flight and
    landing keep the expected inclusion indicators equal to ``pi``).
``"rejective"``
    Simple random samples are redrawn until the largest absolute standardised
    difference is at most ``tolerance``.  Rejection changes the inclusion
    probabilities, so ``pi`` is *estimated* by repeating the same accept/reject
    procedure ``pi_simulations`` times (Monte Carlo standard error in ``pi_mc_se``).
``"srs"``
    Stratified simple random sampling without replacement.

Reserve list (``reserve=k``): an ordered list of up to ``k`` further Societies per
stratum, drawn *from the Societies not selected*, by the same design for ``"cube"`` (a
balanced sample of size ``k`` from the rest, with equal probabilities ``k / (N_h -
n_h)``) and as the continuation of the same random order for ``"srs"`` and
``"rejective"``, then put in a uniformly random order.  Because the first ``j`` reserve
places hold a random subset of ``j`` of the non-selected Societies, the probability
that a Society is on the main list or among the first ``j`` reserves is known:
``pi_k + (1 - pi_k) * j / (N_h - n_h)`` — ``(n_h + j) / N_h`` for equal probabilities.
Refusals are replaced by the next reserve *of the same stratum*, in order (see
:meth:`SampleResult.contact_list`); the refusals themselves are unit non-response.

Standardised differences (``smd``) compare a sample mean (share of a level, or mean of
a numeric covariate) with the population value, divided by the population standard
deviation (``ddof=0``; ``sqrt(p(1-p))`` for a level share ``p``).  Rules of thumb: an
absolute difference below 0.1 is negligible, above 0.25 is large — with 5–10 Societies
per zone, differences of 0.2–0.4 are common even for well-balanced samples because a
share can only move in steps of ``1/n``.

Working lists: :func:`contact_sheet` (main list and ordered reserves with ``pi`` and
weights, no personal data), :func:`compare_balance` and :func:`balance_summary` (several
lists side by side, per covariate), :func:`swaps_by_zone` / :func:`apply_swaps` (swap
suggestions for a list spanning zones) and :func:`follow_up_population` (the
non-respondents, for the follow-up subsample).
"""

from __future__ import annotations

from toolkit.sampling._allocate import allocate
from toolkit.sampling._common import DEFAULT_COVARIATES, METHODS, SampleResult
from toolkit.sampling._lists import (
    apply_swaps,
    balance_summary,
    compare_balance,
    contact_sheet,
    follow_up_population,
    swaps_by_zone,
)
from toolkit.sampling._report import representativeness, suggest_swaps
from toolkit.sampling._select import select_sample

__all__ = [
    "DEFAULT_COVARIATES",
    "METHODS",
    "SampleResult",
    "allocate",
    "apply_swaps",
    "balance_summary",
    "compare_balance",
    "contact_sheet",
    "follow_up_population",
    "representativeness",
    "select_sample",
    "suggest_swaps",
    "swaps_by_zone",
]
