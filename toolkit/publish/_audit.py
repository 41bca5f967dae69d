"""An independent audit of a run's report folder, from its published files alone.

:func:`audit_reports` reads every published CSV (and every sheet of the zone
workbooks) of ``reports/<run-id>/`` as a reader would, and checks, for a public run:

small-base cells
    a cell of aggregate content by group (a share of an aggregate item, an interview
    code or theme, a co-occurrence, a reliability, a code against an answer) whose
    base is below ``min_cell`` and that shows a value; an aggregate item, or anything
    from the interviews, shown per Society (profiles, route cells, cooperation pairs,
    quotes with a Society code or the zone of a small group);
recoverable cells
    every withheld canonical cell (a share or an interview code / theme in a zone or
    in all zones) is attacked: by subtraction along its zone line (the all-zones
    value minus the other zones, including the case where the withheld cells can
    only all be 0 or all be full), from the same cell in any other table or report,
    from per-Society tables (profiles), from the tipping point and the "Finding"
    sentence, from the diagonal of a co-occurrence table, from a code against an
    answer whose ``a + b`` is the code's count, from a theme with a single code, and
    from quotes naming the zone of a one-Society group.

programme register
    every published table with a ``programme_id`` (the register, the programme
    changes) and every register table of the HTML reports (``<table
    class="nsmap-register">``, its columns and the codes its rows carry) is checked
    for aggregate items per Society: a column of an aggregate question (the contact
    role), or an aggregate option among the codes shown (an aggregate activity type
    or target group).

It uses nothing of the publication mechanism except the item sensitivity (which items
are aggregate), so that it checks the mechanism rather than repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.mapping import PROGRAMME_QUESTIONS
from toolkit.publish._sensitivity import Sensitivity

__all__ = ["AuditResult", "audit_reports", "read_published"]

_MARGIN = "all"
_PER_SOCIETY = ("iso3", "ns_iso3", "provider", "recipient", "covering")
_SHARE_VALUES = (
    "estimate",
    "ci_low",
    "ci_high",
    "unadjusted",
    "bound_low",
    "bound_high",
    "se",
    "n_yes",
)
_PREFIX = {"activity": "act", "activity_stage": "act_stage"}


@dataclass
class AuditResult:
    """What :func:`audit_reports` found.

    Attributes
    ----------
    withheld : dict
        Canonical cells withheld, ``{"primary": n, "secondary": n}``, and the cells
        withheld over every published table (``table_primary``, ``table_secondary``).
    small_base : list of dict
        Cells of aggregate content on a base below ``min_cell`` that show a value
        (and aggregate items shown per Society): zone, table, source, what.
    recoverable : list of dict
        Withheld cells that can be worked out: cell, how.
    """

    withheld: dict[str, int] = field(default_factory=dict)
    small_base: list[dict[str, Any]] = field(default_factory=list)
    recoverable: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """The counts: withheld (primary, secondary), small-base cells, recoverable."""
        return {
            **self.withheld,
            "small_base_shown": len(self.small_base),
            "recoverable": len({r["cell"] for r in self.recoverable}),
        }


def _values(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) and str(df.iloc[0, 0]).startswith("#"):
        df = df.iloc[1:]
    return df.reset_index(drop=True)


def read_published(run_dir: str | Path) -> list[tuple[str, str, str, pd.DataFrame]]:
    """Every published table of a run: (zone, table, source, text table) for each CSV
    under ``<zone>/tables/`` and each sheet of ``<zone>/<zone>_tables.xlsx``."""
    out = []
    for zone_dir in sorted(p for p in Path(run_dir).iterdir() if p.is_dir()):
        zone = zone_dir.name
        for csv in sorted((zone_dir / "tables").glob("*.csv")):
            df = pd.read_csv(csv, dtype=str, keep_default_na=False)
            out.append((zone, csv.stem, "csv", _values(df)))
        for book in sorted(zone_dir.glob("*_tables.xlsx")):
            sheets = pd.read_excel(book, sheet_name=None, dtype=str, keep_default_na=False)
            for name, df in sheets.items():
                if name != "README":
                    out.append((zone, str(name), "xlsx", _values(df)))
    return out


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _shown(df: pd.DataFrame, cols: Iterable[str]) -> np.ndarray:
    cols = [c for c in cols if c in df.columns]
    if not cols:
        return np.zeros(len(df), bool)
    return (df[cols].astype(str).apply(lambda s: s.str.strip() != "")).any(axis=1).to_numpy()


class _Auditor:
    def __init__(self, tables: list[tuple[str, str, str, pd.DataFrame]], sens: Sensitivity, m: int):
        self.tables, self.sens, self.m = tables, sens, m
        self.res = AuditResult()
        # canonical cells: (family, line, zone) -> {"base": int, "values": [..], "hidden": bool}
        self.cells: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.interviewed: dict[str, int] = {}
        self.single: dict[str, str] = {}
        for _z, name, _s, df in tables:
            if name == "05_interview_coverage" and "interviewed" in df:
                for z, n in zip(df["zone"], _num(df["interviewed"])):
                    if np.isfinite(n):
                        self.interviewed[str(z)] = int(n)

    def flag(self, zone: str, name: str, src: str, what: str, k: int = 1) -> None:
        for _ in range(k):
            self.res.small_base.append({"zone": zone, "table": name, "source": src, "what": what})

    def cell(
        self, key: tuple[str, str, str], base: float, value: float | None, hidden: bool
    ) -> None:
        c = self.cells.setdefault(key, {"base": base, "values": set(), "hidden": False})
        c["hidden"] = c["hidden"] or hidden
        if not hidden and value is not None and np.isfinite(value):
            c["values"].add(round(float(value), 6))

    # -- readers -------------------------------------------------------------------------
    def shares(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        dims = df["dimension"] if "dimension" in df else pd.Series("activity", index=df.index)
        zones = df["zone"] if "zone" in df else pd.Series(zone, index=df.index)
        n = _num(df["n"])
        unadj = _num(df["unadjusted"]) if "unadjusted" in df else np.full(len(df), np.nan)
        shown = _shown(df, _SHARE_VALUES)
        hidden = (
            df["suppression"].astype(str).isin(["primary", "secondary"]).to_numpy()
            if "suppression" in df
            else np.zeros(len(df), bool)
        )
        for i, (d, c, z) in enumerate(
            zip(dims.astype(str), df["code"].astype(str), zones.astype(str))
        ):
            var = f"{_PREFIX.get(d, d)}__{c}"
            if not self.sens.is_aggregate(var):
                continue
            if n[i] < self.m and shown[i]:
                self.flag(zone, name, src, f"share {var} {z} on {int(n[i])} shown")
            count = unadj[i] * n[i] if np.isfinite(unadj[i]) else None
            self.cell(("share", var, z), n[i], count, hidden[i] or not shown[i])

    def frequencies(self, zone: str, name: str, src: str, df: pd.DataFrame, level: str) -> None:
        base, val = _num(df["n_interviewed"]), _num(df["n_societies"])
        shown = _shown(df, ["n_societies", "share"])
        for i, (z, item) in enumerate(zip(df["zone"].astype(str), df[level].astype(str))):
            if base[i] < self.m and shown[i]:
                self.flag(zone, name, src, f"{level} {item} {z} on {int(base[i])} shown")
            self.cell((level, item, z), base[i], val[i], not shown[i])
        if level == "code" and "theme" in df:  # a theme with one code is that code
            themes = df.groupby("theme")["code"].nunique()
            self.single = {
                str(t): str(df.loc[df["theme"] == t, "code"].iloc[0])
                for t in themes[themes == 1].index
            }

    def per_society(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        bad = self.sens.aggregate_columns(df.columns)
        for col in bad:
            k = int(_shown(df, [col]).sum())
            self.flag(zone, name, src, f"aggregate item {col} per Society", k)
            if col.startswith("act__") and "zone" in df:
                for z, g in df.groupby("zone"):
                    v = _num(g[col])
                    if np.isfinite(v).any():
                        self.cell(("share", col, str(z)), np.isfinite(v).sum(), np.nansum(v), False)
        if "activity" in df:
            acts = set(self.sens.aggregate_activities())
            k = int(df["activity"].astype(str).isin(acts).sum())
            if k:
                self.flag(zone, name, src, "aggregate activity per Society", k)

    def register_columns(self, columns: Iterable[str]) -> list[str]:
        """Register columns whose question is aggregate (``contact_role`` ...)."""
        return [
            c
            for c in columns
            if c in PROGRAMME_QUESTIONS and self.sens.is_aggregate(PROGRAMME_QUESTIONS[c])
        ]

    def register_codes(self, column: str, values: Iterable[str]) -> list[str]:
        """Aggregate options among the codes of a register column."""
        lst = self.sens.lists.get(PROGRAMME_QUESTIONS.get(column, ""))
        if not lst:
            return []
        found = {c for v in values for c in str(v).split()}
        return sorted(c for c in found if self.sens.is_aggregate(f"{lst}__{c}"))

    def register(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        for col in self.register_columns(df.columns):
            k = int(_shown(df, [col]).sum())
            if k:
                self.flag(zone, name, src, f"aggregate item {col} per programme", k)
        for col in df.columns:
            for code in self.register_codes(str(col), df[col].astype(str)):
                self.flag(zone, name, src, f"aggregate option {code} of {col} per programme")

    def run(self) -> AuditResult:
        tip, tva, cooc, quotes = [], [], [], []
        for zone, name, src, df in self.tables:
            cols = set(df.columns)
            if {"code", "n"} <= cols and ("dimension" in cols or "estimate" in cols):
                self.shares(zone, name, src, df)
            elif {"n_interviewed", "n_societies"} <= cols:
                self.frequencies(zone, name, src, df, "code" if "code" in cols else "theme")
            elif {"variable", "n_observed"} <= cols:
                tip.append((zone, name, src, df))
            elif {"indicator", "a", "b", "c", "d"} <= cols:
                tva.append((zone, name, src, df))
            elif {"n_units", "alpha"} <= cols:
                self.reliability(zone, name, src, df)
            elif "quote" in cols:
                quotes.append((zone, name, src, df))
            elif name.endswith("cooccurrence"):
                cooc.append((zone, name, src, df))
            if cols & set(_PER_SOCIETY) or "quote" in cols:
                self.per_society(zone, name, src, df)
            if "programme_id" in cols:
                self.register(zone, name, src, df)
        for args in tip:
            self.tipping(*args)
        for args in tva:
            self.answers(*args)
        for args in cooc:
            self.cooccurrence(*args)
        for args in quotes:
            self.quotes(*args)
        self.subtraction()
        hidden = [k for k, c in self.cells.items() if c["hidden"]]
        for k in hidden:
            if self.cells[k]["values"]:
                self.recover(k, "shown in another table or report")
        return self.res

    def recover(self, key: tuple[str, str, str], how: str) -> None:
        self.res.recoverable.append({"cell": " / ".join(key), "how": how})

    def reliability(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        n = _num(df["n_units"])
        shown = _shown(df, ["alpha", "kappa", "prevalence"])
        k = int(((n < self.m) & (n > 0) & shown).sum())
        if k:
            self.flag(zone, name, src, "reliability on few double-coded interviews shown", k)

    def tipping(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        for var, n, obs in zip(
            df["variable"].astype(str), _num(df["n_observed"]), _num(df["observed"])
        ):
            if not self.sens.is_aggregate(var):
                continue
            if n < self.m:
                self.flag(zone, name, src, f"tipping point of {var} on {int(n)}")
            key = ("share", var, zone)
            if key in self.cells and self.cells[key]["hidden"]:
                self.recover(key, "tipping point (observed share x respondents)")
            self.cell(key, n, obs * n, False)

    def answers(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        n = _num(df["n"])
        shown = _shown(df, ["a", "b", "c", "d"])
        base = self.interviewed.get(zone, 0)
        for i, code in enumerate(df["code"].astype(str)):
            if shown[i] and (n[i] < self.m or (zone != _MARGIN and 0 < base < self.m)):
                self.flag(zone, name, src, f"code {code} against an answer on {int(n[i])} shown")
            key = ("code", code, zone)
            if shown[i] and n[i] == base and key in self.cells and self.cells[key]["hidden"]:
                self.recover(key, "a + b of a code against an answer")

    def cooccurrence(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        base = self.interviewed.get(zone, 0)
        codes = df.iloc[:, 0].astype(str).tolist()
        vals = df.iloc[:, 1:]
        shown = int((vals.astype(str).apply(lambda s: s.str.strip() != "")).to_numpy().sum())
        if zone != _MARGIN and 0 < base < self.m and shown:
            self.flag(zone, name, src, f"co-occurrence of a zone of {base}", shown)
        for i, code in enumerate(codes):
            if code in vals.columns and str(vals.iloc[i][code]).strip() != "":
                key = ("code", code, zone)
                if key in self.cells and self.cells[key]["hidden"]:
                    self.recover(key, "diagonal of the co-occurrence table")

    def quotes(self, zone: str, name: str, src: str, df: pd.DataFrame) -> None:
        if "ns_iso3" in df:
            self.flag(
                zone, name, src, "quote with a Society code", int(_shown(df, ["ns_iso3"]).sum())
            )
        if "zone" not in df:
            return
        for z, code in zip(df["zone"].astype(str), df["code"].astype(str)):
            base = self.interviewed.get(z, 0)
            if z and 0 < base < self.m:
                self.flag(zone, name, src, f"quote naming zone {z} of {base} interviewed")
            key = ("code", code, z)
            if z and base == 1 and key in self.cells and self.cells[key]["hidden"]:
                self.recover(key, "a quote from the only interviewed Society of the zone")

    def subtraction(self) -> None:
        lines: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for (fam, line, z), c in self.cells.items():
            lines.setdefault((fam, line), {})[z] = c
        for (fam, line), zones in lines.items():
            margin = zones.get(_MARGIN)
            members = {z: c for z, c in zones.items() if z != _MARGIN and c["base"] > 0}
            hidden = [z for z, c in members.items() if c["hidden"]]
            if not hidden or margin is None or margin["hidden"] or len(margin["values"]) != 1:
                continue
            if any(not c["values"] for z, c in members.items() if not c["hidden"]):
                continue
            rest = next(iter(margin["values"])) - sum(
                next(iter(c["values"])) for z, c in members.items() if not c["hidden"]
            )
            total = sum(members[z]["base"] for z in hidden)
            if len(hidden) == 1:
                self.recover((fam, line, hidden[0]), "all-zones value minus the other zones")
            elif abs(rest) < 1e-6 or abs(rest - total) < 1e-6:
                for z in hidden:
                    self.recover((fam, line, z), "withheld zones all 0 or all full by subtraction")
        for theme, code in self.single.items():
            for (fam, line, z), c in list(self.cells.items()):
                if fam == "theme" and line == theme:
                    other = self.cells.get(("code", code, z))
                    if other and other["hidden"] != c["hidden"]:
                        hid = ("theme", theme, z) if c["hidden"] else ("code", code, z)
                        self.recover(hid, "a theme with a single code")


def _findings(run_dir: Path, aud: _Auditor) -> None:
    """The "Finding" sentences of the HTML reports must not name a withheld cell."""
    pattern = re.compile(r"Finding: the activity run by most Societies of .*? is ([^,<]+),")
    labels: dict[str, str] = {}
    for _z, _n, _s, df in aud.tables:
        if {"code", "label"} <= set(df.columns) and "dimension" in df:
            for d, c, lab in zip(df["dimension"], df["code"], df["label"]):
                if d == "activity":
                    labels[str(lab)] = f"act__{c}"
    for html in Path(run_dir).glob("*/*.html"):
        zone = html.parent.name
        for m in pattern.finditer(html.read_text(encoding="utf-8")):
            var = labels.get(m.group(1).strip())
            key = ("share", var or "", zone)
            if var and key in aud.cells and aud.cells[key]["hidden"]:
                aud.recover(key, "Finding sentence of the report")


_REGISTER_TABLE = re.compile(r'<table class="nsmap-register" data-columns="([^"]*)"')
_REGISTER_ROW = re.compile(r'<tr((?: data-[a-z_]+="[^"]*")+)>')
_ATTRIBUTE = re.compile(r' data-([a-z_]+)="([^"]*)"')


def _register_html(run_dir: Path, aud: _Auditor) -> None:
    """The register tables of the HTML reports: their columns and the codes of each row."""
    for html in sorted(Path(run_dir).glob("*/*.html")):
        text = html.read_text(encoding="utf-8")
        if "nsmap-register" not in text:
            continue
        zone, name = html.parent.name, html.stem
        for m in _REGISTER_TABLE.finditer(text):
            for col in aud.register_columns(m.group(1).split()):
                aud.flag(zone, name, "html", f"aggregate item {col} per programme")
        codes: dict[str, list[str]] = {}
        for m in _REGISTER_ROW.finditer(text):
            for key, value in _ATTRIBUTE.findall(m.group(1)):
                codes.setdefault(key, []).append(value)
        for col, values in codes.items():
            for code in aud.register_codes(col, values):
                aud.flag(zone, name, "html", f"aggregate option {code} of {col} per programme")


def audit_reports(
    run_dir: str | Path,
    *,
    sensitivity: Sensitivity,
    min_cell: int,
    zones: Sequence[str] = (),
) -> AuditResult:
    """Audit a run's published tables (see the module notes).

    Parameters
    ----------
    run_dir : str or Path
        ``reports/<run-id>/``.
    sensitivity : Sensitivity
        Which items are aggregate (:func:`toolkit.publish.item_sensitivity` of the
        study's instrument and overrides).
    min_cell : int
    zones : sequence of str
        Unused; the zones are read from the folders.

    Returns
    -------
    AuditResult
    """
    del zones
    aud = _Auditor(read_published(run_dir), sensitivity, int(min_cell))
    res = aud.run()
    _findings(Path(run_dir), aud)
    _register_html(Path(run_dir), aud)
    canon = [c for c in aud.cells.values() if c["hidden"]]
    prim = sum(1 for c in canon if c["base"] < min_cell)
    per_table = {"primary": 0, "secondary": 0}
    for _z, _n, src, df in aud.tables:
        if src == "csv" and "suppression" in df:
            kinds = df["suppression"].astype(str)
            per_table["primary"] += int((kinds == "primary").sum())
            per_table["secondary"] += int((kinds == "secondary").sum())
    res.withheld = {
        "primary": prim,
        "secondary": len(canon) - prim,
        "table_primary": per_table["primary"],
        "table_secondary": per_table["secondary"],
    }
    return res
