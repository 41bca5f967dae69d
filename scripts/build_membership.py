"""Build ``toolkit/data/membership.csv``, the toolkit's membership table (sampling frame).

Usage::

    python scripts/build_membership.py REFERENCE_TSV [--out toolkit/data/membership.csv]

``REFERENCE_TSV`` is the IFRC GO country-record extract
(``national_societies_ifrc_go.tsv``: zone, go_region_id, iso3, fdrs, country,
society_name; fixture last changed 2023-04-25). The identifying facts (iso3, country,
society name, zone, FDRS code, GO region id) come from that file; every other column
comes from the covariate table below, authored by the toolkit team and kept here as a
literal so that its provenance can be reviewed line by line. Sources and rules are
described in ``toolkit/data/README.md``.

The output is deterministic: rows sorted by iso3, UTF-8, ``\\n`` line ends, so that
re-running the script on the same reference file reproduces the committed CSV
byte for byte. The toolkit itself never needs the reference file: the CSV is
committed.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

__all__ = [
    "COLUMNS",
    "COVARIATES",
    "INCOME_EXCEPTIONS",
    "INCOME_GROUPS",
    "MIGRATION_CONTEXTS",
    "MIGRATION_OVERRIDES",
    "POPULATION_BANDS",
    "SUBREGIONS",
    "TRANSIT_COUNTRIES",
    "ZONES",
    "build_rows",
    "main",
    "parse_covariates",
    "population_band",
    "render_csv",
]

COLUMNS = (
    "iso3",
    "country",
    "society_name",
    "zone",
    "fdrs",
    "go_region_id",
    "subregion",
    "income_group",
    "population_band",
    "migration_context",
    "languages",
    "lat",
    "lon",
)

ZONES = ("africa", "americas", "asia_pacific", "europe", "mena")

# UN M49 sub-regions (intermediate regions for Sub-Saharan Africa and Latin America
# and the Caribbean), snake_case ascii.
SUBREGIONS = (
    "northern_africa",
    "eastern_africa",
    "middle_africa",
    "southern_africa",
    "western_africa",
    "caribbean",
    "central_america",
    "south_america",
    "northern_america",
    "central_asia",
    "eastern_asia",
    "south_eastern_asia",
    "southern_asia",
    "western_asia",
    "eastern_europe",
    "northern_europe",
    "southern_europe",
    "western_europe",
    "australia_and_new_zealand",
    "melanesia",
    "micronesia",
    "polynesia",
)

INCOME_GROUPS = ("low", "lower_middle", "upper_middle", "high")
POPULATION_BANDS = ("lt1m", "1m_10m", "10m_50m", "50m_plus")
MIGRATION_CONTEXTS = ("origin", "transit", "destination", "mixed")

# Short codes used in the literal table below (kept short so that one row fits a line).
_INCOME_CODES = {"L": "low", "LM": "lower_middle", "UM": "upper_middle", "H": "high"}
_MIGRATION_CODES = {"O": "origin", "T": "transit", "D": "destination", "M": "mixed"}

# ---------------------------------------------------------------------------------------
# Authored covariates, one row per National Society (193 rows).
#
# iso3     ISO 3166-1 alpha-3, must match the reference file.
# subregion  UN M49 sub-region (UNSD "Standard country or area codes for statistical
#          use", M49); intermediate region for Sub-Saharan Africa and Latin America and
#          the Caribbean. Palestine: western_asia.
# inc      World Bank income classification FY2025 (released 1 July 2024, based on
#          2023 Atlas GNI per capita): L, LM, UM, H. Exceptions (no WB classification):
#          see INCOME_EXCEPTIONS below.
# pop_m    Total population, mid-2023, millions, from UN World Population Prospects
#          2024 (rounded; only used to derive population_band).
# mig      Indicative migration context (O origin, T transit, D destination, M mixed),
#          authored by the toolkit team with the rule documented in the data README
#          (UN DESA International Migrant Stock 2020, UNHCR 2023, route literature).
# languages  Official / working languages of the state at national level, ISO 639-1,
#          semicolon separated (languages without an ISO 639-1 code are omitted).
# lat lon  Approximate centroid of the country (main landmass for multi-part
#          countries), decimal degrees.
# ---------------------------------------------------------------------------------------
COVARIATES = """
iso3 subregion                 inc pop_m    mig languages                     lat    lon
# --- africa (49)
AGO  middle_africa             LM  36.7     D   pt                            -12.3   17.5
BDI  eastern_africa            L   13.2     O   rn;fr;en                       -3.4   29.9
BEN  western_africa            LM  14.1     O   fr                              9.3    2.3
BFA  western_africa            L   23.0     O   fr                             12.2   -1.6
BWA  southern_africa           UM  2.5      D   en                            -22.3   24.7
CAF  middle_africa             L   5.2      O   fr;sg                           6.6   20.9
CIV  western_africa            LM  31.2     D   fr                              7.6   -5.5
CMR  middle_africa             LM  28.4     D   en;fr                           5.7   12.7
COD  middle_africa             L   105.8    O   fr                             -2.9   23.6
COG  middle_africa             LM  6.2      D   fr                             -0.8   15.2
COM  eastern_africa            LM  0.85     O   ar;fr                         -11.9   43.9
CPV  western_africa            LM  0.52     O   pt                             16.0  -24.0
DJI  eastern_africa            LM  1.15     M   fr;ar                          11.8   42.6
ERI  eastern_africa            L   3.5      O   ti;ar;en                       15.2   39.0
ETH  eastern_africa            L   128.7    O   am                              8.6   39.6
GAB  middle_africa             UM  2.4      D   fr                             -0.6   11.8
GHA  western_africa            LM  33.8     O   en                              7.9   -1.0
GIN  western_africa            LM  14.2     O   fr                             10.4  -10.9
GMB  western_africa            L   2.7      O   en                             13.4  -15.4
GNB  western_africa            L   2.2      O   pt                             12.0  -15.0
GNQ  middle_africa             UM  1.85     D   es;fr;pt                        1.6   10.5
KEN  eastern_africa            LM  55.1     T   sw;en                           0.5   37.9
LBR  western_africa            L   5.4      O   en                              6.4   -9.3
LSO  southern_africa           LM  2.3      O   st;en                         -29.6   28.2
MDG  eastern_africa            L   30.3     O   mg;fr                         -19.4   46.7
MLI  western_africa            L   23.3     M   fr                             17.4   -3.5
MOZ  eastern_africa            L   33.9     T   pt                            -17.3   35.5
MRT  western_africa            LM  4.9      T   ar                             20.3  -10.3
MUS  eastern_africa            UM  1.27     O   en;fr                         -20.3   57.6
MWI  eastern_africa            L   21.1     T   en                            -13.2   34.3
NAM  southern_africa           UM  2.96     D   en                            -22.1   17.2
NER  western_africa            L   26.2     T   fr                             17.4    9.4
NGA  western_africa            LM  227.9    O   en                              9.6    8.1
RWA  eastern_africa            L   14.1     D   rw;en;fr;sw                    -2.0   29.9
SDN  northern_africa           L   50.04    M   ar;en                          16.0   30.0
SEN  western_africa            LM  18.5     O   fr                             14.4  -14.5
SLE  western_africa            L   8.8      O   en                              8.6  -11.8
SOM  eastern_africa            L   18.1     M   so;ar                           6.1   46.2
SSD  eastern_africa            L   11.5     O   en                              7.3   30.3
STP  middle_africa             LM  0.23     O   pt                              0.4    6.7
SWZ  southern_africa           LM  1.23     O   en;ss                         -26.5   31.5
SYC  eastern_africa            H   0.12     D   en;fr                          -4.7   55.5
TCD  middle_africa             L   19.3     T   fr;ar                          15.4   18.7
TGO  western_africa            L   9.3      O   fr                              8.5    0.9
TZA  eastern_africa            LM  67.4     T   sw;en                          -6.3   34.8
UGA  eastern_africa            L   48.7     D   en;sw                           1.3   32.4
ZAF  southern_africa           UM  63.2     D   af;en;nr;ss;st;tn;ts;ve;xh;zu -29.0   25.1
ZMB  eastern_africa            LM  20.7     T   en                            -13.5   27.8
ZWE  eastern_africa            LM  16.3     M   en;nd;ny;sn;st;tn;ts;ve;xh    -19.0   29.9
# --- americas (35)
ARG  south_america             UM  45.5     D   es                            -35.4  -65.2
ATG  caribbean                 H   0.093    M   en                             17.1  -61.8
BHS  caribbean                 H   0.40     D   en                             24.5  -77.5
BLZ  central_america           UM  0.41     D   en                             17.2  -88.7
BOL  south_america             LM  12.4     O   es;ay;gn;qu                   -16.7  -64.7
BRA  south_america             UM  211.1    D   pt                            -10.8  -52.9
BRB  caribbean                 H   0.28     M   en                             13.2  -59.6
CAN  northern_america          H   39.3     D   en;fr                          61.4  -98.3
CHL  south_america             H   19.6     D   es                            -37.7  -71.4
COL  south_america             UM  52.3     M   es                              3.9  -73.1
CRI  central_america           UM  5.1      M   es                             10.0  -84.2
CUB  caribbean                 UM  11.0     O   es                             21.6  -79.0
DMA  caribbean                 UM  0.066    O   en                             15.4  -61.4
DOM  caribbean                 UM  11.3     O   es                             18.9  -70.5
ECU  south_america             UM  18.0     O   es                             -1.4  -78.4
GRD  caribbean                 UM  0.117    O   en                             12.1  -61.7
GTM  central_america           UM  18.1     M   es                             15.7  -90.4
GUY  south_america             H   0.83     O   en                              4.8  -58.9
HND  central_america           LM  10.6     M   es                             14.8  -86.6
HTI  caribbean                 LM  11.7     O   fr;ht                          19.0  -72.7
JAM  caribbean                 UM  2.8      O   en                             18.2  -77.3
KNA  caribbean                 H   0.047    M   en                             17.3  -62.7
LCA  caribbean                 UM  0.18     O   en                             13.9  -61.0
MEX  central_america           UM  129.7    M   es                             23.9 -102.5
NIC  central_america           LM  6.8      M   es                             12.8  -85.0
PAN  central_america           H   4.5      T   es                              8.5  -80.1
PER  south_america             UM  34.4     D   es                             -9.2  -74.4
PRY  south_america             UM  6.8      O   es;gn                         -23.2  -58.4
SLV  central_america           UM  6.3      O   es                             13.7  -88.9
SUR  south_america             UM  0.63     O   nl                              4.1  -55.9
TTO  caribbean                 H   1.5      O   en                             10.5  -61.3
URY  south_america             H   3.4      O   es                            -32.8  -56.0
USA  northern_america          H   343.5    D   en                             39.8  -98.6
VCT  caribbean                 UM  0.10     O   en                             13.2  -61.2
VEN  south_america             UM  28.3     O   es                              7.1  -66.2
# --- asia_pacific (38)
AFG  southern_asia             L   41.5     O   ps;fa                          33.8   66.0
AUS  australia_and_new_zealand H   26.4     D   en                            -25.7  134.5
BGD  southern_asia             LM  171.5    O   bn                             23.8   90.3
BRN  south_eastern_asia        H   0.46     D   ms                              4.5  114.7
BTN  southern_asia             LM  0.79     O   dz                             27.4   90.4
CHN  eastern_asia              UM  1422.6   O   zh                             36.6  103.8
COK  polynesia                 H   0.015    M   en                            -21.2 -159.8
FJI  melanesia                 UM  0.93     O   en;fj                         -17.8  178.1
FSM  micronesia                LM  0.11     O   en                              6.9  158.2
IDN  south_eastern_asia        UM  281.2    O   id                             -2.2  117.3
IND  southern_asia             LM  1438.1   O   hi;en                          22.9   79.6
JPN  eastern_asia              H   124.4    D   ja                             37.6  138.0
KHM  south_eastern_asia        LM  17.4     O   km                             12.7  104.9
KIR  micronesia                LM  0.13     O   en                              1.4  173.0
KOR  eastern_asia              H   51.7     D   ko                             36.4  127.8
LAO  south_eastern_asia        LM  7.7      O   lo                             18.5  103.7
LKA  southern_asia             LM  23.0     O   si;ta                           7.6   80.7
MDV  southern_asia             UM  0.53     D   dv                              3.2   73.2
MHL  micronesia                UM  0.039    O   mh;en                           7.1  171.2
MMR  south_eastern_asia        LM  54.1     O   my                             21.2   96.5
MNG  eastern_asia              UM  3.4      O   mn                             46.8  103.1
MYS  south_eastern_asia        UM  35.1     D   ms                              4.2  102.0
NPL  southern_asia             LM  29.7     O   ne                             28.3   84.0
NZL  australia_and_new_zealand H   5.2      D   en;mi                         -41.8  172.8
PAK  southern_asia             LM  247.5    M   ur;en                          30.0   69.4
PHL  south_eastern_asia        LM  114.9    O   tl;en                          12.0  122.5
PLW  micronesia                H   0.018    D   en                              7.5  134.6
PNG  melanesia                 LM  10.3     O   en;ho                          -6.5  145.2
PRK  eastern_asia              L   26.4     O   ko                             40.2  127.2
SGP  south_eastern_asia        H   5.8      D   en;ms;zh;ta                     1.4  103.8
SLB  melanesia                 LM  0.80     O   en                             -9.6  160.2
THA  south_eastern_asia        UM  71.7     M   th                             15.1  101.0
TLS  south_eastern_asia        LM  1.4      O   pt                             -8.8  125.9
TON  polynesia                 UM  0.104    O   to;en                         -21.2 -175.2
TUV  polynesia                 UM  0.0097   O   en                             -8.5  179.2
VNM  south_eastern_asia        LM  100.4    O   vi                             16.6  106.3
VUT  melanesia                 LM  0.33     O   bi;en;fr                      -15.4  166.9
WSM  polynesia                 LM  0.22     O   sm;en                         -13.7 -172.2
# --- europe (54)
ALB  southern_europe           UM  2.8      O   sq                             41.1   20.1
AND  southern_europe           H   0.08     D   ca                             42.5    1.6
ARM  western_asia              UM  2.9      O   hy                             40.2   45.0
AUT  western_europe            H   9.1      D   de                             47.6   14.1
AZE  western_asia              UM  10.4     O   az                             40.3   47.7
BEL  western_europe            H   11.8     D   nl;fr;de                       50.6    4.6
BGR  eastern_europe            H   6.7      M   bg                             42.8   25.2
BIH  southern_europe           UM  3.2      M   bs;hr;sr                       44.2   17.8
BLR  eastern_europe            UM  9.1      O   be;ru                          53.5   28.0
CHE  western_europe            H   8.8      D   de;fr;it;rm                    46.8    8.2
CYP  western_asia              H   1.34     D   el;tr                          35.0   33.2
CZE  eastern_europe            H   10.8     D   cs                             49.8   15.3
DEU  western_europe            H   84.5     D   de                             51.1   10.4
DNK  northern_europe           H   5.9      D   da                             56.0   10.0
ESP  southern_europe           H   47.9     D   es                             40.2   -3.6
EST  northern_europe           H   1.37     O   et                             58.7   25.5
FIN  northern_europe           H   5.6      D   fi;sv                          64.5   26.3
FRA  western_europe            H   66.4     D   fr                             46.6    2.4
GBR  northern_europe           H   68.7     D   en                             54.0   -2.5
GEO  western_asia              UM  3.8      O   ka                             42.2   43.5
GRC  southern_europe           H   10.3     M   el                             39.1   22.6
HRV  southern_europe           H   3.9      M   hr                             45.1   15.6
HUN  eastern_europe            H   9.6      T   hu                             47.2   19.4
IRL  northern_europe           H   5.2      D   ga;en                          53.2   -8.1
ISL  northern_europe           H   0.39     D   is                             65.0  -18.6
ISR  western_asia              H   9.3      D   he                             31.4   35.0
ITA  southern_europe           H   59.0     D   it                             42.8   12.6
KAZ  central_asia              UM  20.3     M   kk;ru                          48.2   67.3
KGZ  central_asia              LM  7.1      O   ky;ru                          41.5   74.6
LIE  western_europe            H   0.039    D   de                             47.2    9.6
LTU  northern_europe           H   2.85     O   lt                             55.3   23.9
LUX  western_europe            H   0.67     D   lb;fr;de                       49.8    6.1
LVA  northern_europe           H   1.88     O   lv                             56.9   24.9
MCO  western_europe            H   0.038    D   fr                             43.7    7.4
MDA  eastern_europe            UM  3.1      O   ro                             47.2   28.5
MKD  southern_europe           UM  1.8      M   mk;sq                          41.6   21.7
MLT  southern_europe           H   0.53     D   mt;en                          35.9   14.4
MNE  southern_europe           UM  0.63     M   sr;bs;sq;hr                    42.8   19.3
NLD  western_europe            H   18.1     D   nl                             52.2    5.5
NOR  northern_europe           H   5.5      D   no                             64.5   12.0
POL  eastern_europe            H   38.8     O   pl                             52.1   19.4
PRT  southern_europe           H   10.4     O   pt                             39.6   -8.0
ROU  eastern_europe            H   19.1     O   ro                             45.9   25.0
RUS  eastern_europe            H   145.4    D   ru                             61.5  105.3
SMR  southern_europe           H   0.034    D   it                             43.9   12.5
SRB  southern_europe           UM  6.7      M   sr                             44.2   20.8
SVK  eastern_europe            H   5.5      D   sk                             48.7   19.5
SVN  southern_europe           H   2.1      M   sl                             46.1   14.8
SWE  northern_europe           H   10.5     D   sv                             62.8   16.7
TJK  central_asia              LM  10.4     O   tg                             38.5   71.0
TKM  central_asia              UM  7.4      O   tk                             39.0   59.6
TUR  western_asia              UM  87.3     M   tr                             39.1   35.2
UKR  eastern_europe            UM  37.7     O   uk                             49.0   31.4
UZB  central_asia              LM  35.7     O   uz                             41.8   63.2
# --- mena (17)
ARE  western_asia              H   10.6     D   ar                             23.9   54.3
BHR  western_asia              H   1.57     D   ar                             26.0   50.6
DZA  northern_africa           UM  46.2     T   ar                             28.2    2.6
EGY  northern_africa           LM  114.5    M   ar                             26.6   29.9
IRN  southern_asia             UM  90.6     M   fa                             32.6   54.3
IRQ  western_asia              UM  45.1     O   ar;ku                          33.0   43.7
JOR  western_asia              LM  11.4     D   ar                             31.2   36.4
KWT  western_asia              H   4.8      D   ar                             29.3   47.6
LBN  western_asia              LM  5.8      D   ar                             33.9   35.9
LBY  northern_africa           UM  7.0      M   ar                             27.0   17.0
MAR  northern_africa           LM  37.7     M   ar                             31.9   -6.9
PSE  western_asia              LM  5.4      O   ar                             31.9   35.2
QAT  western_asia              H   2.98     D   ar                             25.3   51.2
SAU  western_asia              H   33.3     D   ar                             24.1   44.5
SYR  western_asia              L   23.6     O   ar                             35.0   38.5
TUN  northern_africa           LM  12.2     T   ar                             34.1    9.6
YEM  western_asia              L   39.4     T   ar                             15.9   47.6
"""

# Income group where the World Bank FY2025 classification gives none: the
# best-documented alternative is used and recorded here (and in the data README).
INCOME_EXCEPTIONS = {
    "COK": (
        "not a World Bank member and not in the WB classification; high used: "
        "the OECD DAC graduated the Cook Islands from the List of ODA Recipients "
        "(effective 1 January 2020) after its GNI per capita exceeded the WB "
        "high-income threshold"
    ),
    "VEN": (
        "not classified by the World Bank since FY2022 (July 2021, pending revised "
        "national accounts); last classification (FY2021) upper_middle used"
    ),
}

# Countries widely recognised as transit countries on major routes (UNHCR, IOM Missing
# Migrants Project and DTM, Frontex, Mixed Migration Centre). Every country listed has
# migration context transit or mixed, and every transit country is listed.
TRANSIT_COUNTRIES = frozenset(
    [
        "MEX",
        "GTM",
        "HND",
        "NIC",
        "CRI",
        "PAN",
        "COL",  # Americas
        "NER",
        "MLI",
        "MRT",
        "TCD",
        "SDN",
        "LBY",
        "DZA",
        "TUN",
        "MAR",
        "EGY",  # Sahara
        "DJI",
        "SOM",
        "YEM",
        "KEN",
        "TZA",
        "MWI",
        "MOZ",
        "ZMB",
        "ZWE",  # Horn, East Africa
        "TUR",
        "IRN",
        "KAZ",
        "GRC",
        "BGR",
        "MKD",
        "SRB",
        "BIH",
        "HRV",
        "SVN",
        "HUN",
        "THA",
    ]
)

# Migration contexts set by documented judgement rather than by the stock rule alone.
MIGRATION_OVERRIDES = {
    "SDN": (
        "transit by the rule (2020 stocks); set to mixed because of the outflow of "
        "refugees since April 2023 (UNHCR), which the 2020 stock data predate"
    ),
}


def population_band(pop_millions: float) -> str:
    """Return the population band for a population given in millions.

    Parameters
    ----------
    pop_millions : float
        Total population in millions.

    Returns
    -------
    str
        ``lt1m`` (< 1 million), ``1m_10m`` (1 to < 10 million), ``10m_50m``
        (10 to < 50 million) or ``50m_plus`` (50 million or more).
    """
    if pop_millions < 1:
        return "lt1m"
    if pop_millions < 10:
        return "1m_10m"
    if pop_millions < 50:
        return "10m_50m"
    return "50m_plus"


def parse_covariates(text: str = COVARIATES) -> dict[str, dict[str, str]]:
    """Parse the literal covariate table into ``{iso3: {column: value}}``.

    Parameters
    ----------
    text : str
        The whitespace-aligned table (header line first; ``#`` lines are comments).

    Returns
    -------
    dict of str to dict
        Covariates per iso3 with keys ``subregion``, ``income_group``,
        ``population_band``, ``migration_context``, ``languages``, ``lat``, ``lon``.

    Raises
    ------
    ValueError
        If a row is malformed, an iso3 repeats or a value is outside its vocabulary.
    """
    lines = [
        ln for ln in text.strip().splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    header = lines[0].split()
    expected = ["iso3", "subregion", "inc", "pop_m", "mig", "languages", "lat", "lon"]
    if header != expected:
        raise ValueError(f"covariate table header is {header}, expected {expected}")
    out: dict[str, dict[str, str]] = {}
    for ln in lines[1:]:
        parts = ln.split()
        if len(parts) != len(expected):
            raise ValueError(
                f"covariate row has {len(parts)} fields, expected {len(expected)}: {ln!r}"
            )
        iso3, subregion, inc, pop_m, mig, languages, lat, lon = parts
        if iso3 in out:
            raise ValueError(f"iso3 {iso3} appears twice in the covariate table")
        if subregion not in SUBREGIONS:
            raise ValueError(f"{iso3}: unknown subregion {subregion!r}")
        if inc not in _INCOME_CODES:
            raise ValueError(f"{iso3}: unknown income code {inc!r}")
        if mig not in _MIGRATION_CODES:
            raise ValueError(f"{iso3}: unknown migration code {mig!r}")
        langs = languages.split(";")
        if any(len(code) != 2 or not code.isalpha() or not code.islower() for code in langs):
            raise ValueError(f"{iso3}: languages must be ISO 639-1 codes, got {languages!r}")
        if len(set(langs)) != len(langs):
            raise ValueError(f"{iso3}: duplicate language code in {languages!r}")
        lat_f, lon_f = float(lat), float(lon)
        if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
            raise ValueError(f"{iso3}: centroid out of range ({lat}, {lon})")
        out[iso3] = {
            "subregion": subregion,
            "income_group": _INCOME_CODES[inc],
            "population_band": population_band(float(pop_m)),
            "migration_context": _MIGRATION_CODES[mig],
            "languages": languages,
            "lat": f"{lat_f:.1f}",
            "lon": f"{lon_f:.1f}",
        }
    for iso3, cov in out.items():
        listed = iso3 in TRANSIT_COUNTRIES
        if cov["migration_context"] == "transit" and not listed:
            raise ValueError(f"{iso3}: migration context transit but not in TRANSIT_COUNTRIES")
        if listed and cov["migration_context"] not in ("transit", "mixed"):
            raise ValueError(
                f"{iso3}: in TRANSIT_COUNTRIES but migration context {cov['migration_context']}"
            )
    return out


def _read_reference(path: Path) -> list[dict[str, str]]:
    """Read the IFRC GO reference TSV (UTF-8, tab separated, header row)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        need = {"zone", "go_region_id", "iso3", "fdrs", "country", "society_name"}
        missing = need - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        return [dict(row) for row in reader]


def build_rows(
    reference: list[dict[str, str]], covariates: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """Join the reference facts with the authored covariates.

    Parameters
    ----------
    reference : list of dict
        Rows of the IFRC GO reference file.
    covariates : dict
        Output of :func:`parse_covariates`.

    Returns
    -------
    list of dict
        One dict per Society with the keys in :data:`COLUMNS`, sorted by iso3.

    Raises
    ------
    ValueError
        If the two sets of iso3 codes differ, a code repeats or a zone is unknown.
    """
    ref_iso = [r["iso3"].strip().upper() for r in reference]
    if len(set(ref_iso)) != len(ref_iso):
        raise ValueError("reference file has duplicate iso3 codes")
    only_ref = sorted(set(ref_iso) - set(covariates))
    only_cov = sorted(set(covariates) - set(ref_iso))
    if only_ref or only_cov:
        raise ValueError(
            f"iso3 mismatch: missing covariates for {only_ref}; covariates without a Society {only_cov}"
        )
    rows = []
    for r in reference:
        iso3 = r["iso3"].strip().upper()
        zone = r["zone"].strip()
        if zone not in ZONES:
            raise ValueError(f"{iso3}: unknown zone {zone!r}")
        row = {
            "iso3": iso3,
            "country": r["country"].strip(),
            "society_name": r["society_name"].strip(),
            "zone": zone,
            "fdrs": r["fdrs"].strip(),
            "go_region_id": str(int(r["go_region_id"])),
        }
        row.update(covariates[iso3])
        rows.append(row)
    rows.sort(key=lambda d: d["iso3"])
    return rows


def render_csv(rows: list[dict[str, str]]) -> str:
    """Render rows as CSV text with a header, ``\\n`` line ends, minimal quoting."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(COLUMNS), lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row[c] for c in COLUMNS})
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="path to national_societies_ifrc_go.tsv")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "toolkit" / "data" / "membership.csv",
        help="output CSV (default: toolkit/data/membership.csv)",
    )
    args = parser.parse_args(argv)
    rows = build_rows(_read_reference(args.reference), parse_covariates())
    text = render_csv(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
