"""Personal data protection: keyed pseudonyms, masking of free text, small-cell rules.

Respondent names, emails and phone numbers are replaced at ingestion by a keyed
pseudonym (HMAC-SHA-256 with a study key), so that the same person gets the same
pseudonym across files of one study without the name ever being stored.  The key
comes from the study configuration or the ``NSMAP_PSEUDONYM_KEY`` environment variable
and is never written to any output.

Which questions hold personal data is decided once per form by
:func:`personal_questions`, for the questions answered once per submission and for
those of repeat groups alike (a child's name in a ``children`` repeat is as personal
as the respondent's): their answers never reach the data, the repeat tables or the
quarantine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable

import numpy as np
import pandas as pd

from toolkit.ingest._stack import Stack, factorize_text
from toolkit.instrument import Instrument

__all__ = [
    "KEY_ENV",
    "PERSONAL_FIELDS",
    "PERSONAL_METADATA",
    "mask_block",
    "mask_columns",
    "mask_text",
    "personal_columns",
    "personal_questions",
    "pseudonymise",
    "resolve_key",
]

#: Environment variable holding the pseudonymisation key.
KEY_ENV = "NSMAP_PSEUDONYM_KEY"

#: Questions of the bundled instrument that identify a person.
PERSONAL_FIELDS: tuple[str, ...] = ("resp_name", "resp_email", "resp_phone", "resp_position")

#: XLSForm metadata types and export columns that identify a person or a device.
PERSONAL_METADATA: tuple[str, ...] = (
    "_submitted_by",
    "username",
    "email",
    "phonenumber",
    "deviceid",
    "simserial",
    "subscriberid",
    "audit",
    "_geolocation",
    "SubmitterName",
    "SubmitterID",
    "DeviceID",
)
_PERSONAL_TYPES = {
    "username",
    "email",
    "phonenumber",
    "deviceid",
    "simserial",
    "subscriberid",
    "audit",
}
# Column names that say they hold contact details or a person's name.  The contact word
# must end the name (optionally with number/address/digits), so that "contact_email",
# "phone_number" or "whatsapp2" match but "mobile_clinics" or "phone_calls" do not.
_NAME_HINT = re.compile(
    r"(^|_)(e_?mail|phone|telephone|tel|mobile|cellphone|whatsapp)"
    r"(_?(number|no|nr|num|address|addr))?_?\d*$"
    r"|(^|_)(resp|respondent|contact|focal_point|focal|person|interviewee|enumerator"
    r"|informant|submitter)_?(full_?|first_?|last_?|family_?|sur)?name_?\d*$"
    r"|^(full_?|first_?|last_?|family_?|sur)name_?\d*$",
    re.IGNORECASE,
)
# Words for a person, in question names and group paths ("childs_name", "name_of_child",
# "members/name"), with the plural or possessive "s".  Organisations, programmes,
# places and partners are not persons: "prog_name", "partner_name" are not matched.
_PERSON = (
    r"(?:resp|respondent|contact|focal_?point|focal|person|people|interviewee|enumerator"
    r"|informant|submitter|child|children|kid|baby|infant|member|hh_?member|head|hh_?head"
    r"|household_?head|hhh|mother|father|parent|spouse|husband|wife|guardian|caregiver"
    r"|carer|beneficiary|beneficiarie|patient|participant|victim|witness|migrant|refugee"
    r"|client|student|pupil|staff|volunteer|worker|employee|owner|interviewer|surveyor"
    r"|collector|applicant|caller|user|girl|boy|man|woman|women|individual|relative"
    r"|sibling|brother|sister|son|daughter|teacher|doctor|nurse|chief|leader|manager"
    r"|supervisor|director|deceased|missing_person|traced_person|enfant|personne|nino|nina"
    r"|madre|padre|mere|pere|membre|beneficiaire)s?"
)
_PARTS_OF_NAME = r"(?:full_?|first_?|last_?|family_?|sur|given_?|middle_?|maiden_?|nick_?|fore)"
_PERSON_NAME = re.compile(
    rf"(?:^|_){_PERSON}_?{_PARTS_OF_NAME}?_?names?_?\d*$"
    rf"|(?:^|_)names?_(?:of_)?(?:the_)?{_PERSON}_?\d*$"
    rf"|^{_PARTS_OF_NAME}names?_?\d*$"
    r"|^(?:prenoms?|nom_?prenoms?|noms?_?complets?|nombres?_?completos?|apellidos?"
    r"|nombres?_?y_?apellidos?)_?\d*$",
    re.IGNORECASE,
)
_PLAIN_NAME = re.compile(r"^(?:names?|nom|nombre|fname|lname)_?\d*$", re.IGNORECASE)
_PERSON_GROUP = re.compile(rf"^(?:\w+_)?{_PERSON}(?:_\w+)?$", re.IGNORECASE)
# Labels that ask for a person's name or contact details (English, French, Spanish,
# Arabic).  "Name of the National Society", "Programme name" or "role only, never a
# person's name" are not matched.
_LABEL_HINT = re.compile(
    r"\b(?:first|full|last|family|given|middle|maiden|sur)[ -]?names?\b"
    r"|\b(?:child|kid|baby|respondent|member|head|mother|father|parent|spouse|husband|wife"
    r"|guardian|caregiver|beneficiary|patient|participant|interviewee|informant|migrant"
    r"|owner|volunteer)(?:['’]s|s['’]?)\s+(?:first\s+|full\s+|last\s+|given\s+)?names?\b"
    r"|\bname\s+of\s+(?:the\s+|your\s+|this\s+|each\s+)?(?:person|child|respondent|member"
    r"|head|mother|father|parent|spouse|beneficiary|patient|participant|interviewee"
    r"|caregiver|guardian|informant|contact|focal\s+point)"
    r"|\b(?:your|his|her|their)\s+name\b"
    r"|\bpr[ée]noms?\b|\bnom\s+(?:et\s+pr[ée]nom|de\s+famille|complet)\b"
    r"|\bnom\s+de\s+l['’](?:enfant|int[ée]ress[ée])"
    r"|\bnombre\s+(?:completo|y\s+apellidos?)\b|\bapellidos?\b"
    r"|\b(?:e-?mail|phone|telephone|mobile|cell\s?phone)\s+(?:address|number)\b"
    r"|\bnum[ée]ro\s+de\s+t[ée]l[ée]phone|\bn[úu]mero\s+de\s+(?:tel[ée]fono|celular)"
    r"|\bcorreo\s+electr[óo]nico|\badresse\s+(?:e-?mail|[ée]lectronique)"
    r"|الاسم\s+الكامل|الاسم\s+الأول|اسم\s+العائلة|رقم\s+الهاتف|البريد\s+الإلكتروني",
    re.IGNORECASE,
)
_YES = {"yes", "true", "1", "y", "personal", "oui", "si", "sí"}
_NO = {"no", "false", "0", "n", "non"}

# A local part starts a run of its characters, or (an address glued to the previous one)
# is at most 64 long: trying every start inside a long run would be quadratic.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
    r"|[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
)
# Candidate phone numbers: an optional "+", then digit groups (a group may be bracketed,
# "(555)", "(0)") joined by at most one separator (space, '.', '-', '/').  Brackets
# around a whole number, "(+41 22 730 42 22)", stay in the text.  Whether a candidate
# is a phone number is decided by _is_phone (dates, years and counts are not).  Digit
# runs are possessive and two runs need a separator (or a bracket) between them: a run
# that could be split anywhere backtracks exponentially ("1" * 30 + "a").
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?)?(?:\(\+?\d+\)(?:[ \u00a0.\-/]?\(\d+\)|(?:[ \u00a0.\-/]|(?<=\)))\d++)+"
    r"|\d++(?:[ \u00a0.\-/]?\(\d+\)|(?:[ \u00a0.\-/]|(?<=\)))\d++)*)(?!\w)"
)
_DATE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))"
    r"(?:[ T]\d{1,2})?$"
)
_YEARS = re.compile(r"^(?:19|20)\d\d(?:\s?[-/ ]\s?(?:(?:19|20)\d\d|\d\d))+$")
_GROUPED = re.compile(
    r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d{1,3}(?:\.\d{3})+(?:,\d+)?$"
    r"|^\d{1,2}(?:[ \u00a0]\d{3})+$"
)


def _is_phone(candidate: str) -> bool:
    """Tell a phone number from a date, a year range or a count in running text."""
    digits = sum(ch.isdigit() for ch in candidate)
    if digits < 7 or digits > 15:  # E.164 numbers have at most 15 digits
        return False
    if candidate.startswith(("+", "(")):
        return True
    if _DATE.match(candidate) or _YEARS.match(candidate) or _GROUPED.match(candidate):
        return False
    if candidate.isdigit():
        # 0227304222 or 0041... are phone numbers; 12000000 is a count.
        return candidate.startswith("0") or digits >= 10
    return True


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    return "[phone]" if _is_phone(text) else text


def resolve_key(key: str | bytes | None = None) -> tuple[bytes, bool]:
    """Return the pseudonymisation key and whether it is stable.

    Parameters
    ----------
    key : str or bytes, optional
        An explicit key (e.g. from ``study.yaml``).  When omitted or empty, the
        ``NSMAP_PSEUDONYM_KEY`` environment variable is used; when that is unset or
        empty too, a random key is drawn for this run only.

    Returns
    -------
    key : bytes
    stable : bool
        ``False`` when the key was drawn at random, in which case pseudonyms cannot be
        linked across runs (callers should say so in their issues report).
    """
    if key is None or (isinstance(key, str) and not key.strip()) or key == b"":
        # An empty key would make pseudonyms a plain hash anyone can recompute.
        env = os.environ.get(KEY_ENV, "")
        key = env if env.strip() else None
    if key is None:
        return secrets.token_bytes(32), False
    return (key.encode("utf-8") if isinstance(key, str) else bytes(key)), True


def pseudonymise(
    values: pd.Series, key: bytes, *, prefix: str = "R", length: int = 10
) -> pd.Series:
    """Replace identifying values by keyed pseudonyms.

    Values are normalised (trimmed, case-folded, inner whitespace collapsed) before
    hashing, so ``" Jane  DOE "`` and ``"jane doe"`` get the same pseudonym.

    Parameters
    ----------
    values : pandas.Series
        Identifying strings; missing values stay missing.
    key : bytes
        Secret key (see :func:`resolve_key`).
    prefix : str, default "R"
        Prefix of the pseudonym.
    length : int, default 10
        Number of hexadecimal characters kept from the HMAC.

    Returns
    -------
    pandas.Series
        Pseudonyms such as ``"R3f9a0c12be"``, aligned with ``values``.
    """
    codes, distinct = factorize_text(values.to_numpy(dtype=object))  # each value once
    norm = distinct.astype("string").str.strip().str.casefold()
    norm = norm.str.replace(r"\s+", " ", regex=True)
    cache: dict[str, str] = {}

    def one(v: object) -> object:
        if v is None or v is pd.NA or v == "":
            return pd.NA
        s = str(v)
        if s not in cache:
            digest = hmac.new(key, s.encode("utf-8"), hashlib.sha256).hexdigest()
            cache[s] = prefix + digest[:length]
        return cache[s]

    pseudonyms = pd.array(np.array([one(v) for v in norm], dtype=object), dtype="string")
    return pd.Series(pseudonyms.take(codes), index=values.index)


#: Longest listed name or place searched for in free text (characters).
_MAX_LISTED = 100


def mask_text(
    text: pd.Series, *, names: Iterable[str] = (), places: Iterable[str] = ()
) -> pd.Series:
    """Mask emails, phone numbers and listed names or places in free text.

    Parameters
    ----------
    text : pandas.Series
        Free-text answers or quotes.
    names, places : iterable of str
        Known personal names and sub-national places to mask (case-insensitive, whole
        words).  Entries longer than 100 characters are not names or places (a pasted
        paragraph in a name field) and are not searched for; the column they came from
        is dropped as personal data all the same.

    Returns
    -------
    pandas.Series
        Text with ``[email]``, ``[phone]``, ``[name]`` and ``[place]`` in place of the
        matches.  Phone numbers are told from numbers that are not: international
        (``+41 22 730 42 22``, ``0044 20 7946 0958``) and bracketed
        (``(555) 123-4567``) forms are masked, while years (``2024``), year ranges,
        dates (``2024-03-01``) and counts (``1,200``, ``1 200 000``, ``12000000``)
        are left alone.  Automatic detection of names that are not listed is not attempted
        here; see :mod:`toolkit.interviews` for quotes.
    """
    out = text.astype("string")
    out = out.str.replace(_EMAIL, "[email]", regex=True)
    out = out.str.replace(_PHONE, _mask_phone, regex=True)
    for words, token in ((names, "[name]"), (places, "[place]")):
        listed = sorted(
            {
                w.strip()
                for w in words
                if isinstance(w, str) and w.strip() and len(w.strip()) <= _MAX_LISTED
            },
            key=len,
            reverse=True,
        )
        if listed:
            # Whole words: not inside another word, even when the listed text starts or
            # ends with punctuation ("J. Doe", "St. Gallen").
            pattern = re.compile(
                r"(?<!\w)(?:" + "|".join(map(re.escape, listed)) + r")(?!\w)", re.IGNORECASE
            )
            out = out.str.replace(pattern, token, regex=True)
    return out


def mask_columns(
    cells: pd.DataFrame, *, names: Iterable[str] = (), places: Iterable[str] = ()
) -> pd.DataFrame:
    """:func:`mask_text` of every column of a table, once per distinct cell value.

    Returns
    -------
    pandas.DataFrame
        Like ``cells``, every column of the ``string`` dtype.
    """
    stack = Stack(cells, list(cells.columns))
    masked = mask_text(stack.values, names=list(names), places=list(places))
    return pd.DataFrame(
        {h: stack.series(masked, h).array for h in cells.columns}, index=cells.index
    )


def mask_block(
    cells: np.ndarray, *, names: Iterable[str] = (), na: str | None = None
) -> np.ndarray:
    """:func:`mask_columns` of a ``(rows, columns)`` array of cells, as an object array
    (``na`` where a cell is missing, ``pd.NA`` by default), once per distinct value."""
    codes, values = factorize_text(np.asarray(cells, dtype=object).ravel(order="F"))
    masked = mask_text(values, names=list(names))
    if na is not None:
        masked = masked.fillna(na)
    return masked.to_numpy(dtype=object)[codes].reshape(cells.shape, order="F")


def personal_columns(
    columns: Iterable[str], instrument_types: dict[str, str] | None = None
) -> list[str]:
    """Columns that hold personal data and must not pass ingestion as they are.

    Parameters
    ----------
    columns : iterable of str
        Question names (after header mapping) or export column names.
    instrument_types : dict, optional
        Question name -> XLSForm type, to catch metadata such as ``phonenumber``.

    Returns
    -------
    list of str
        Known personal fields of the bundled instrument, personal metadata columns,
        questions of personal metadata types, and text columns whose name says they
        hold a person's name, email or phone number (``childs_name`` too; see
        :func:`personal_questions`, which also reads the form's labels).
    """
    types = instrument_types or {}
    out = []
    for col in columns:
        base = str(col).rsplit("/", 1)[-1]
        # ODK Briefcase joins group paths with '-' ("respondent-resp_email").
        bases = {base, base.rsplit("-", 1)[-1]} if base not in types else {base}
        if any(
            b in PERSONAL_FIELDS
            or b in PERSONAL_METADATA
            or types.get(b) in _PERSONAL_TYPES
            or (types.get(b, "text") == "text" and not b.startswith("_") and _names_a_person(b, ""))
            for b in bases
        ):
            out.append(col)
    return out


def personal_questions(instrument: Instrument) -> dict[str, str]:
    """Questions of a form whose answers are personal data, with the reason.

    The same rules hold for questions answered once per submission and for questions
    of repeat groups.  A question is personal when

    * it is a known personal field (:data:`PERSONAL_FIELDS`), a personal metadata name
      (:data:`PERSONAL_METADATA`) or of a personal metadata type (``phonenumber`` ...);
    * the form marks it so: a ``personal`` column on the survey sheet (pyxform ignores
      it) holding ``yes`` / ``true`` / ``1``.  ``no`` / ``false`` / ``0`` there
      overrides the two rules below (for a ``prog_contact_name`` that names an office);
    * it is a text question whose name says it holds contact details or a person's
      name (``resp_email``, ``whatsapp2``, ``childs_name``, ``name_of_child``,
      ``first_name``, ``prenom``), or is a plain ``name`` inside a group or repeat
      named after persons (``children/name``, ``household_members/name``);
    * it is a text question whose label, in any language of the form, asks for a
      person's name or contact details ("Child's first name", "Nom et prénom",
      "Número de teléfono", "رقم الهاتف").

    Parameters
    ----------
    instrument : Instrument

    Returns
    -------
    dict of str to str
        Question name (as in the instrument) -> why it is personal (``field``,
        ``marked``, ``name`` or ``label``).
    """
    fields = instrument.fields()
    labels = [c for c in fields.columns if c.startswith("label")]
    out: dict[str, str] = {}
    for rec in fields.to_dict("records"):
        name = str(rec["name"])
        short = str(rec.get("short_name") or name.rsplit("/", 1)[-1])
        typ = str(rec.get("type", ""))
        mark = str(rec.get("personal", "") or "").strip().casefold()
        if short in PERSONAL_FIELDS or short in PERSONAL_METADATA or typ in _PERSONAL_TYPES:
            out[name] = "field"
        elif mark in _YES:
            out[name] = "marked"
        elif mark in _NO or typ != "text":
            continue
        elif _names_a_person(short, str(rec.get("group", ""))):
            out[name] = "name"
        elif any(isinstance(rec[c], str) and _LABEL_HINT.search(rec[c]) for c in labels):
            out[name] = "label"
    return out


def _names_a_person(short: str, group: str) -> bool:
    """Whether a text question's name says it holds a person's name or contact."""
    if _NAME_HINT.search(short) or _PERSON_NAME.search(short):
        return True
    groups = [g for g in group.split("/") if g]
    return bool(_PLAIN_NAME.match(short)) and any(_PERSON_GROUP.match(g) for g in groups)
