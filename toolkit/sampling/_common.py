"""Shared helpers and the result class of :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.typing import NAType

from toolkit.errors import InputError
from toolkit.nonresponse._common import as_list

__all__: list[str] = []

#: Frame covariates balanced and reported on by default, in priority order (the cube
#: method's landing phase drops the last ones first).
DEFAULT_COVARIATES: tuple[str, ...] = (
    "income_group",
    "population_band",
    "migration_context",
    "subregion",
)

#: Sample selection methods of :func:`select_sample`.
METHODS: tuple[str, ...] = ("cube", "rejective", "srs")

ALLOCATIONS = ("proportional", "equal", "size")
PILOT = 4000  # SRS candidates used to set the default rejective tolerance
DEFAULT_ACCEPT = 0.10  # default rejective tolerance = this quantile of SRS max |SMD|


# --------------------------------------------------------------------------- helpers


def check_frame(frame: pd.DataFrame, columns: Iterable[str] = ()) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"the frame must be a pandas DataFrame, got {type(frame).__name__}.",
            hint="load it with toolkit.frame.load_frame().",
        )
    need = ["iso3", *columns]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(
            f"the frame has no column {missing[0]!r}.",
            column=missing[0],
            hint=f"the frame has columns {', '.join(map(str, frame.columns))}.",
        )
    codes = frame["iso3"]
    if codes.isna().any():
        raise InputError(
            "the frame has a Society without an ISO3 code.",
            column="iso3",
            hint="load the frame with toolkit.frame.load_frame(), which checks this.",
        )
    dup = codes[codes.duplicated()]
    if len(dup):
        raise InputError(
            "the frame lists a Society twice.",
            column="iso3",
            value=dup.iloc[0],
            hint="each Society must appear once in the frame.",
        )


def group_labels(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    """One string label per row for the groups defined by ``cols`` ("all" if none)."""
    if not cols:
        return pd.Series("all", index=df.index, dtype=object)
    for c in cols:
        if df[c].isna().any():
            bad = df.loc[df[c].isna(), "iso3"].iloc[0]
            raise InputError(
                f"stratum column {c!r} is missing for Society {bad}.",
                column=c,
                value=bad,
                hint="fill the value in the frame or stratify on another column.",
            )
    parts = [df[c].astype(str) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out.astype(object)


def group_order(df: pd.DataFrame, cols: list[str], labels: pd.Series) -> list[str]:
    """Stratum labels in a stable order (category order for categoricals, else sorted)."""
    if not cols:
        return ["all"]
    keys = df[cols].drop_duplicates()
    sort_cols: list[np.ndarray] = []
    for c in cols:
        s = keys[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            sort_cols.append(s.cat.codes.to_numpy())
        else:
            sort_cols.append(s.astype(str).to_numpy())
    order = np.lexsort(sort_cols[::-1])
    lab = group_labels(keys.iloc[order], cols)
    return list(dict.fromkeys(lab.tolist()))


def as_codes(values: Any, what: str) -> list[str]:
    if isinstance(values, SampleResult):
        return values.sample["iso3"].tolist()
    if isinstance(values, pd.DataFrame):
        if "iso3" not in values.columns:
            raise InputError(
                f"the {what} table has no 'iso3' column.",
                column="iso3",
                hint="pass a list of ISO3 codes or a table with an 'iso3' column.",
            )
        values = values["iso3"]
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").replace(" ", ",").split(",") if v]
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            raise InputError(
                f"the {what} contains a missing code.", hint="remove empty entries from the list."
            )
        out.append(str(v).strip().upper())
    return out


def check_codes(frame: pd.DataFrame, codes: list[str], what: str, zone: str | None) -> None:
    known = dict(
        zip(
            frame["iso3"].astype(str),
            frame["zone"].astype(str) if "zone" in frame.columns else [None] * len(frame),
            strict=True,
        )
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(
            f"{len(unknown)} code(s) in the {what} are not Societies of the frame: "
            f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}.",
            column="iso3",
            value=unknown[0],
            hint="use the ISO3 codes of the membership table (toolkit.frame.load_frame()).",
        )
    seen: set[str] = set()
    dups = [c for c in codes if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    if dups:
        raise InputError(
            f"the {what} lists Society {dups[0]} more than once.",
            column="iso3",
            value=dups[0],
            hint="list each Society once.",
        )
    if zone is not None:
        other = [c for c in codes if known[c] != zone]
        if other:
            raise InputError(
                f"{len(other)} Society(ies) in the {what} are not in zone {zone!r}: "
                + ", ".join(f"{c} ({known[c]})" for c in other[:10])
                + ".",
                column="iso3",
                value=other[0],
                hint=f"nominate Societies of zone {zone!r} only, or leave zone unset to "
                "report each Society against its own zone.",
            )


def check_zone(frame: pd.DataFrame, zone: str | Sequence[str] | None) -> list[str] | None:
    if zone is None:
        return None
    if "zone" not in frame.columns:
        raise InputError(
            "the frame has no 'zone' column.",
            column="zone",
            hint="load the frame with toolkit.frame.load_frame().",
        )
    zones = as_list(zone)
    present = set(frame["zone"].astype(str))
    bad = [z for z in zones if z not in present]
    if bad:
        raise InputError(
            f"zone {bad[0]!r} is not in the frame.",
            column="zone",
            value=bad[0],
            hint=f"use one of {', '.join(sorted(present))}.",
        )
    return zones


def default_covariates(frame: pd.DataFrame, covariates: Sequence[str] | None) -> list[str]:
    if covariates is None:
        return [c for c in DEFAULT_COVARIATES if c in frame.columns]
    return as_list(covariates)


def child_rng(seed: int, label: str, purpose: str) -> np.random.Generator:
    """Generator for one stratum and purpose; independent of the other strata."""
    key = (zlib.crc32(label.encode("utf-8")), zlib.crc32(purpose.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def cap_targets(target: np.ndarray, caps: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Cap real targets at the stratum sizes, re-allocating the excess by ``weights``."""
    t = target.astype(float).copy()
    fixed = np.zeros(t.size, dtype=bool)
    while True:
        over = (~fixed) & (t > caps + 1e-9)
        if not over.any():
            return t
        fixed |= over
        t[fixed] = caps[fixed]
        rest = n - t[fixed].sum()
        w = weights[~fixed]
        if w.sum() > 0:
            t[~fixed] = rest * w / w.sum()
        else:
            t[~fixed] = rest / max(1, int((~fixed).sum()))


def round_largest_remainder(
    t: np.ndarray, caps: np.ndarray, n: int, sizes: np.ndarray
) -> np.ndarray:
    """Integers summing to ``n``, each the floor or ceiling of ``t`` and at most ``caps``."""
    base = np.minimum(np.floor(t + 1e-9).astype(int), caps.astype(int))
    short = int(n - base.sum())
    if short > 0:
        frac = np.round(t - base, 9)
        # largest remainder first; ties: larger stratum first, then stratum order
        order = np.lexsort((np.arange(t.size), -sizes, -frac))
        below_cap = [i for i in order if base[i] < caps[i]]
        for i in below_cap[:short]:
            base[i] += 1
    return base


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SampleResult:
    """A drawn interview sample.

    Attributes
    ----------
    sample : DataFrame
        Selected Societies: ``iso3``, frame identification and stratum columns,
        ``stratum``, the balancing covariates, ``pi`` (inclusion probability),
        ``pi_mc_se`` (Monte Carlo SE of ``pi``; 0 when exact) and ``weight`` (``1/pi``).
    reserve : DataFrame
        Ordered reserve per stratum: ``iso3``, ``stratum``, ``reserve_rank`` (1 = first
        replacement), ``pi`` (probability of being on the main list) and
        ``pi_if_reached`` (probability of being contacted when replacements reach this
        rank: ``pi + (1 - pi) * rank / (N_h - n_h)``).
    population : DataFrame
        Every eligible Society with ``stratum``, ``N_h``, ``n_h``, ``pi``,
        ``pi_mc_se``, ``selected`` and ``reserve_rank``.
    allocation : DataFrame
        ``N``, ``n`` and ``reserve`` per stratum.
    balance : DataFrame
        The sample against its stratum population, unweighted (columns as in
        :func:`representativeness`, with ``stratum`` first).
    method, seed, strata, balance_on, tolerance, pi_exact, notes
        How the sample was drawn: ``seed`` reproduces it; ``tolerance`` maps stratum
        -> rejective tolerance used; ``notes`` lists anything the user should know
        (capped reserves, acceptance rates).
    """

    sample: pd.DataFrame
    reserve: pd.DataFrame
    population: pd.DataFrame
    allocation: pd.DataFrame
    balance: pd.DataFrame
    method: str
    seed: int
    strata: tuple[str, ...]
    balance_on: tuple[str, ...]
    tolerance: dict[str, float] = field(default_factory=dict)
    pi_exact: bool = True
    notes: tuple[str, ...] = ()

    @property
    def iso3(self) -> list[str]:
        """ISO3 codes of the selected Societies (stratum order, then code)."""
        return self.sample["iso3"].tolist()

    @property
    def max_abs_smd(self) -> pd.Series:
        """Largest absolute standardised difference of the sample per stratum."""
        if self.balance.empty:
            return pd.Series(dtype=float, name="max_abs_smd")
        return self.balance.groupby("stratum", sort=False)["abs_smd"].max().rename("max_abs_smd")

    def contact_list(self, refused: Iterable[str] = ()) -> pd.DataFrame:
        """The Societies to contact after refusals, with their probabilities.

        Each refusal (on the main list or among reserves already called) is replaced
        by the next reserve of the same stratum, in rank order.

        Parameters
        ----------
        refused : iterable of str
            ISO3 codes of Societies that declined.

        Returns
        -------
        DataFrame
            One row per contacted Society: ``iso3``, ``stratum``, ``source``
            (``"main"``/``"reserve"``), ``reserve_rank``, ``status``
            (``"accepted"``/``"refused"``), ``pi_contacted`` (probability of being in
            the contacted set, ``pi + (1 - pi) j_h / (N_h - n_h)`` with ``j_h``
            reserves called in the stratum), ``weight`` (``1 / pi_contacted``) and
            ``nr_weight`` (for accepted Societies: ``weight`` times contacted /
            accepted in the stratum, the within-stratum non-response adjustment; NA for
            refusals).  When a stratum runs out of reserves it simply has fewer accepted
            Societies; ``shortfall`` gives the number missing.

        Raises
        ------
        InputError
            If a refused code is neither on the main list nor in the reserve.
        """
        refused_set = set(as_codes(list(refused), "refusal list"))
        pool = set(self.sample["iso3"]) | set(self.reserve["iso3"])
        unknown = sorted(refused_set - pool)
        if unknown:
            raise InputError(
                f"refused Society(ies) {', '.join(unknown)} are neither on the main list "
                "nor in the reserve.",
                column="iso3",
                value=unknown[0],
                hint="list only Societies that were contacted from this sample.",
            )
        rows = []
        pop = self.population.set_index("iso3")
        for stratum, main in self.sample.groupby("stratum", sort=False):
            res = self.reserve[self.reserve["stratum"] == stratum].sort_values("reserve_rank")
            queue = list(res["iso3"])
            contacted: list[tuple[Any, str, int | NAType]] = [
                (c, "main", pd.NA) for c in main["iso3"]
            ]
            need = sum(c in refused_set for c, _, _ in contacted)
            used = 0
            while need > 0 and used < len(queue):
                c = queue[used]
                used += 1
                contacted.append((c, "reserve", used))
                need -= 1
                if c in refused_set:
                    need += 1
            N_h = int(pop.loc[main["iso3"].iloc[0], "N_h"])
            n_h = int(pop.loc[main["iso3"].iloc[0], "n_h"])
            rest = max(N_h - n_h, 1)
            accepted = sum(c not in refused_set for c, _, _ in contacted)
            for c, src, rank in contacted:
                pi = float(pop.loc[c, "pi"])
                pic = pi + (1 - pi) * used / rest
                ok = c not in refused_set
                rows.append(
                    {
                        "iso3": c,
                        "stratum": stratum,
                        "source": src,
                        "reserve_rank": rank,
                        "status": "accepted" if ok else "refused",
                        "pi_contacted": pic,
                        "weight": 1 / pic,
                        "nr_weight": (1 / pic) * len(contacted) / accepted
                        if ok and accepted
                        else np.nan,
                        "shortfall": max(0, n_h - accepted),
                    }
                )
        out = pd.DataFrame(
            rows,
            columns=[
                "iso3",
                "stratum",
                "source",
                "reserve_rank",
                "status",
                "pi_contacted",
                "weight",
                "nr_weight",
                "shortfall",
            ],
        )
        out["reserve_rank"] = out["reserve_rank"].astype("Int64")
        return out
