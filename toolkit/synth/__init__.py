"""Seeded synthetic mapping studies with known ground truth.

Everything here is SYNTHETIC: no row describes a real National Society's programmes.
The generator works over the real membership frame so that zones, covariates and
routes are realistic, then draws

* each Society's true activity profile (activity types, migratory stages, target
  groups, service types, reach, scale and cooperation), depending on its migration
  context, income group, population and zone;
* whether it returns the questionnaire, with a probability depending on zone and
  covariates (about 50% overall, lower in some zones, higher for larger and richer
  Societies, which also run more activities: naive estimates are biased upwards);
* a KoboToolbox-style export of the returned questionnaires with the usual defects
  (a few duplicate submissions, unknown or missing Society codes, an out-of-range
  number, an invalid choice, an unparseable date) and fake personal fields;
* coded interview segments, partly double-coded, for a subset of Societies;
* the ground truth, written beside the export so tests can measure bias.

:func:`simulate_rounds` adds an earlier round to the demo's truth (activities with known
transitions, response in each round) for studies of change between rounds;
:func:`redraw_response` draws the response of both rounds again.
:func:`simulate_programmes` turns both rounds' activities into programmes (continued,
new, ended, planned; some renamed; partner Societies along migratory routes), whose
union per Society and round is that round's activities; :func:`previous_round_truth`
gives the earlier round's full answers.  :func:`make_study` writes both rounds: the
current round's exports carry the programme repeat, and ``rounds/<year>/`` holds the
earlier round's export and truth.

:func:`make_branch_export` makes branch-level surveys (165,000 local branches, each
belonging to a Society) for benchmarks and for studies whose unit is the branch.
"""

from toolkit.synth._branches import make_branch_export, make_branch_study, write_branch_instrument
from toolkit.synth._previous import previous_round_truth
from toolkit.synth._programmes import (
    PROGRAMME_TRUTH_COLUMNS,
    SyntheticProgrammes,
    simulate_programmes,
)
from toolkit.synth._rounds import (
    ROUND_RESPONSE_MODELS,
    ROUND_SCENARIOS,
    TRUE_TRANSITIONS,
    SyntheticRounds,
    redraw_response,
    simulate_rounds,
)
from toolkit.synth._study import SYNTHETIC_LABEL, SyntheticStudy, make_study
from toolkit.synth._truth import simulate_truth

__all__ = [
    "PROGRAMME_TRUTH_COLUMNS",
    "ROUND_RESPONSE_MODELS",
    "ROUND_SCENARIOS",
    "SYNTHETIC_LABEL",
    "TRUE_TRANSITIONS",
    "SyntheticProgrammes",
    "SyntheticRounds",
    "SyntheticStudy",
    "make_branch_export",
    "make_branch_study",
    "make_study",
    "previous_round_truth",
    "redraw_response",
    "simulate_programmes",
    "simulate_rounds",
    "simulate_truth",
    "write_branch_instrument",
]
