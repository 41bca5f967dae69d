"""What may be published: disclosure control and HXL tables.

:func:`suppress` and :func:`suppress_wide` withhold cells whose base is below
``min_cell`` and choose complementary cells so that withheld values cannot be rebuilt
by subtraction; :func:`write_hxl_csv` writes tables with a Humanitarian Exchange
Language hashtag row.
"""

from __future__ import annotations

from toolkit.publish._disclosure import (
    MIN_CELL,
    SUPPRESSION_KINDS,
    WideSuppression,
    primary_label,
    secondary_label,
    suppress,
    suppress_wide,
    suppression_note,
)
from toolkit.publish._hxl import (
    HXL_TAGS,
    hxl_tags,
    read_hxl_csv,
    write_hxl_csv,
)
from toolkit.publish._shares import SENSITIVE_COLUMNS, publishable_shares

__all__ = [
    "HXL_TAGS",
    "MIN_CELL",
    "SENSITIVE_COLUMNS",
    "SUPPRESSION_KINDS",
    "WideSuppression",
    "hxl_tags",
    "primary_label",
    "publishable_shares",
    "read_hxl_csv",
    "secondary_label",
    "suppress",
    "suppress_wide",
    "suppression_note",
    "write_hxl_csv",
]
