"""A study's interview inputs: every interview file its configuration lists, read and
validated at once, the answer types its questionnaire allows, and its pseudonymisation
key for the run.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.errors import InterviewDataError
from toolkit.ingest import mask_text, personal_columns
from toolkit.interviews._answers import AnswerSpec, read_answers
from toolkit.interviews._codebook import Codebook, read_codebook
from toolkit.interviews._io import ISSUE_COLUMNS
from toolkit.interviews._segments import read_segments

__all__: list[str] = []


def answer_spec(instrument: Any) -> dict[str, AnswerSpec]:
    """What structured interview answers may hold, from the questionnaire.

    Parameters
    ----------
    instrument : Instrument
        The study's XLSForm (:func:`toolkit.instrument.load_instrument`).

    Returns
    -------
    dict
        Column -> spec for :func:`read_answers`: ``select_one`` / ``select_multiple``
        questions may hold their choice names, each ``<q>__<choice>`` indicator ``0`` /
        ``1``, ``integer`` questions a whole number, ``decimal`` a number and other
        questions text.  Personal fields (respondent name, email, phone ...) and form
        metadata are left out, so such columns are reported and not imported.
    """
    fields = instrument.fields()
    types = dict(zip(fields["name"], fields["type"], strict=True))
    personal = set(personal_columns(list(types), types))
    out: dict[str, AnswerSpec] = {}
    for name, typ, lst in zip(fields["name"], fields["type"], fields["list_name"], strict=True):
        if (
            name in personal
            or name == "ns_iso3"
            or typ in ("start", "end", "today", "deviceid", "calculate")
        ):
            continue
        if typ in ("select_one", "select_multiple") and lst in instrument.choices:
            names = [str(c) for c in instrument.choice_names(lst)]
            out[name] = names
            if typ == "select_multiple":
                for c in names:
                    out[f"{name}__{c}"] = ["0", "1"]
        elif typ == "integer":
            out[name] = "integer"
        elif typ == "decimal":
            out[name] = "number"
        else:
            out[name] = "text"
    return out


@dataclass(frozen=True)
class StudyInterviews:
    """Every interview file of a study, read and validated.

    Attributes
    ----------
    codebook : Codebook
    segments : DataFrame
        Accepted coded segments of all segment files (columns of :func:`read_segments`).
    issues : DataFrame
        Problems found in any file (``file, row, column, value, problem, action``);
        values are masked for emails and phone numbers.
    quarantine : DataFrame
        Rejected rows (``file``, ``row``, identifying columns and ``reason``; the
        segment text is left out because it may hold personal details).
    answers : DataFrame or None
        Structured interview answers (one row per Society), when the study lists them.
    n_rows : int
        Segment rows read; ``len(segments) + `` the quarantined segment rows.
    files : tuple of str
        The files read (segment files, then the answers file if any).
    answers_file : str or None
        The structured answers file, if the study lists one.
    """

    codebook: Codebook
    segments: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    answers: pd.DataFrame | None = None
    n_rows: int = 0
    files: tuple[str, ...] = field(default_factory=tuple)
    answers_file: str | None = None

    def in_zone(self, zone: str, coder: str | None = None) -> pd.DataFrame:
        """Accepted segments of the Societies of one zone (``"all"``: every segment),
        optionally of one coder only (e.g. :func:`primary_coder`, for quotes)."""
        seg = self.segments
        if zone != "all":
            seg = seg[seg["zone"].astype(str) == zone]
        if coder is not None:
            seg = seg[seg["coder"].astype(str) == coder]
        return seg.reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per file: rows read, accepted, quarantined and issues found (file
        names without their folder)."""

        def names(t: pd.DataFrame) -> pd.Series:
            if not len(t):
                return pd.Series([], dtype=object)
            return t["file"].map(lambda p: Path(str(p)).name if pd.notna(p) else "")

        seg, quar, iss = names(self.segments), names(self.quarantine), names(self.issues)
        rows = []
        for f in self.files:
            name = Path(f).name
            if self.answers_file is not None and f == self.answers_file:
                acc = 0 if self.answers is None else len(self.answers)
            else:
                acc = int((seg == name).sum())
            q = int((quar == name).sum())
            rows.append(
                {
                    "file": name,
                    "rows": acc + q,
                    "accepted": acc,
                    "quarantined": q,
                    "issues": int((iss == name).sum()),
                }
            )
        return pd.DataFrame(rows, columns=["file", "rows", "accepted", "quarantined", "issues"])


_QUARANTINE_KEEP = (
    "file",
    "row",
    "interview_id",
    "document",
    "ns_iso3",
    "coder",
    "code",
    "tag",
    "Codename",
    "File",
    "Coder",
    "reason",
)


def read_study_interviews(
    study: Any, *, frame: pd.DataFrame | None = None, instrument: Any | None = None
) -> StudyInterviews:
    """Read and validate every interview file a study configuration lists.

    Parameters
    ----------
    study : Study
        From :func:`toolkit.run.load_study` (``paths.interviews``: ``codebook``,
        ``segments`` (a list), optionally ``documents`` and ``answers``).
    frame : DataFrame, optional
        Membership table (default the study's frame); every zone's Societies must be
        in it, so pass the full frame, not one zone.
    instrument : Instrument, optional
        For the answers file (default the study's instrument).

    Returns
    -------
    StudyInterviews

    Raises
    ------
    InterviewDataError
        If the study lists no codebook or no segment file, or a file cannot be read.
    """
    paths = (study.config.get("paths") or {}).get("interviews") or {}
    if not paths.get("codebook") or not paths.get("segments"):
        raise InterviewDataError(
            "the study lists no interview codebook or coded segments.",
            file=str(study.path),
            column="paths.interviews",
            hint="add 'codebook:' and 'segments:' (a list of files) under paths.interviews "
            "in study.yaml.",
        )
    frame = study.frame() if frame is None else frame
    codebook = read_codebook(paths["codebook"])
    documents = paths.get("documents")
    data, issues, quarantine, files = [], [], [], []
    n_rows = 0
    for f in paths["segments"]:
        imp = read_segments(f, codebook=codebook, frame=frame, documents=documents)
        data.append(imp.data)
        issues.append(imp.issues)
        keep = [c for c in _QUARANTINE_KEEP if c in imp.quarantine.columns]
        quarantine.append(imp.quarantine[keep])
        files.append(str(f))
        n_rows += imp.n_rows
    answers = None
    if paths.get("answers"):
        inst = study.instrument() if instrument is None else instrument
        imp = read_answers(paths["answers"], allowed=answer_spec(inst), frame=frame)
        answers = imp.data
        issues.append(imp.issues)
        q = imp.quarantine
        quarantine.append(q[[c for c in ("file", "row", "ns_iso3", "reason") if c in q]])
        files.append(str(paths["answers"]))
    segs = pd.concat(data, ignore_index=True)
    dup = segs.duplicated(["interview_id", "coder", "code", "segment"])
    if dup.any():
        # the same coding in two files: keep the first, say so
        extra = segs[dup]
        issues.append(
            pd.DataFrame(
                {
                    "file": extra["file"],
                    "row": extra["row"],
                    "column": "segment",
                    "value": extra["interview_id"].astype(str),
                    "problem": "the same coded segment is in an earlier file",
                    "action": "quarantined",
                }
            )
        )
        quarantine.append(
            extra[["file", "row", "interview_id", "ns_iso3", "coder", "code"]].assign(
                reason="duplicate of a segment in an earlier file"
            )
        )
        segs = segs[~dup].reset_index(drop=True)
    iss = pd.concat(
        [i for i in issues if len(i)] or [pd.DataFrame(columns=ISSUE_COLUMNS)], ignore_index=True
    )[ISSUE_COLUMNS]
    if len(iss):
        iss["value"] = mask_text(iss["value"].astype("string"))
    quar = pd.concat(
        [q for q in quarantine if len(q)] or [pd.DataFrame(columns=["file", "row", "reason"])],
        ignore_index=True,
    )
    for t in (iss, quar):
        if len(t):
            t["file"] = t["file"].map(lambda p: Path(str(p)).name if pd.notna(p) else p)
    segs["file"] = segs["file"].astype("string")
    return StudyInterviews(
        codebook=codebook,
        segments=segs,
        issues=iss,
        quarantine=quar,
        answers=answers,
        n_rows=n_rows,
        files=tuple(files),
        answers_file=str(paths["answers"]) if paths.get("answers") else None,
    )


def study_key(study: Any) -> tuple[bytes, str]:
    """The pseudonymisation key for this run and a sentence saying where it came from.

    Parameters
    ----------
    study : Study
        Its ``privacy.key_env`` names the environment variable holding the key.

    Returns
    -------
    key : bytes
        The study's key, or a random key for this run when the variable is unset.
    message : str
        Says which (never contains the key).
    """
    env = str(study.config.get("privacy", {}).get("key_env") or "NSMAP_PSEUDONYM_KEY")
    key = study.pseudonym_key()
    if key:
        return key.encode("utf-8"), (
            f"Speakers and interviews are pseudonymised with the key "
            f"in the environment variable {env}: the same person "
            "gets the same pseudonym in every run."
        )
    return secrets.token_bytes(32), (
        f"The environment variable {env} is not set, so a random key is used for this run "
        "only: pseudonyms will differ from one run to the next and cannot be linked. Set "
        f"{env} (and keep it secret) for stable pseudonyms."
    )
