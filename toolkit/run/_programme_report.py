"""What the programme notebook needs: the register, programme counts and the change
since the previous round, each as this report's tier may publish it.

:func:`programme_report` wraps a :class:`~toolkit.run.Report` (one zone, or all) and
reads the analytical database's programme register and round tables
(:data:`toolkit.run._rounds.ROUND_TABLES`); every table it returns has gone through
the publication policy (:mod:`toolkit.publish._register`,
:mod:`toolkit.publish._change`).  :meth:`ProgrammeReport.cooperation` gives route
coverage and cooperation pairs the recorded partnerships of the tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from toolkit.errors import ParameterError
from toolkit.run._report import Report

__all__ = ["ProgrammeReport", "programme_report"]

_LEVEL = 0.95


#: What the register's columns ask, for :meth:`ProgrammeReport.unasked`.
_ASKED = {
    "start_year": "start year",
    "status": "status (running, ended or planned)",
    "people_reached": "number of people reached",
    "reached_basis": "basis of that number (counted or estimated)",
}


@dataclass
class ProgrammeReport:
    """The programme register and the rounds of a report (see the module notes).

    Attributes
    ----------
    report : Report
    """

    report: Report
    _cache: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)

    # -- what the database holds -------------------------------------------------------
    def _table(self, name: str) -> pd.DataFrame | None:
        tables = self.report.store.tables
        return tables.get(name)

    @cached_property
    def _codes(self) -> set[str]:
        return set(self.report.frame["iso3"].astype(str))

    @cached_property
    def programmes(self) -> pd.DataFrame:
        """This round's register over the study's zones, before publication (analysis
        only; empty when the questionnaire has no programme list)."""
        p = self._table("programmes")
        if p is None:
            return pd.DataFrame(columns=["programme_id", "ns_iso3", "zone", "activities"])
        return p[p["ns_iso3"].astype(str).isin(self._codes)].reset_index(drop=True)

    @property
    def has_register(self) -> bool:
        """Whether the study's questionnaire has the programme list."""
        return self._table("programmes") is not None

    @cached_property
    def rounds(self) -> pd.DataFrame:
        """The rounds compared (the ``rounds`` table; this round alone without earlier
        rounds)."""
        r = self._table("rounds")
        if r is not None:
            return r
        year = int(self.report.study.config["study"]["year"])
        return pd.DataFrame(
            {"label": [str(year)], "year": [year], "source": ["this round"]}
        ).assign(respondents=int(self.report.frame["responded"].sum()))

    @property
    def has_earlier(self) -> bool:
        """Whether the study names an earlier round (``rounds:`` of study.yaml)."""
        return len(self.rounds) > 1

    @property
    def previous(self) -> str | None:
        """Label of the round before this one (None without earlier rounds)."""
        return str(self.rounds["label"].iloc[-2]) if self.has_earlier else None

    @property
    def current(self) -> str:
        """Label of this round."""
        return str(self.rounds["label"].iloc[-1])

    def rounds_sentence(self) -> str:
        """Which rounds the report compares, or that the study has no earlier one."""
        if not self.has_earlier:
            return (
                f"This study names no earlier mapping round, so nothing can be compared yet: "
                f"only this round's ({self.current}) register is shown. To compare, name "
                "the earlier round's database or exports under 'rounds:' in study.yaml."
            )
        r = self.rounds.iloc[-2]
        return (
            f"Compared with the {self.previous} round ({r['source']}; {int(r['respondents'])} "
            f"Societies answered it, {int(self.rounds['respondents'].iloc[-1])} answered "
            f"this round, {self.current}). Rounds in the database: "
            + ", ".join(self.rounds["label"].astype(str))
            + "."
        )

    def rounds_table(self) -> pd.DataFrame:
        """The rounds compared, one row each (label, year, source, respondents,
        programmes, activity types not comparable with today's)."""
        cols = ["label", "year", "source", "respondents", "programmes", "not_comparable"]
        return self.rounds[[c for c in cols if c in self.rounds]].set_index("label")

    def activity_labels(self) -> dict[str, str]:
        """Activity code -> label (the questionnaire's)."""
        return dict(self.report.instrument.choice_labels("activity"))

    def counts_note(self) -> str | None:
        """What the published programme counts leave out (public tier)."""
        if self.report.publication.internal:
            return None
        return (
            "Activity types published per Society are counted over the programmes the "
            "register lists; a programme that also runs an activity type published only "
            "in aggregate is counted only under that type, which is shown by zone."
        )

    def _zone(self, df: pd.DataFrame, column: str = "zone") -> pd.DataFrame:
        if self.report.zone == "all":
            return df.reset_index(drop=True)
        return df[df[column].astype(str) == self.report.zone].reset_index(drop=True)

    # -- the register ------------------------------------------------------------------
    def register(self) -> pd.DataFrame:
        """This zone's register as the tier may publish it
        (:func:`toolkit.publish.publish_register`)."""
        from toolkit.publish import publish_register

        return publish_register(
            self.programmes, self.report.publication, frame=self.report.frame, zone=self.report.zone
        )

    def register_caption(self) -> str:
        """What the register shows and leaves out, with the source."""
        facts = self.report.facts()
        text = (
            f"Programme register: one row per programme that the National Societies of "
            f"{self.report.label} listed in the questionnaire ({self.current}); "
            f"{facts['n']} of {facts['population']} Societies answered, so Societies "
            "that did not answer are missing, not without programmes."
        )
        if not self.report.publication.internal:
            text += (
                " Published items only: programmes running an activity type published "
                "only in aggregate are not listed, and the programmes' contact roles are "
                "never published per Society."
            )
        return f"{text} Source: {facts['source']}."

    def register_html(self, register: pd.DataFrame | None = None) -> Any:
        """The register as a sortable, filterable HTML table (works offline), for
        display in the notebook and its HTML report."""
        from IPython.display import HTML

        from toolkit.publish import register_html, register_labels

        table = self.register() if register is None else register
        return HTML(
            register_html(
                table,
                labels=register_labels(self.report.instrument),
                caption=self.register_caption(),
                mark=self.report.publication.mark,
            )
        )

    def shown_programmes(self) -> pd.DataFrame:
        """The programmes the figures of this tier describe: in the public tier those
        the register lists (of the report's zone)."""
        listed = self.register()
        return self._zone(
            self.programmes[self.programmes["programme_id"].isin(listed["programme_id"])]
        )

    def unasked(self, *columns: str) -> str:
        """A sentence saying which of ``columns`` the study's questionnaire does not ask
        about its programmes (its own version of the form may leave them out), for a
        figure that needs them; ``""`` when it asks them all."""
        missing = [c for c in columns if c not in self.programmes.columns]
        if not missing:
            return ""
        names = [_ASKED.get(c, c) for c in missing]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return (
            f"This study's questionnaire does not ask the programmes' {listed} (its "
            "programme repeat has no such question), so this figure is not drawn."
        )

    def programme_counts(self) -> pd.DataFrame:
        """Programmes and Societies per zone and activity type, published
        (:func:`toolkit.publish.publish_programme_counts`; every zone and all)."""
        from toolkit.mapping import activity_codes
        from toolkit.publish import publish_programme_counts

        if "counts" not in self._cache:
            self._cache["counts"] = publish_programme_counts(
                self.programmes,
                self.report.publication,
                self.report.raw_estimates(),
                codes=[c for c in activity_codes(self.report.instrument) if c != "other"],
                zones=self.report.study.zones,
            )
        return self._cache["counts"]

    def cooperation(self) -> dict[str, pd.DataFrame]:
        """``programmes=`` and ``partners=`` for route coverage, route summaries,
        cooperation pairs and chains: the recorded partnerships this tier may use
        (empty dict without a programme list: the proxy is used)."""
        from toolkit.mapping import load_routes, programme_partners
        from toolkit.publish import tier_programmes

        if not self.has_register:
            return {}
        mine = tier_programmes(self.programmes, self.report.publication)
        frame = self.report.frame
        return {
            "programmes": mine,
            "partners": programme_partners(mine, frame=frame, routes=load_routes(frame=frame)),
        }

    # -- rounds ------------------------------------------------------------------------
    def _require_earlier(self) -> None:
        if not self.has_earlier:
            raise ParameterError(
                "the study names no earlier round.",
                column="rounds",
                hint="add the earlier round under 'rounds:' in study.yaml.",
            )

    def programme_changes(self) -> pd.DataFrame:
        """Per programme of this zone: new, continued, ended, planned or not known since
        the previous round, as the tier may publish it."""
        from toolkit.publish import publish_transitions

        self._require_earlier()
        t = self._table("programme_changes")
        if t is None:
            return pd.DataFrame()
        t = t[(t["round_current"].astype(str) == self.current) & t["ns_iso3"].isin(self._codes)]
        return self._zone(publish_transitions(t, self.report.publication))

    def change_summary(self, changes: pd.DataFrame) -> pd.DataFrame:
        """Programmes by transition, per zone (and all zones)."""
        from toolkit.mapping import PROGRAMME_TRANSITIONS

        table = pd.crosstab(changes["zone"].astype(str), changes["transition"].astype(str))
        table = table.reindex(columns=list(PROGRAMME_TRANSITIONS), fill_value=0)
        if len(table) > 1:
            table.loc["all"] = table.sum()
        table.columns.name = None
        return table

    def _answers(self) -> tuple[pd.DataFrame, dict[int, pd.DataFrame], list[str]]:
        """This round's and the earlier rounds' Society-level answers, the codes."""
        from toolkit.mapping import activity_codes
        from toolkit.run._round_load import society_answers

        codes = [c for c in activity_codes(self.report.instrument) if c != "other"]
        now = society_answers(self.report.scope["responses"], codes)
        old = self._table("round_responses")
        history = {}
        if old is not None:
            old = old[old["ns_iso3"].astype(str).isin(self._codes)]
            history = {
                int(str(y)): g.drop(columns=["round", "year"]) for y, g in old.groupby("year")
            }
        return now, history, codes

    def _comparable(self, label: str) -> list[str]:
        r = self.rounds.set_index("label")
        return str(r.at[label, "comparable"] or "").split() if "comparable" in r else []

    def raw_change(self, level: float = _LEVEL) -> pd.DataFrame:
        """Change in each activity share since the previous round, every zone and all,
        before disclosure control (analysis only)."""
        from toolkit.mapping import activity_change

        self._require_earlier()
        key = ("change", level)
        if key not in self._cache:
            stored = self._table("activity_change")
            if stored is not None and level == _LEVEL:
                t = stored[stored["round_current"].astype(str) == self.current]
            else:
                now, history, codes = self._answers()
                year = int(self.rounds["year"].iloc[-2])
                both = [c for c in codes if c in self._comparable(str(self.previous))]
                t = activity_change(
                    self.report.frame,
                    history[year],
                    now,
                    instrument=self.report.instrument,
                    codes=both,
                    classes=self.report.study.config["weighting"]["classes"],
                    level=level,
                ).assign(round_previous=self.previous, round_current=self.current, comparable=True)
            self._cache[key] = t.reset_index(drop=True)
        return self._cache[key]

    def activity_change(self, level: float = _LEVEL) -> pd.DataFrame:
        """This zone's change since the previous round, as the tier may publish it
        (:func:`toolkit.publish.publish_change`)."""
        from toolkit.publish import publish_change

        out = publish_change(
            self.raw_change(level), self.report.publication, self.report.raw_estimates()
        )
        return self._zone(out)

    def carry_forward(self, max_age: int = 2, level: float = _LEVEL) -> pd.DataFrame:
        """This round's weighted shares beside the carry-forward sensitivity: the last
        answers (at most ``max_age`` years old) of this round's non-respondents
        standing in for theirs (:func:`toolkit.nonresponse.carry_forward_shares`),
        published (:func:`toolkit.publish.publish_carry_forward`)."""
        from toolkit.nonresponse import carry_forward_shares
        from toolkit.publish import publish_carry_forward

        self._require_earlier()
        now, history, codes = self._answers()
        labels = dict(zip(self.rounds["year"].astype(int), self.rounds["label"].astype(str)))
        carried = sorted({c for y in history for c in self._comparable(labels[y])})
        table = carry_forward_shares(
            self.report.frame,
            now,
            history,
            year=int(self.rounds["year"].iloc[-1]),
            max_age=max_age,
            variables=[f"activities__{c}" for c in codes if c in carried],
            classes=self.report.study.config["weighting"]["classes"],
            level=level,
        )
        names = self.report.instrument.choice_labels("activity")
        table.insert(3, "label", table["code"].map(names).fillna(table["code"]))
        out = publish_carry_forward(table, self.report.publication, self.report.raw_estimates())
        return self._zone(out)


def programme_report(report: Report) -> ProgrammeReport:
    """The programme register and the rounds of an opened report."""
    return ProgrammeReport(report)
