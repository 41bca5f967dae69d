"""The suppression pattern of a run: which canonical cells are withheld, and why.

A *canonical cell* is one value of aggregate content for one group: an aggregate item
(or an interview code, theme, pair of codes ...) in one zone, or in all zones
together (the *margin*).  Its *base* is the number of Societies behind it
(responding Societies for questionnaire shares, interviewed Societies for interview
codes).  Cells of one item across the zones and the margin form a *line*: the
zones add up to the margin.

The pattern is decided once over every canonical cell of the study, whatever zone a
report shows, and every published table of aggregate content applies the same
pattern, so that no table can give back what another withholds.

Primary suppression
    Every cell whose base is below ``min_cell``.
Weighted shares (strategy ``"margin"``)
    When a zone's cell of a line is withheld, the margin (all zones) is withheld too.
    A weighted all-zones share is a combination of the zones' shares with known
    weights, and published with the unweighted count it gives two equations, so a
    second withheld zone would not protect the first (the weights tell the two
    apart).  Without the margin nothing adds up to a published total.
Counts (strategy ``"zones"``, interviews)
    The zones whose base is small are withheld on every line, with one more zone
    (the smallest other one) when only one is small, so that the margin minus the
    published zones gives only the sum of at least two withheld cells.  Where that
    sum would still pin every withheld cell (it is 0, or equals their base: then each
    is 0, or each is full), the margin of that line is withheld too.

Limits: the pattern protects exact values against subtraction along zone lines and
against the same cell published elsewhere.  It does not enforce protection intervals
(two withheld cells reveal their sum), and non-linear relations (a theme raised when
any of its codes is; a zone's standard error inside the all-zones one) are handled
by withholding, not audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__ = [
    "MARGIN",
    "PATTERN_COLUMNS",
    "REASONS",
    "decide_lines",
    "hidden_zones",
]

#: Zone label of the all-zones cell of a line.
MARGIN = "all"
#: Columns of a pattern table.
PATTERN_COLUMNS = ("family", "line", "zone", "base", "status", "reason")
#: Why a cell is withheld (``reason`` of a pattern; ``{min_cell}`` is filled in).
REASONS: dict[str, str] = {
    "small": "based on fewer than {min_cell} Societies",
    "complement": "withheld so that the all-zones total cannot reveal a small cell",
    "margin": "all-zones value withheld because a zone's value is withheld",
    "pinned": "all-zones value withheld: the withheld zones would all be 0 or all be full",
}


def hidden_zones(bases: Mapping[str, int], min_cell: int) -> list[str]:
    """Zones withheld on every line of a count table (strategy ``"zones"``).

    Parameters
    ----------
    bases : mapping of zone -> base
        The base of each zone (e.g. interviewed Societies), in zone order.
    min_cell : int

    Returns
    -------
    list of str
        The zones with ``0 < base < min_cell``, plus, when that is a single zone, the
        other zone with the smallest positive base (first in zone order on ties).
    """
    small = [z for z, b in bases.items() if 0 < int(b) < min_cell]
    if len(small) == 1:
        others = [(int(b), i, z) for i, (z, b) in enumerate(bases.items()) if int(b) >= min_cell]
        if others:
            small.append(min(others)[2])
    return small


def _check(cells: pd.DataFrame, values: Sequence[str]) -> None:
    need = ["line", "zone", "base", *values]
    missing = [c for c in need if c not in cells.columns]
    if missing:
        raise InputError(
            f"the canonical cells have no column '{missing[0]}'.",
            column=missing[0],
            hint="pass one row per line x zone with line, zone and base.",
        )
    if cells.duplicated(["line", "zone"]).any():
        row = cells[cells.duplicated(["line", "zone"])].iloc[0]
        raise InputError(
            "two canonical cells have the same line and zone.",
            value=f"{row['line']} / {row['zone']}",
            hint="aggregate the table first: one value per line and zone.",
        )


def decide_lines(
    cells: pd.DataFrame,
    *,
    min_cell: int,
    strategy: str,
    values: Sequence[str] = (),
    hide: Sequence[str] = (),
    hide_margins: Sequence[str] = (),
) -> pd.DataFrame:
    """Decide which cells of each line are withheld.

    Parameters
    ----------
    cells : DataFrame
        One row per cell: ``line`` (the item), ``zone`` (:data:`MARGIN` for the
        all-zones cell), ``base`` and the ``values`` columns (counts, for the pinning
        check of strategy ``"zones"``).
    min_cell : int
    strategy : {"margin", "zones"}
        See the module notes.
    values : sequence of str
        Count columns whose withheld sum must not pin the withheld cells.
    hide : sequence of str
        Zones withheld on every line (strategy ``"zones"``; see :func:`hidden_zones`).
    hide_margins : sequence of str
        Lines whose margin is withheld whatever this table says (it is withheld in
        another table holding the same values).

    Returns
    -------
    DataFrame
        ``cells`` with ``status`` (``""``, ``"primary"``, ``"secondary"``) and
        ``reason`` (a key of :data:`REASONS`, or ``""``).
    """
    if strategy not in ("margin", "zones"):
        raise InputError(f"unknown strategy {strategy!r}.", hint="use 'margin' or 'zones'.")
    _check(cells, values)
    out = cells.reset_index(drop=True).copy()
    base = pd.to_numeric(out["base"], errors="coerce").fillna(0).to_numpy(float)
    zone = out["zone"].astype(str).to_numpy()
    status = np.where(base < min_cell, "primary", "").astype(object)
    reason = np.where(base < min_cell, "small", "").astype(object)
    margins_hidden = set(hide_margins)
    for line, idx in out.groupby("line", sort=False).indices.items():
        idx = np.asarray(idx)
        is_margin = zone[idx] == MARGIN
        members, margin = idx[~is_margin], idx[is_margin]
        if strategy == "zones":
            for i in members:
                if zone[i] in hide and base[i] > 0 and status[i] == "":
                    status[i], reason[i] = "secondary", "complement"
        hidden = [i for i in members if status[i] and base[i] > 0]
        if not hidden or margin.size == 0:
            continue
        m = int(margin[0])
        if strategy == "margin" or line in margins_hidden:
            if not status[m]:
                status[m], reason[m] = "secondary", "margin"
            continue
        if len(hidden) == 1:  # a zone with no cell on this line left a single one
            shown = [i for i in members if not status[i] and base[i] > 0]
            if shown:
                j = min(shown, key=lambda i: (base[i], i))
                status[j], reason[j] = "secondary", "complement"
                hidden.append(j)
        if status[m]:
            continue
        total = base[hidden].sum()
        pinned = len(hidden) < 2 or any(
            (s := float(pd.to_numeric(out.loc[hidden, v]).sum())) == 0 or s == total for v in values
        )
        if pinned:
            status[m], reason[m] = "secondary", "pinned" if len(hidden) >= 2 else "margin"
    out["status"] = status.astype(str)
    out["reason"] = reason.astype(str)
    return out
