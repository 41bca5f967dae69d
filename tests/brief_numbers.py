"""The numbers a brief's key finding must show, computed independently from the
estimate table it was built from (shared by tests/test_publish_brief.py and
tests/test_run_briefs.py; not a test module)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from toolkit.publish._i18n import plain_digits

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers(text: str) -> list[float]:
    """Every number of a text, in any script and with either decimal mark."""
    return [float(x.replace(",", ".")) for x in NUMBER.findall(plain_digits(text))]


def expected(finding: Any, table: pd.DataFrame, level: float) -> list[float]:
    """The numbers a finding (a ``Finding`` or its manifest record) must show, from the
    estimate table (never from the brief)."""
    f: Mapping[str, Any] = finding if isinstance(finding, Mapping) else dataclasses.asdict(finding)

    def row(zone):
        hit = table[
            (table["zone"] == zone)
            & (table["dimension"] == f["dimension"])
            & (table["code"] == f["code"])
        ]
        assert len(hit) == 1, (zone, f)
        return hit.iloc[0]

    r = row(f["zone"])
    if f["wording"] == "about":
        return [r["estimate"] * 10, 10, level * 100, r["ci_low"] * 100, r["ci_high"] * 100]
    if f["wording"] in ("nearly_all", "very_few"):
        return [level * 100, r["ci_low"] * 100, r["ci_high"] * 100]
    if f["wording"] == "between":
        return [r["ci_low"] * 100, r["ci_high"] * 100]
    other = row(f["other_zone"])
    z = 1.959964

    def se(x):  # the design SE; zero (an exact interval) gives way to half-width / z
        return x["se"] if x["se"] > 0 else (x["ci_high"] - x["ci_low"]) / (2 * z)

    d = r["estimate"] - other["estimate"]
    half = z * math.hypot(se(r), se(other))
    ends = sorted((abs(d - half), abs(d + half)))
    return [
        r["estimate"] * 100,
        other["estimate"] * 100,
        abs(d) * 100,
        level * 100,
        ends[0] * 100,
        ends[1] * 100,
    ]


def match(shown: list[float], wanted: list[float]) -> bool:
    """Every wanted number is shown, rounded to a whole number, and nothing else."""
    left = sorted(shown)
    for e in sorted(wanted):
        hit = next((s for s in left if abs(s - e) <= 0.5 + 1e-9), None)
        if hit is None:
            return False
        left.remove(hit)
    return not left
