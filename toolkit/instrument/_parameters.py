"""The ``parameters`` column of the survey sheet, checked as pyxform 4.5 checks it.

``parameters`` holds ``key=value`` pairs separated by spaces, commas or semicolons
(``start=1 end=10 step=1``).  pyxform rejects a malformed cell on any row, and on the
types that take parameters a key the type does not accept or a value it cannot use
(``randomize=maybe``, ``rows=two``, a range whose step is zero or wider than the
range ...).  :func:`check_parameters` raises the same faults as an InstrumentError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

__all__ = ["check_parameters", "parse_parameters"]

_TOKEN = re.compile(r"[^\s=,;]+|=")  # spaces, commas and semicolons only separate
_GEO = {"allow-mock-accuracy", "incremental", "reference-geometry"}
_SELECT = {"randomize", "seed"}
# pyxform type as written after its alias step -> accepted keys.
_ACCEPTED: dict[str, set[str]] = {
    "text": {"rows"},
    "photo": {"app", "max-pixels"},
    "image": {"app", "max-pixels"},
    "add image prompt": {"app", "max-pixels"},
    "add photo prompt": {"app", "max-pixels"},
    "audio": {"quality"},
    "add audio prompt": {"quality"},
    "background-audio": {"quality"},
    "geopoint": {"allow-mock-accuracy", "capture-accuracy", "reference-geometry"}
    | {"warning-accuracy"},
    "geoshape": _GEO,
    "geotrace": _GEO,
    "range": {"start", "end", "step", "placeholder", "tick_interval", "tick_labelset"},
    "audit": {"identify-user", "location-max-age", "location-min-interval"}
    | {"location-priority", "track-changes", "track-changes-reasons"},
}
_QUALITY = {"voice-only", "low", "normal", "external"}


def parse_parameters(text: str) -> dict[str, str] | None:
    """``"a=1 b=2"`` -> ``{"a": "1", "b": "2"}`` (keys lower case); ``None`` if malformed."""
    tokens = _TOKEN.findall(text)
    if len(tokens) % 3 or any((t == "=") != (i % 3 == 1) for i, t in enumerate(tokens)):
        return None
    out: dict[str, str] = {}
    for i in range(0, len(tokens), 3):
        key, value = tokens[i].lower(), tokens[i + 2]
        out[key] = value if key in ("label", "value") else value.lower()
    return out


def check_parameters(
    raw_type: str, base: str, is_file: bool, text: str, fail: Callable[[str, str], None]
) -> None:
    """Check a row's ``parameters`` cell; call ``fail(problem, hint)`` on a fault.

    Parameters
    ----------
    raw_type : str
        The type as written (runs of spaces collapsed).
    base : str
        The canonical type (``select_one``, ``range`` ...).
    is_file : bool
        Whether the row is a ``select_*_from_file``.
    text : str
        The ``parameters`` cell.
    fail : callable
        Raises the error; called with the problem and what to do.
    """
    params = parse_parameters(text)
    if params is None:
        fail(
            f"the parameters '{text}' are not 'key=value' pairs.",
            "write them as 'key1=value1 key2=value2'.",
        )
        return
    written = raw_type.lower()
    if base in ("select_one", "select_multiple", "rank", "select_one_external") and " " in written:
        accepted: set[str] | None = _SELECT | ({"label", "value"} if is_file else set())
    else:
        accepted = _ACCEPTED.get(written)
    if accepted is None:
        return  # pyxform does not look at the parameters of other types
    extra = sorted(set(params) - accepted)
    if extra:
        fail(
            f"parameter(s) {', '.join(extra)} are not accepted for type '{raw_type}'.",
            f"use only {', '.join(sorted(accepted))}.",
        )
    _check_values(params, written, base, fail)


def _number(params: dict[str, str], key: str, fail: Callable[[str, str], None]) -> Decimal | None:
    if key not in params:
        return None
    try:
        value = Decimal(params[key])
    except InvalidOperation:
        value = Decimal("inf")
    if value.is_infinite() or value.is_nan():
        fail(f"parameter {key} must be a number.", f"write e.g. {key}=1.")
    return value


def _check_values(
    params: dict[str, str], written: str, base: str, fail: Callable[[str, str], None]
) -> None:
    if "randomize" in params and params["randomize"] not in ("true", "false"):
        fail("randomize must be true or false.", "write randomize=true.")
    if "seed" in params:
        if params.get("randomize") != "true":
            fail("seed needs randomize=true.", "add randomize=true or drop the seed.")
        if not params["seed"].startswith("${"):
            _number(params, "seed", fail)
    for key in ("rows", "max-pixels"):
        if key in params and not params[key].lstrip("-").isdigit():
            fail(f"parameter {key} must be an integer.", f"write e.g. {key}=2.")
    if "quality" in params:
        allowed = _QUALITY - ({"external"} if written == "background-audio" else set())
        if params["quality"] not in allowed:
            fail(f"quality must be one of {', '.join(sorted(allowed))}.", "fix the value.")
    if base == "range":
        _check_range(params, fail)


def _check_range(params: dict[str, str], fail: Callable[[str, str], None]) -> None:
    start = _number(params, "start", fail) if "start" in params else Decimal(1)
    end = _number(params, "end", fail) if "end" in params else Decimal(10)
    step = _number(params, "step", fail) if "step" in params else Decimal(1)
    assert start is not None and end is not None and step is not None
    width = abs(end - start)
    if step == 0:
        fail("the range step must not be 0.", "give a step such as step=1.")
    if step > width:
        fail("the range step is larger than the range.", "give a smaller step.")
    tick = _number(params, "tick_interval", fail)
    if tick is not None and (tick == 0 or tick > width or tick % step != 0):
        fail("tick_interval must be a non-zero multiple of step within the range.", "fix it.")
    placeholder = _number(params, "placeholder", fail)
    if placeholder is not None and (
        (placeholder - start) % step != 0 or not min(start, end) <= placeholder <= max(start, end)
    ):
        fail("the placeholder must be a value of the range.", "fix it.")
