"""Design-based estimation for mapping studies: weights, estimates and honest uncertainty.

:class:`Design` is a single-stage survey design (strata, clusters, finite population
correction) estimated by Taylor linearisation, with the semantics of R's ``survey``
package (``svydesign``, ``svymean``, ``svytotal``, ``svyratio``, ``svyciprop``,
``svyby``); its weighting methods (:meth:`~Design.poststratify`, :meth:`~Design.rake`,
:meth:`~Design.calibrate`, :meth:`~Design.trim`) return new designs that keep what the
variance needs, so standard errors stay calibration-aware.  :meth:`Design.jackknife` and
:meth:`Design.bootstrap` give :class:`ReplicateDesign` objects with the same methods.

Estimates and standard errors agree with R ``survey`` 4.1.1 (see ``tests/test_survey*.py``
for the pinned reference values and the R code behind them).
"""

from __future__ import annotations

from ._design import Design
from ._rake import suggest_collapse
from ._replicate import ReplicateDesign
from ._weighting import effective_sample_size, kish_deff

__all__ = [
    "Design",
    "ReplicateDesign",
    "effective_sample_size",
    "kish_deff",
    "suggest_collapse",
]
