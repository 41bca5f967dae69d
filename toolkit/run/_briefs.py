"""The policy briefs of a run: their languages, their tasks in the run's process pool,
and what the manifest records of them.

A brief is built from the published estimates the report notebooks use
(:meth:`toolkit.run.Report.estimates`, i.e. the run's publication policy applied to the
weighted shares) with the notebooks' own ``level`` and ``max_distance`` (the defaults
of ``03_activity_mapping``, or the run's ``--param`` values), so it can never state a
number the reports do not publish.

The briefs run in the pool that executes the notebooks, in two steps: one task
(:func:`prepare_briefs`) computes what every zone's brief shares (the estimates of all
zones, route coverage, cooperation pairs) once and returns the language-neutral briefs;
then one short task per zone and language (:func:`write_brief_language`) writes the
PDF, Word and web files.  :class:`BriefCollector` gathers them into one
:class:`BriefResult` per zone.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import InputError, ParameterError, StoreError
from toolkit.run._study import Study, load_study

__all__ = [
    "BriefCollector",
    "BriefPart",
    "BriefResult",
    "Prepared",
    "brief_options",
    "briefs_manifest",
    "prepare_briefs",
    "run_languages",
    "store_ready",
    "write_brief_language",
]

#: Notebook whose parameters the briefs share (the one that publishes the shares).
_SOURCE_NOTEBOOK = "03_activity_mapping"
#: Parameters of that notebook the briefs use.
_SHARED = ("level", "max_distance")


@dataclass
class BriefResult:
    """Outcome of the briefs of one zone.

    Attributes
    ----------
    zone : str
    status : {"ok", "failed", "skipped"}
    seconds : float
    files : dict
        ``{lang: {format: path relative to the run folder}}`` (``thumbnail`` too).
    cards : dict
        ``{lang: BriefCard.to_dict()}`` for the landing page.
    findings : list of dict
        The key findings, language-neutral: kind, indicator, zones, wording and the
        numbers shown (:meth:`toolkit.publish.Finding.shown`).
    fallbacks : dict
        Texts that fell back to English (:meth:`toolkit.publish.Fallbacks.to_dict`).
    error : str
    answered, societies : int
        The brief's data note: Societies that answered, of all in the zone.
    """

    zone: str
    status: str
    seconds: float = 0.0
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    fallbacks: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    answered: int = 0
    societies: int = 0


def run_languages(spec: str | Sequence[str] | None, study: Study) -> tuple[str, ...]:
    """The languages of a run: ``spec`` (``--lang fr,es``) or the study's
    ``report.languages``.

    Raises
    ------
    ParameterError
        For a code without a catalogue (the message lists the available ones); checked
        before anything runs.
    """
    if spec is None:
        return tuple(study.languages)
    from toolkit.publish import check_languages

    try:
        return check_languages(spec, key="--lang")
    except InputError as exc:
        raise ParameterError(exc.problem, column="--lang", value=exc.value, hint=exc.hint) from exc


def brief_options(user: Mapping[str, Any]) -> dict[str, Any]:
    """``level`` and ``max_distance`` as notebook ``03_activity_mapping`` gets them: its
    declared defaults, overridden by the run's ``--param`` values."""
    from toolkit.errors import ToolkitError
    from toolkit.run._notebooks import find_notebook, notebook_parameters

    out: dict[str, Any] = {"level": 0.95, "max_distance": 2}
    try:
        table = notebook_parameters(find_notebook(_SOURCE_NOTEBOOK))
        declared = dict(zip(table["name"], table["value"]))
        out.update({k: declared[k] for k in _SHARED if k in declared})
    except ToolkitError:  # a custom set of notebooks without it
        pass
    out.update({k: user[k] for k in _SHARED if k in user})
    return out


def store_ready(study: Study) -> bool:
    """Whether the study's analytical database has been written (the briefs read it;
    a worker must never start an ingestion of its own)."""
    from toolkit.store import read_store

    try:
        read_store(study.processed)
    except StoreError:
        return False
    return True


def _finding_record(f: Any) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "dimension": f.dimension,
        "code": f.code,
        "zone": f.zone,
        "other_zone": f.other_zone,
        "wording": f.wording,
        "shown": f.shown(),
    }


@dataclass
class Prepared:
    """What :func:`prepare_briefs` returns: the language-neutral briefs, or an error."""

    briefs: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""


@dataclass
class BriefPart:
    """The brief of one zone in one language (:func:`write_brief_language`)."""

    zone: str
    lang: str
    status: str
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    fallbacks: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def prepare_briefs(
    study: str, zones: Sequence[str], audience: str, date: str, options: Mapping[str, Any]
) -> Prepared:
    """Build the language-neutral brief of every zone (in a worker process).

    Never raises: a failure is returned with its error and the run goes on.

    Parameters
    ----------
    study : str
        ``study.yaml``.
    zones : sequence of str
        The zones of the run (``all`` among them for the network brief).
    audience : str
        The run's tier (an internal brief carries the mark on every page).
    date : str
        ISO date printed on the briefs (the run's date).
    options : mapping
        ``level`` and ``max_distance`` (:func:`brief_options`).
    """
    start = time.perf_counter()
    try:
        from toolkit.publish import briefs_from_report
        from toolkit.run._programme_report import programme_report
        from toolkit.run._report import open_report

        if not store_ready(load_study(study)):  # never start an ingestion in a worker
            raise StoreError(
                "the analytical database of the study has not been written.",
                file=study,
                hint="run 'nsmap validate' or 'nsmap run' with ingestion first.",
            )
        report = open_report(study, "all", audience=audience)
        briefs = briefs_from_report(
            report,
            list(zones),
            level=float(options["level"]),
            max_distance=int(options["max_distance"]),
            date=dt.date.fromisoformat(date),
            notice=report.publication.mark,
            cooperation=programme_report(report).cooperation(),  # as notebook 03
        )
    except Exception as exc:  # keep the run going; the error is reported
        return Prepared(seconds=round(time.perf_counter() - start, 2), error=_failure(exc))
    return Prepared(briefs, round(time.perf_counter() - start, 2))


def write_brief_language(brief: Any, folder: str, run_dir: str, lang: str) -> BriefPart:
    """Write one zone's brief in one language, and its landing-page card (in a worker).

    Never raises.  Paths in the result are relative to ``run_dir``.
    """
    start = time.perf_counter()
    try:
        from toolkit.publish import Fallbacks, brief_card, get_language, write_brief

        record = Fallbacks()
        language = get_language(lang, fallbacks=record)
        written = write_brief(brief, folder, language, thumbnail=True)
        root = Path(run_dir)
        files = {k: p.relative_to(root).as_posix() for k, p in written.items()}
        card = brief_card(brief, language, headlines=3 if brief.zone == "all" else 0)
    except Exception as exc:  # keep the run going; the error is reported
        return BriefPart(
            brief.zone, lang, "failed", round(time.perf_counter() - start, 2), error=_failure(exc)
        )
    return BriefPart(
        brief.zone,
        lang,
        "ok",
        round(time.perf_counter() - start, 2),
        files,
        card.to_dict(),
        record.to_dict(),
    )


class BriefCollector:
    """The briefs of a run as their tasks finish: one :class:`BriefResult` per zone."""

    def __init__(self, zones: Sequence[str], languages: Sequence[str]) -> None:
        self.zones = list(zones)
        self.languages = list(languages)
        self.prepare_seconds = 0.0
        self._results = {z: BriefResult(z, "ok") for z in self.zones}

    def prepared(self, prepared: Prepared) -> list[tuple[Any, str]]:
        """Record the prepared briefs; returns the (brief, language) pairs to write."""
        self.prepare_seconds = prepared.seconds
        if prepared.error:
            for r in self._results.values():
                r.status, r.error = "failed", prepared.error
            return []
        for zone, brief in prepared.briefs.items():
            r = self._results[zone]
            r.findings = [_finding_record(f) for f in brief.findings]
            r.answered, r.societies = brief.n, brief.population
        return [(prepared.briefs[z], lang) for z in self.zones for lang in self.languages]

    def written(self, part: BriefPart) -> None:
        """Record one zone's brief in one language."""
        from toolkit.publish import Fallbacks

        r = self._results[part.zone]
        r.seconds = round(r.seconds + part.seconds, 2)
        if part.status != "ok":
            r.status = "failed"
            r.error = r.error or f"{part.lang}: {part.error}"
            return
        r.files[part.lang] = part.files
        r.cards[part.lang] = part.card
        record = Fallbacks()
        record.update(r.fallbacks)
        record.update(part.fallbacks)
        r.fallbacks = record.to_dict()

    def results(self) -> list[BriefResult]:
        """One result per zone, in the run's order; languages in the run's order."""
        out = []
        for zone in self.zones:
            r = self._results[zone]
            r.files = {k: r.files[k] for k in self.languages if k in r.files}
            r.cards = {k: r.cards[k] for k in self.languages if k in r.cards}
            out.append(r)
        return out


def briefs_manifest(
    results: Sequence[BriefResult],
    languages: Sequence[str],
    index_fallbacks: Any = None,
    *,
    reason: str = "",
    prepare_seconds: float = 0.0,
) -> dict[str, Any]:
    """The manifest's ``briefs`` section.

    ``seconds`` is the work of the brief tasks (preparing, then writing each zone in
    each language; they run in the pool beside the notebooks).  ``fallbacks`` counts,
    per language, every text of the briefs and of the run's pages that fell back to
    English (``count``: uses; ``distinct``: texts; ``texts``: which).
    """
    from toolkit.publish import Fallbacks

    record = Fallbacks()
    for r in results:
        record.update(r.fallbacks)
    if index_fallbacks is not None:
        record.update(index_fallbacks)
    fallbacks = record.to_dict()
    return {
        "languages": list(languages),
        "formats": ["pdf", "docx", "html"],
        "written": sum(r.status == "ok" for r in results) * len(languages),
        "seconds": round(prepare_seconds + sum(r.seconds for r in results), 2),
        "prepare_seconds": prepare_seconds,
        "skipped": reason,
        "fallbacks": {
            code: fallbacks.get(code, {"count": 0, "distinct": 0, "texts": []})
            for code in languages
        },
        "zones": [
            {
                "zone": r.zone,
                "status": r.status,
                "seconds": r.seconds,
                "error": r.error,
                "answered": r.answered,
                "societies": r.societies,
                "files": r.files,
                "findings": r.findings,
            }
            for r in results
        ],
    }
