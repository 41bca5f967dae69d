"""Publishing what the interviews say: every table derived from them is aggregate.

:class:`InterviewPublication` computes the interview tables of *every* zone of the
study once, decides their suppression pattern over all of them (strategy ``"zones"``
of :mod:`toolkit.publish._pattern`) and gives each report its zone's part:

* the base of a zone is its number of interviewed Societies (counted with the coder
  whose coding counts); the zones below ``min_cell`` are withheld on every line (codes,
  themes, pairs of codes), with one more zone when only one is small, and a line's
  all-zones value is withheld where the withheld zones would all be 0 or all be full;
* the co-occurrence of a withheld zone is not published; in the other tables its
  cells are blanked and marked;
* interview codes against questionnaire answers use the same zones plus those with
  fewer than ``min_cell`` Societies with a known answer; reliability by zone the zones
  with fewer than ``min_cell`` double-coded interviews;
* quotes never carry the Society's code in the public tier; their zone is blanked
  for the withheld zones (which are at least two), the report of a withheld zone
  shows none, and country and Society names are masked as places.

In the internal tier nothing is withheld and quotes keep their Society code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from toolkit.publish._pattern import MARGIN, decide_lines, hidden_zones
from toolkit.publish._sensitivity import INTERVIEWS

if TYPE_CHECKING:
    from toolkit.publish._policy import Publication

__all__ = ["InterviewPublication"]

_TVA_VALUES = ["a", "b", "c", "d"]
_TVA_BLANK = ["a", "b", "c", "d", "share_code_if_1", "share_code_if_0", "odds_ratio", "p_value"]
_REL_BLANK = ["prevalence", "alpha", "ci_low", "ci_high", "kappa", "verdict", "verdict_ci_low"]


class InterviewPublication:
    """The interview tables of a study as a tier may publish them.

    Parameters
    ----------
    publication : Publication
    data : StudyInterviews
        :func:`toolkit.interviews.read_study_interviews` of the study.
    frame : DataFrame
        Membership frame (``iso3``, ``zone``, ``country``, ``society_name``).
    coder : str, optional
        Whose coding counts (:func:`toolkit.interviews.primary_coder`).
    """

    def __init__(
        self, publication: Publication, data: Any, frame: pd.DataFrame, *, coder: str | None
    ) -> None:
        from toolkit.interviews import theme_table

        self.publication = publication
        self.data = data
        self.frame = frame
        self.coder = coder
        zones = list(publication.zones) or sorted(set(data.segments["zone"].astype(str)))
        self.zones = zones
        kw = {"codebook": data.codebook, "coder": coder, "zones": zones}
        self._full = {
            "code": theme_table(data.segments, frame, level="code", **kw),
            "theme": theme_table(data.segments, frame, level="theme", **kw),
        }
        codes = self._full["code"]
        per_zone = codes[codes["zone"] != MARGIN].drop_duplicates("zone")
        self.bases = {z: int(per_zone.set_index("zone")["n_interviewed"].get(z, 0)) for z in zones}
        min_cell = publication.min_cell
        self.hidden = [] if publication.internal else hidden_zones(self.bases, min_cell)
        self._patterns: dict[str, pd.DataFrame] = {}
        for level in ("code", "theme"):
            t = self._full[level]
            cells = pd.DataFrame(
                {
                    "line": f"{level}:" + t[level].astype(str),
                    "zone": t["zone"].astype(str),
                    "base": t["n_interviewed"].to_numpy(),
                    "value": t["n_societies"].to_numpy(),
                }
            )
            self._patterns[level] = self._decide(f"interview_{level}", cells, ["value"])

    # -- helpers -------------------------------------------------------------------------
    @property
    def min_cell(self) -> int:
        """The study's disclosure minimum."""
        return self.publication.min_cell

    def _decide(
        self,
        family: str,
        cells: pd.DataFrame,
        values: list[str],
        hide: Iterable[str] | None = None,
        hide_margins: Iterable[str] = (),
    ) -> pd.DataFrame:
        if self.publication.internal:
            out = cells.assign(status="", reason="")
        else:
            out = decide_lines(
                cells,
                min_cell=self.min_cell,
                strategy="zones",
                values=values,
                hide=list(self.hidden if hide is None else hide),
                hide_margins=list(hide_margins),
            )
        out = out.assign(family=family)
        self.publication.patterns[family] = out
        self.publication._save_pattern(family, out)
        return out

    def _hidden_margins(self, level: str) -> set[str]:
        p = self._patterns[level]
        keep = (p["zone"] == MARGIN) & (p["status"] != "")
        return {str(x).split(":", 1)[1] for x in p.loc[keep, "line"]}

    def _rows(self, table: pd.DataFrame, zone: str) -> pd.DataFrame:
        keep = table["zone"].astype(str).isin([zone, MARGIN]) if zone != MARGIN else slice(None)
        return table[keep].reset_index(drop=True)

    def _apply(
        self, table: pd.DataFrame, pattern: pd.DataFrame, lines: pd.Series, blank: list[str]
    ) -> pd.DataFrame:
        from toolkit.publish._policy import mark_suppressed

        got = pattern.set_index(["line", "zone"]).reindex(
            pd.MultiIndex.from_arrays([lines.astype(str), table["zone"].astype(str)])
        )
        out = mark_suppressed(
            table,
            got["status"].fillna("").to_numpy(dtype=object),
            got["reason"].fillna("").to_numpy(dtype=object),
            min_cell=self.min_cell,
            blank=blank,
            value=None,
        ).drop(columns=["display"])
        out.attrs["disclosure_content"] = INTERVIEWS
        out.attrs["disclosure_rule"] = (
            "interview content by zone: withheld below min_cell interviewed Societies"
        )
        return out

    # -- tables --------------------------------------------------------------------------
    def table(self, level: str, zone: str) -> pd.DataFrame:
        """Codes (``level="code"``) or themes by zone for one report: the zone's rows
        and the all-zones rows (every zone's rows for ``zone="all"``), counted by
        Society, with the run's pattern applied."""
        t = self._rows(self._full[level], zone)
        return self._apply(
            t, self._patterns[level], f"{level}:" + t[level].astype(str), ["n_societies", "share"]
        )

    def figure_table(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows of a published code or theme table a heatmap may draw (withheld
        cells left out)."""
        return table[~table["suppressed"]].reset_index(drop=True)

    @staticmethod
    def shown(table: pd.DataFrame) -> pd.DataFrame:
        """The rows of a published table that are not withheld (for figures)."""
        return table[~table["suppressed"].astype(bool)]

    def withheld_sentence(self, zone: str) -> str:
        """Why a zone's interview table is not shown."""
        return (
            f"Not shown: fewer than {self.min_cell} interviewed Societies in this zone, "
            "or withheld so that such a zone cannot be worked out from the others."
            if zone in self.hidden
            else ""
        )

    def reliability_sentence(self, table: pd.DataFrame) -> str:
        """One sentence on the reliability over all codes (the last row of
        :meth:`reliability`), or why it is withheld."""
        row = table.iloc[-1]
        if bool(row["suppressed"]):
            return (
                f"Reliability over all codes is withheld: fewer than {self.min_cell} "
                "double-coded interviews."
            )
        return (
            f"All codes: alpha = {row['alpha']:.3f} (95% bootstrap interval "
            f"{row['ci_low']:.3f} to {row['ci_high']:.3f}), kappa = {row['kappa']:.3f}, "
            f"over {int(row['n_units'])} double-coded interviews: {row['verdict']}."
        )

    def note(self, text: str = "") -> str:
        """A caption note saying which zones are withheld (public tier)."""
        if not self.hidden:
            return text
        extra = (
            f"Withheld: zones with fewer than {self.min_cell} interviewed Societies and "
            "the cells that would reveal them."
        )
        return f"{text} {extra}".strip()

    def cooccurrence(self, zone: str) -> pd.DataFrame | None:
        """Codes raised by the same Society, for one zone (or all): ``None`` when the
        zone is withheld; cells that would reveal a withheld zone are blanked."""
        from toolkit.interviews import cooccurrence

        def matrix(z: str) -> pd.DataFrame:
            seg = self.data.in_zone(z, coder=self.coder)
            return cooccurrence(seg, within="society", codes=self.data.codebook.codable)

        if zone in self.hidden:
            return None
        table = matrix(zone).astype(float)
        if self.publication.internal or not self.hidden:
            return table
        codes = list(table.index)
        pairs = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1 :]]
        rows = []
        for z in [*self.hidden, MARGIN]:
            m = matrix(z)
            for a, b in pairs:
                rows.append(
                    {
                        "line": f"pair:{a}|{b}",
                        "zone": z,
                        "base": self.bases.get(z, sum(self.bases.values())),
                        "value": int(m.loc[a, b]) if a in m.index and b in m.columns else 0,
                    }
                )
        pattern = self._decide("interview_pair", pd.DataFrame(rows), ["value"])
        status = {
            (str(line), str(z)): str(s)
            for line, z, s in zip(pattern["line"], pattern["zone"], pattern["status"])
        }
        codes_pattern = self._patterns["code"]
        for line, z, s in zip(
            codes_pattern["line"], codes_pattern["zone"], codes_pattern["status"]
        ):
            status[(str(line), str(z))] = str(s)
        n = 0
        for i, a in enumerate(codes):
            for j, b in enumerate(codes):
                line = f"code:{a}" if i == j else f"pair:{codes[min(i, j)]}|{codes[max(i, j)]}"
                if status.get((line, zone)):
                    table.loc[a, b] = np.nan
                    n += 1
        table.attrs["disclosure_withheld"] = {"secondary": n}
        table.attrs["disclosure_content"] = INTERVIEWS
        table.attrs["disclosure_rule"] = (
            "co-occurrence: not shown for a withheld zone; cells that would reveal one blanked"
        )
        return table

    def themes_vs_answers(
        self,
        answers: pd.DataFrame,
        pairs: Mapping[str, str],
        zone: str,
        *,
        interview_answers: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Interview codes against questionnaire indicators
        (:func:`toolkit.interviews.themes_vs_answers`) for one zone, with the rows
        that would reveal a small group withheld."""
        from toolkit.interviews import themes_vs_answers

        def rows(z: str) -> pd.DataFrame:
            seg = self.data.in_zone(z)
            t = themes_vs_answers(
                seg,
                answers,
                pairs,
                coder=self.coder,
                codebook=self.data.codebook,
                interview_answers=interview_answers,
            )
            return t.assign(zone=z)

        mine = rows(zone)
        lines = "tva:" + mine["code"].astype(str) + "|" + mine["indicator"].astype(str)
        if self.publication.internal:
            empty = pd.DataFrame(columns=["line", "zone", "status", "reason"])
            return self._apply(mine, empty, lines, _TVA_BLANK)
        asked = [z for z in self.zones if self.bases.get(z, 0) > 0]
        every = pd.concat([rows(z) for z in [*asked, MARGIN]], ignore_index=True)
        every["line"] = "tva:" + every["code"].astype(str) + "|" + every["indicator"].astype(str)
        every = every.rename(columns={"n": "base"})
        code_margins = self._hidden_margins("code")
        parts = []
        for line, cells in every.groupby("line", sort=False):
            bases = {str(z): int(b) for z, b in zip(cells["zone"], cells["base"]) if z != MARGIN}
            hide = sorted(set(self.hidden) | set(hidden_zones(bases, self.min_cell)))
            code = str(line)[4:].split("|", 1)[0]
            margins = [str(line)] if code in code_margins else []
            parts.append(
                decide_lines(
                    cells[["line", "zone", "base", *_TVA_VALUES]],
                    min_cell=self.min_cell,
                    strategy="zones",
                    values=_TVA_VALUES,
                    hide=hide,
                    hide_margins=margins,
                )
            )
        pattern = pd.concat(parts, ignore_index=True).assign(family="interview_answers")
        self.publication._save_pattern("interview_answers", pattern)
        return self._apply(mine, pattern, lines, _TVA_BLANK)

    def reliability(self, table: pd.DataFrame) -> pd.DataFrame:
        """Per-code reliability over every double-coded interview
        (:func:`toolkit.interviews.reliability_report`), with rows on fewer than
        ``min_cell`` double-coded interviews withheld."""
        status = np.full(len(table), "", dtype=object)
        if not self.publication.internal:
            status = np.where(table["n_units"].astype(int) < self.min_cell, "primary", "")
        out = self._apply_status(table, status)
        out.attrs["disclosure_rule"] = (
            "reliability: withheld below min_cell double-coded interviews"
        )
        return out

    def reliability_by_zone(self, table: pd.DataFrame) -> pd.DataFrame:
        """Reliability zone by zone (:func:`toolkit.interviews.reliability_by_zone`,
        indexed by zone), with zones of fewer than ``min_cell`` double-coded
        interviews, and those that would reveal them, withheld."""
        t = table.reset_index()
        cells = pd.DataFrame(
            {"line": "reliability", "zone": t["zone"].astype(str), "base": t["n_units"]}
        )
        bases = {z: int(b) for z, b in zip(cells["zone"], cells["base"]) if z != MARGIN}
        hide = sorted(set(self.hidden) | set(hidden_zones(bases, self.min_cell)))
        hide = [z for z in hide if bases.get(z, 0) > 0]
        pattern = self._decide("interview_reliability", cells, [], hide=hide)
        out = self._apply_status(t, pattern["status"].to_numpy(dtype=object))
        out.attrs["disclosure_rule"] = (
            "reliability by zone: withheld below min_cell double-coded interviews"
        )
        return out.set_index("zone")

    def _apply_status(self, table: pd.DataFrame, status: np.ndarray) -> pd.DataFrame:
        from toolkit.publish._policy import mark_suppressed

        reason = np.where(status == "primary", "small", np.where(status != "", "complement", ""))
        out = mark_suppressed(
            table, status, reason, min_cell=self.min_cell, blank=_REL_BLANK, value=None
        ).drop(columns=["display"])
        out.attrs["disclosure_content"] = INTERVIEWS
        return out

    def quotes(
        self,
        zone: str,
        *,
        key: str | bytes,
        names: Iterable[str] = (),
        places: Iterable[str] = (),
        per_code: int = 2,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Masked exemplar quotes (:func:`toolkit.interviews.quote_table`) of one zone.

        In the public tier the Society code is left out, country and Society names
        are masked as places, the zone is blanked for the withheld zones and the
        report of a withheld zone shows no quote.
        """
        from toolkit.interviews import quote_table

        pub = self.publication
        extra = []
        if not pub.internal:
            extra = [
                *self.frame["country"].dropna().astype(str),
                *self.frame["society_name"].dropna().astype(str),
            ]
        seg = self.data.in_zone(zone, coder=self.coder)
        if not pub.internal and zone in self.hidden:
            seg = seg.iloc[0:0]
        quotes = quote_table(
            seg,
            key=key,
            names=names,
            places=[*places, *extra],
            per_code=per_code,
            seed=seed,
        )
        if not pub.internal:
            quotes = quotes.drop(columns=["ns_iso3"])
            quotes["zone"] = quotes["zone"].mask(quotes["zone"].astype(str).isin(self.hidden))
            quotes.attrs["disclosure_rule"] = (
                "quotes: no Society code; no zone for zones with fewer than min_cell "
                "interviewed Societies"
            )
        quotes.attrs["disclosure_content"] = INTERVIEWS
        return quotes
