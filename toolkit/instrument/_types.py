"""Question types of XLSForm as pyxform 4.5 knows them, and how a type cell is parsed.

:func:`parse_type` splits a ``type`` cell into a :class:`ParsedType`: the canonical
base type used in the question table (``integer`` for ``int`` or ``q int``,
``select_one`` for ``select one`` or ``select1`` ...), the choice list or choice
file, ``or_other``, and for ``begin`` / ``end`` rows the kind of container (group,
repeat or loop).  As in pyxform, types are case-sensitive: ``Integer`` and ``Select
one from <list>`` are unknown types, and so is ``select multiple <list>``, which is
none of pyxform's aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = [
    "CONTROL_TYPES",
    "FILE_EXTENSIONS",
    "NAME_RE",
    "NCNAME",
    "SETTING_TYPES",
    "ParsedType",
    "parse_type",
    "valid_file_name",
]

# pyxform's XML name rule (NCName, optionally with one 'prefix:'), after eulxml.  As
# in pyxform 4.5, whose pattern has a typo there, the letters U+00C0-U+00D6 (À-Ö) are
# not accepted: pyxform rejects "Élève" and "aÉ", so read_xlsform does too.
_START = (
    "A-Z_a-z\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
NCNAME = rf"[{_START}][{_START}\-.0-9\xb7\u0300-\u036f\u203f-\u2040]*"
NAME_RE = re.compile(rf"{NCNAME}(?::{NCNAME})?")
FILE_EXTENSIONS = (".csv", ".xml", ".geojson")

# Known type -> canonical base type (pyxform 4.5's question type dictionary and
# aliases).  Types absent here, and not selects or begin/end rows, are unknown.
_CANONICAL: dict[str, str] = {
    **dict.fromkeys(["text", "string", "q string", "add text prompt", "phone number"], "text"),
    **dict.fromkeys(["integer", "int", "q int", "add integer prompt", "percentage"], "integer"),
    **dict.fromkeys(
        [
            "number of days in last month",
            "number of days in last six months",
            "number of days in last year",
        ],
        "integer",
    ),
    **dict.fromkeys(["decimal", "q decimal", "add decimal prompt"], "decimal"),
    **dict.fromkeys(["date", "q date", "add date prompt"], "date"),
    # pyxform spells three of them with a capital T (and only so: 'q datetime' is unknown).
    **dict.fromkeys(["datetime", "dateTime", "date time", "q date time", "q dateTime"], "datetime"),
    **dict.fromkeys(["add date time prompt", "add dateTime prompt"], "datetime"),
    "time": "time",
    **dict.fromkeys(["start", "start time", "get start time"], "start"),
    **dict.fromkeys(["end", "end time", "get end time"], "end"),
    **dict.fromkeys(["today", "get today"], "today"),
    **dict.fromkeys(["note", "q note", "add note prompt"], "note"),
    **dict.fromkeys(["calculate", "q calculate", "add calculate prompt"], "calculate"),
    "hidden": "hidden",
    **dict.fromkeys(["acknowledge", "q acknowledge", "add acknowledge prompt"], "acknowledge"),
    "trigger": "trigger",
    **dict.fromkeys(["geopoint", "q geopoint", "gps", "location", "q location"], "geopoint"),
    "add location prompt": "geopoint",
    **dict.fromkeys(["geoshape", "q geoshape"], "geoshape"),
    **dict.fromkeys(["geotrace", "q geotrace"], "geotrace"),
    **dict.fromkeys(["barcode", "q barcode", "add barcode prompt"], "barcode"),
    **dict.fromkeys(["photo", "image", "q image", "q picture", "add image prompt"], "photo"),
    "add photo prompt": "photo",
    **dict.fromkeys(["audio", "q audio", "add audio prompt"], "audio"),
    **dict.fromkeys(["video", "q video", "add video prompt"], "video"),
    **dict.fromkeys(["file", "add file prompt"], "file"),
    **dict.fromkeys(["deviceid", "device id", "get device id", "imei"], "deviceid"),
    **dict.fromkeys(["simserial", "sim id", "get sim id"], "simserial"),
    **dict.fromkeys(["subscriberid", "subscriber id", "get subscriber id"], "subscriberid"),
    **dict.fromkeys(["phonenumber", "get phone number"], "phonenumber"),
    **{f"uri:{t}": t for t in ("deviceid", "simserial", "subscriberid", "phonenumber")},
    **dict.fromkeys(["username", "uri:username"], "username"),
    **dict.fromkeys(["email", "uri:email"], "email"),
    **{
        t: t
        for t in (
            "range",
            "audit",
            "osm",
            "xml-external",
            "csv-external",
            "start-geopoint",
            "background-audio",
            "background-geopoint",
        )
    },
}
# Types shown to the enumerator: pyxform requires a label, hint or media.
CONTROL_TYPES = frozenset(
    {"text", "integer", "decimal", "date", "datetime", "time", "note", "acknowledge"}
    | {"trigger", "geopoint", "geoshape", "geotrace", "barcode", "photo", "audio", "video"}
    | {"file", "range", "osm", "select_one", "select_multiple", "rank"}
)
_SELECTS = {
    "add select one prompt using": "select_one",
    "add select multiple prompt using": "select_multiple",
    "select all that apply from": "select_multiple",
    "select one from": "select_one",
    "select1": "select_one",
    "select_one": "select_one",
    "select one": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "select_one_external": "select_one_external",
    "select_one_from_file": "select_one",
    "select_multiple_from_file": "select_multiple",
    "select one from file": "select_one",
    "select multiple from file": "select_multiple",
    "rank": "rank",
}
_FROM_FILE = {c for c in _SELECTS if "file" in c}
_SELECT_RE = re.compile(
    r"^(?P<cmd>"
    + "|".join(re.escape(c) for c in sorted(_SELECTS, key=len, reverse=True))
    + r") (?P<list>\S+)( (?P<other>or specify other|or_other|or other))?$"
)
_CONTROLS = {"group": "group", "lgroup": "repeat", "repeat": "repeat", "loop": "loop"}
_CONTROLS["looped group"] = "repeat"
_BEGIN_RE = re.compile(
    r"^begin[ _](?P<kind>looped group|lgroup|group|repeat|loop)( (over )?(?P<list>\S+))?$"
)
_END_RE = re.compile(r"^end[ _](?P<kind>looped group|lgroup|group|repeat|loop)$")
SETTING_TYPES = {"form_title": "form_title", "set_form_title": "form_title"}
SETTING_TYPES |= {"form_id": "form_id", "set_form_id": "form_id", "prefix": "prefix"}


@dataclass(frozen=True)
class ParsedType:
    """A ``type`` cell, parsed.

    Attributes
    ----------
    base : str
        Canonical type: ``text``, ``integer``, ``select_one`` ..., ``begin_group``,
        ``begin_repeat``, ``begin_loop``, ``end_group`` / ``end_repeat`` /
        ``end_loop``, ``setting`` (a settings row such as ``form_title``) or
        ``unknown``.
    list_name : str
        Choice list (selects, ``begin loop over``), choice file or ``${question}``.
    or_other : bool
        ``or_other`` / ``or specify other`` was given.
    choice_file : str
        The file of ``select_one_from_file`` / ``select_multiple_from_file``.
    command : str
        The select command as written, for messages.
    """

    base: str
    list_name: str = ""
    or_other: bool = False
    choice_file: str = ""
    command: str = ""


def parse_type(raw: str) -> ParsedType:
    """Parse a ``type`` cell (runs of spaces collapsed; case-sensitive, as in pyxform)."""
    text = " ".join(raw.split())
    m = _END_RE.match(text)
    if m:
        return ParsedType(f"end_{_CONTROLS[m['kind']]}")
    m = _BEGIN_RE.match(text)
    if m:
        list_name = text.split(" ")[-1] if m["list"] else ""
        return ParsedType(f"begin_{_CONTROLS[m['kind']]}", list_name=list_name)
    if text in SETTING_TYPES:
        return ParsedType("setting", command=SETTING_TYPES[text])
    m = _SELECT_RE.match(text)
    if m:
        cmd = m["cmd"]
        # The list name keeps its case: "select_one Yes_No" names list "Yes_No".
        words = text.split(" ")
        list_name = words[len(cmd.split(" "))]
        is_file = cmd in _FROM_FILE
        return ParsedType(
            _SELECTS[cmd],
            list_name=list_name,
            or_other=m["other"] is not None,
            choice_file=list_name if is_file else "",
            command=cmd,
        )
    if text.startswith("osm ") and len(text.split(" ")) == 2:
        return ParsedType("osm", list_name=text.split(" ")[1])  # tags in the osm sheet
    if text in _CANONICAL:
        return ParsedType(_CANONICAL[text])
    if text in _SELECTS:  # a select command without its list
        return ParsedType(_SELECTS[text], command=text)
    return ParsedType("unknown", command=text)


def valid_file_name(list_name: str) -> bool:
    """Whether a choice file name has one of the extensions pyxform accepts."""
    path = PurePosixPath(list_name)
    return len(path.suffixes) == 1 and path.suffix in FILE_EXTENSIONS
