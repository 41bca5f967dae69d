"""Colours and readable labels of :mod:`toolkit.figures`.  Private helper module."""

from __future__ import annotations

__all__ = [
    "ACTIVITY_LABELS",
    "CATEGORY_COLOURS",
    "COVARIATE_LABELS",
    "COVERAGE_COLOURS",
    "HATCH_COLOUR",
    "LEVEL_LABELS",
    "NO_DATA_COLOUR",
    "OKABE_ITO",
    "SHARE_CMAP",
    "STAGES",
    "STAGE_LABELS",
    "STATUS_COLOURS",
    "ZONE_COLOURS",
    "ZONE_LABELS",
]

# --------------------------------------------------------------------------- palettes

#: The Okabe & Ito (2008) colour-blind-safe qualitative palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

#: Category cycle (yellow left out: too light for lines and text on white).
CATEGORY_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["black"],
)


#: One colour per IFRC zone (vermillion is kept for "gap").
ZONE_COLOURS: dict[str, str] = {
    "africa": OKABE_ITO["orange"],
    "americas": OKABE_ITO["sky_blue"],
    "asia_pacific": OKABE_ITO["bluish_green"],
    "europe": OKABE_ITO["blue"],
    "mena": OKABE_ITO["reddish_purple"],
}

ZONE_LABELS: dict[str, str] = {
    "africa": "Africa",
    "americas": "Americas",
    "asia_pacific": "Asia Pacific",
    "europe": "Europe",
    "mena": "MENA",
    "all": "All zones",
    "overall": "All zones",
}

#: Colours of response status categories (tile map, response figures).
STATUS_COLOURS: dict[str, str] = {
    "responded": OKABE_ITO["blue"],
    "partial": OKABE_ITO["sky_blue"],
    "not responded": OKABE_ITO["orange"],
    "refused": OKABE_ITO["vermillion"],
    "ineligible": "#7F7F7F",
}

#: Colours of route-cell status (route diagram).
COVERAGE_COLOURS: dict[str, str] = {
    "covered": OKABE_ITO["bluish_green"],
    "gap": OKABE_ITO["vermillion"],
    "unknown": "#C8C8C8",
    "not_needed": "#FFFFFF",
}

#: Human-readable labels of the instrument's activity codes (fallback when the input
#: has no label column): the English short labels of the bundled instrument's
#: ``activity`` list, so figures and tables use the same words.
ACTIVITY_LABELS: dict[str, str] = {
    "rfl": "Restoring family links",
    "health": "Health care",
    "pss": "Mental health and psychosocial support",
    "shelter": "Shelter and accommodation",
    "relief": "Food and relief items",
    "cash": "Cash and vouchers",
    "wash": "Water, sanitation and hygiene",
    "info": "Information and orientation",
    "legal": "Legal aid and accompaniment",
    "protection": "Protection",
    "hsp": "Humanitarian service points",
    "inclusion": "Social inclusion",
    "education": "Education and language",
    "livelihoods": "Livelihoods",
    "detention": "Detention visits",
    "return": "Return and reintegration",
    "advocacy": "Advocacy and humanitarian diplomacy",
    "awareness": "Awareness and anti-discrimination",
    "rescue": "Search, rescue and first response",
    "other": "Other",
}

#: Readable names of the frame covariates and their levels (balance figures).
COVARIATE_LABELS: dict[str, str] = {
    "zone": "Zone",
    "income_group": "Income group",
    "population_band": "Population",
    "migration_context": "Migration context",
    "subregion": "Sub-region",
    "languages": "Languages",
}
LEVEL_LABELS: dict[str, dict[str, str]] = {
    "income_group": {
        "low": "low",
        "lower_middle": "lower-middle",
        "upper_middle": "upper-middle",
        "high": "high",
    },
    "population_band": {
        "lt1m": "under 1 million",
        "1m_10m": "1–10 million",
        "10m_50m": "10–50 million",
        "50m_plus": "50 million or more",
    },
}

STAGE_LABELS: dict[str, str] = {
    "origin": "Origin",
    "transit": "Transit",
    "destination": "Destination",
    "return": "Return",
}
STAGES: tuple[str, ...] = ("origin", "transit", "destination", "return")

#: Fill for "no data" and suppressed cells; always drawn with a hatch as well.
NO_DATA_COLOUR = "#EDEDED"
HATCH_COLOUR = "#8C8C8C"

#: Perceptually uniform, colour-blind-safe sequential map for shares (light = low).
SHARE_CMAP = "cividis_r"
