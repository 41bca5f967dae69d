"""Two rounds of a mapping study with known truth: the demo round and the one before it.

:func:`simulate_rounds` takes the demo's truth (:func:`toolkit.synth.simulate_truth`) as
the current round and draws an earlier round ``years_between`` years before it: every
Society's activities then (with a known transition per activity: new, continued, ended,
not run) and whether it answered each round.  Response in the earlier round depends on
the frame covariates as in the current generator, on the activities run then, and on
whether the Society answered the current round (a Society that answers one round is
more likely to answer the other), so some Societies answer both rounds, some only one.
:func:`redraw_response` draws the response of both rounds again over the same truth,
for simulations where only response is random.

Everything here is SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.frame import load_frame
from toolkit.instrument import Instrument, load_instrument
from toolkit.synth._truth import _INCOME, _sigmoid, simulate_truth

__all__ = [
    "ROUND_RESPONSE_MODELS",
    "ROUND_SCENARIOS",
    "TRUE_TRANSITIONS",
    "SyntheticRounds",
    "redraw_response",
    "simulate_rounds",
]

#: Transition scenarios: ``started`` is the share of the current round's programmes
#: that did not run in the earlier round (new since then); ``ended`` is the share of the
#: (Society, activity) pairs without a programme now that had one then (ended since).
ROUND_SCENARIOS: dict[str, dict[str, float]] = {
    "stable": {"started": 0.08, "ended": 0.05},
    "many_ending": {"started": 0.08, "ended": 0.45},
}

#: Response models: ``"generator"`` keeps the demo's current-round response (it depends
#: on zone, income group, a latent capacity and the activities run: not missing at
#: random given the frame) and draws the earlier round alike; ``"classes"`` draws both
#: rounds from zone and income group only (missing at random within weighting classes).
ROUND_RESPONSE_MODELS = ("generator", "classes")

#: True transition of an activity between the two rounds.
TRUE_TRANSITIONS = ("new", "continued", "ended", "not run")

# Response log-odds of the "classes" model (zone x income group only).
_MAR_ZONE = {"africa": -0.4, "americas": 0.0, "asia_pacific": -0.2, "europe": 0.6, "mena": -0.6}


@dataclass(frozen=True)
class SyntheticRounds:
    """Two synthetic rounds of a mapping study and their truth.

    Attributes
    ----------
    frame : pandas.DataFrame
        The membership frame (``iso3``, ``zone``, ``income_group``, ...).
    truth : pandas.DataFrame
        One row per Society: the frame columns; ``activities__<a>`` (0/1, the current
        round, as :func:`~toolkit.synth.simulate_truth`); ``previous__<a>`` (0/1, the
        earlier round); ``transition__<a>`` (one of :data:`TRUE_TRANSITIONS`);
        ``p_respond`` and ``responded`` (current round); ``p_previous_if_current`` and
        ``p_previous_if_not_current`` (probability of answering the earlier round
        given whether the Society answered the current one); ``responded_previous``.
    previous, current : pandas.DataFrame
        The responses table of each round, as ingestion gives it: ``ns_iso3``,
        ``report_date``, ``has_migration_programme``, ``activities`` (space-separated
        codes) and ``activities__<code>`` (``Int8``; missing where the Society has no
        programme for migrants and the question was not asked), one row per Society
        that answered.
    years : tuple of int
        ``(earlier, current)`` years of the rounds.
    scenario : str
        Key of :data:`ROUND_SCENARIOS`.
    response : str
        One of :data:`ROUND_RESPONSE_MODELS`.
    codes : tuple of str
        The activity codes.
    """

    frame: pd.DataFrame
    truth: pd.DataFrame
    previous: pd.DataFrame
    current: pd.DataFrame
    years: tuple[int, int]
    scenario: str
    response: str
    codes: tuple[str, ...]

    def true_shares(self, by: str = "zone") -> pd.DataFrame:
        """True share of Societies running each activity in each round, and the change.

        Parameters
        ----------
        by : str, default "zone"
            Frame column of the domains; an ``"all"`` domain is added.

        Returns
        -------
        pandas.DataFrame
            Index (``by``, ``code``); columns ``previous``, ``current`` and ``change``
            (current minus previous).
        """
        cur = self.truth[[f"activities__{a}" for a in self.codes]].to_numpy(float)
        prev = self.truth[[f"previous__{a}" for a in self.codes]].to_numpy(float)
        dom = self.truth[by].astype(str).to_numpy()
        levels = [*sorted(pd.unique(dom)), "all"]
        parts = []
        for d in levels:
            m = np.ones(len(dom), bool) if d == "all" else dom == d
            parts.append(
                pd.DataFrame(
                    {
                        by: d,
                        "code": list(self.codes),
                        "previous": prev[m].mean(axis=0),
                        "current": cur[m].mean(axis=0),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        out["change"] = out["current"] - out["previous"]
        return out.set_index([by, "code"])


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def _responses(
    flags: np.ndarray, iso3: np.ndarray, answered: np.ndarray, codes: tuple[str, ...], year: int
) -> pd.DataFrame:
    """The responses table of one round: a row per answering Society."""
    f = flags[answered]
    any_act = f.sum(axis=1) > 0
    table: dict[str, object] = {
        "ns_iso3": iso3[answered],
        "report_date": f"{year}-04-15",
        "has_migration_programme": np.where(any_act, "yes", "no"),
        "activities": [" ".join(c for c, x in zip(codes, row) if x) for row in f],
    }
    for j, a in enumerate(codes):
        col = pd.array(f[:, j], dtype="Int8")
        col[~any_act] = pd.NA  # not asked: no programme for migrants
        table[f"activities__{a}"] = col
    out = pd.DataFrame(table)
    other = pd.array(np.zeros(len(f), dtype=int), dtype="Int8")
    other[~any_act] = pd.NA
    out["activities__other"] = other
    return out.reset_index(drop=True)


def _draw_response(
    truth: pd.DataFrame, rng: np.random.Generator, *, redraw_current: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Response in the current and the earlier round."""
    n = len(truth)
    if redraw_current:
        cur = rng.random(n) < truth["p_respond"].to_numpy()
    else:
        cur = truth["responded"].to_numpy(bool)
    p_prev = np.where(
        cur, truth["p_previous_if_current"].to_numpy(), truth["p_previous_if_not_current"]
    )
    return cur, rng.random(n) < p_prev


def _assemble(
    truth: pd.DataFrame,
    frame: pd.DataFrame,
    codes: tuple[str, ...],
    years: tuple[int, int],
    scenario: str,
    response: str,
) -> SyntheticRounds:
    iso3 = truth["iso3"].astype(str).to_numpy()
    cur = truth[[f"activities__{a}" for a in codes]].to_numpy(int)
    prev = truth[[f"previous__{a}" for a in codes]].to_numpy(int)
    return SyntheticRounds(
        frame=frame,
        truth=truth,
        previous=_responses(
            prev, iso3, truth["responded_previous"].to_numpy(bool), codes, years[0]
        ),
        current=_responses(cur, iso3, truth["responded"].to_numpy(bool), codes, years[1]),
        years=years,
        scenario=scenario,
        response=response,
        codes=codes,
    )


def simulate_rounds(
    frame: pd.DataFrame | None = None,
    *,
    seed: int = 2026,
    scenario: str = "stable",
    response: str = "generator",
    year: int = 2026,
    years_between: int = 2,
    started: float | None = None,
    ended: float | None = None,
    persistence: float = 1.2,
    previous_shift: float = 0.0,
    instrument: Instrument | None = None,
) -> SyntheticRounds:
    """Draw the demo round and an earlier round with known transitions and response.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        Membership frame (the bundled one by default).
    seed : int, default 2026
        Seed of the current round (passed to :func:`~toolkit.synth.simulate_truth`,
        so the current round is the demo's truth) and, through a derived stream, of
        the earlier round.
    scenario : {"stable", "many_ending"}, default "stable"
        Preset transition rates (:data:`ROUND_SCENARIOS`).
    response : {"generator", "classes"}, default "generator"
        Response model (:data:`ROUND_RESPONSE_MODELS`).
    year : int, default 2026
        Year of the current round.
    years_between : int, default 2
        Years between the rounds.
    started, ended : float, optional
        Override the scenario's rates: ``started`` = P(not run then | runs now),
        ``ended`` = P(ran then | does not run now).
    persistence : float, default 1.2
        Log-odds added to (subtracted from) the earlier round's response for
        Societies that answered (did not answer) the current round.
    previous_shift : float, default 0.0
        Added to every Society's response log-odds in the earlier round.
    instrument : Instrument, optional
        Supplies the activity codes (the bundled instrument by default).

    Returns
    -------
    SyntheticRounds
        The truth of both rounds and the responses table of each round.
    """
    if scenario not in ROUND_SCENARIOS:
        raise ValueError(f"scenario must be one of {sorted(ROUND_SCENARIOS)}; got {scenario!r}")
    if response not in ROUND_RESPONSE_MODELS:
        raise ValueError(f"response must be one of {ROUND_RESPONSE_MODELS}; got {response!r}")
    rates = dict(ROUND_SCENARIOS[scenario])
    rates.update({k: v for k, v in (("started", started), ("ended", ended)) if v is not None})
    if not all(0.0 <= v <= 1.0 for v in rates.values()):
        raise ValueError(f"transition rates must lie in [0, 1]; got {rates}")
    inst = instrument or load_instrument()
    fr = (load_frame() if frame is None else frame).reset_index(drop=True)
    truth = simulate_truth(fr, seed=seed, instrument=inst)
    frame_cols = list(fr.columns)
    codes = tuple(
        str(c).removeprefix("activities__") for c in truth if str(c).startswith("activities__")
    )
    rng = np.random.default_rng([seed, 20240])  # a stream of its own, beside the demo's
    cur = truth[[f"activities__{a}" for a in codes]].to_numpy(int)
    u = rng.random(cur.shape)
    prev = np.where(cur == 1, u >= rates["started"], u < rates["ended"]).astype(int)
    kind = np.select(
        [(prev == 0) & (cur == 1), (prev == 1) & (cur == 1), (prev == 1) & (cur == 0)],
        list(TRUE_TRANSITIONS[:3]),
        TRUE_TRANSITIONS[3],
    )
    extra: dict[str, object] = {}
    for j, a in enumerate(codes):
        extra[f"previous__{a}"] = prev[:, j]
    for j, a in enumerate(codes):
        extra[f"transition__{a}"] = pd.Categorical(kind[:, j], categories=list(TRUE_TRANSITIONS))
    if response == "generator":
        # the generator's log-odds, with the earlier round's activities in place of the
        # current ones (its latent capacity is kept: it is part of logit(p_respond))
        base = (
            _logit(truth["p_respond"].to_numpy())
            + 0.04 * (prev.sum(axis=1) - cur.sum(axis=1))
            + previous_shift
        )
    else:
        lin = truth["zone"].astype(str).map(_MAR_ZONE).to_numpy(float) + truth[
            "income_group"
        ].astype(str).map(_INCOME).to_numpy(float)
        truth["p_respond"] = _sigmoid(lin)
        base = lin + previous_shift
    extra["p_previous_if_current"] = _sigmoid(base + persistence)
    extra["p_previous_if_not_current"] = _sigmoid(base - persistence)
    truth = pd.concat([truth, pd.DataFrame(extra, index=truth.index)], axis=1)
    cur_r, prev_r = _draw_response(truth, rng, redraw_current=response == "classes")
    truth["responded"] = cur_r
    truth["responded_previous"] = prev_r
    keep = frame_cols + [
        c
        for c in truth.columns
        if c.startswith(("activities__", "previous__", "transition__"))
        or c in ("p_respond", "responded", "p_previous_if_current", "p_previous_if_not_current")
    ]
    keep.append("responded_previous")
    return _assemble(truth[keep], fr, codes, (year - years_between, year), scenario, response)


def redraw_response(rounds: SyntheticRounds, *, seed: int) -> SyntheticRounds:
    """Draw again who answers each round, over the same truth.

    Parameters
    ----------
    rounds : SyntheticRounds
        From :func:`simulate_rounds`.
    seed : int
        Seed of the response draws.

    Returns
    -------
    SyntheticRounds
        The same truth (activities and propensities) with new ``responded`` and
        ``responded_previous`` and the responses tables that follow from them.
    """
    rng = np.random.default_rng(seed)
    truth = rounds.truth.copy()
    cur, prev = _draw_response(truth, rng, redraw_current=True)
    truth["responded"] = cur
    truth["responded_previous"] = prev
    return _assemble(
        truth, rounds.frame, rounds.codes, rounds.years, rounds.scenario, rounds.response
    )
