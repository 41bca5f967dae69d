"""Build ``toolkit/data/society_names.csv``, the crosswalk of National Society names.

Usage::

    python scripts/build_society_names.py GO_COUNTRIES_JSON [--out toolkit/data/society_names.csv]

``GO_COUNTRIES_JSON`` is IFRC GO's country fixture, ``api/fixtures/Countries.json`` of
the public repository IFRCGo/go-api as last changed on 2023-04-25 (commit 72d71b75), the
same records ``membership.csv`` was built from. The crosswalk has one row per
(iso3, kind, language, variant), for the 193 Societies of ``membership.csv``:

- codes (``ifrc_go``): ISO3 and ISO2 codes, FDRS code and GO country id (the record's
  primary key);
- names (``ifrc_go``): the country and the Society name in English, French, Spanish and
  Arabic, as IFRC GO records them;
- names (``cldr``): the CLDR territory names in the same four languages, read with Babel
  (``pip install babel`` if it is missing; the toolkit itself never needs Babel; the
  committed file was built with Babel 2.19, CLDR 49);
- names (``alias``): the short forms, former names, acronyms and names in the Society's
  own language in :data:`ALIASES`, authored by the toolkit team; "Korea", "DRC",
  "PRCS" and "IRCS" are listed for two Societies each on purpose, so that the matcher
  never accepts them;
- names (``pattern``): Arabic forms generated from the Arabic country names by
  :func:`arabic_patterns`: ``ل`` + country ("الصليب الأحمر لغينيا") and the adjective
  (nisba) of a one-word name ("الهلال الأحمر المصري").

French, Spanish and English patterns ("Croix-Rouge de/du/de la <pays>", "Cruz Roja de
<país>", "<country> Red Cross Society") are not listed: ``toolkit.frame.normalise_name``
removes their generic words, so they reduce to the country name, which is listed. For
the same reason an ``alias`` or ``pattern`` row is kept only if its normalised form is
new for its Society; the ``ifrc_go`` and ``cldr`` rows are all kept (a CLDR name spelt
exactly as IFRC GO spells it is listed once, as ``ifrc_go``). The output is
deterministic (sorted, UTF-8, ``\\n`` line ends).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolkit.frame._normalise import normalise_name  # noqa: E402

__all__ = [
    "ALIASES",
    "COLUMNS",
    "KINDS",
    "LANGUAGES",
    "arabic_patterns",
    "build_rows",
    "cldr_rows",
    "go_rows",
    "main",
    "parse_aliases",
    "render_csv",
]

COLUMNS = ("iso3", "kind", "language", "variant", "source")
KINDS = ("iso3", "iso2", "fdrs", "go_id", "country_name", "society_name")
LANGUAGES = ("en", "fr", "es", "ar")
SOURCES = ("ifrc_go", "cldr", "alias", "pattern")

# iso3 | kind | language | variant. Short forms and former names in common use
# (UN, World Bank and ISO short names, press usage), Society acronyms and names in the
# Society's own language. Authored by the toolkit team, 2026-11-27.
ALIASES = """
ARE|country_name|en|UAE
BEL|society_name|nl|Rode Kruis Vlaanderen
BGD|society_name|en|BDRCS
BIH|country_name|en|Bosnia
BOL|country_name|en|Bolivia (Plurinational State of)
BRA|society_name|pt|Cruz Vermelha Brasileira
BRN|country_name|en|Brunei
CHE|society_name|de|Schweizerisches Rotes Kreuz
CHE|society_name|it|Croce Rossa Svizzera
CIV|country_name|en|Ivory Coast
COD|country_name|en|Democratic Republic of the Congo
COD|country_name|en|DR Congo
COD|country_name|en|DRC
COD|country_name|en|Congo, Dem. Rep.
COD|country_name|en|Congo (Kinshasa)
COD|country_name|en|Zaire
COD|country_name|fr|RDC
COD|country_name|fr|RD Congo
COD|country_name|es|RD Congo
COG|country_name|en|Republic of the Congo
COG|country_name|en|Congo, Rep.
COG|country_name|en|Congo (Brazzaville)
COG|country_name|fr|République du Congo
COG|country_name|es|República del Congo
DEU|society_name|de|Deutsches Rotes Kreuz
DEU|society_name|de|DRK
DNK|society_name|en|DRC
EGY|country_name|en|Egypt, Arab Rep.
ETH|society_name|en|ERCS
ETH|society_name|en|Ethiopian Red Cross Society
FSM|country_name|en|Micronesia (Federated States of)
FSM|country_name|en|Micronesia, Fed. Sts.
GBR|country_name|en|UK
GBR|country_name|en|Great Britain
GNB|society_name|pt|Cruz Vermelha da Guiné-Bissau
IDN|society_name|id|Palang Merah Indonesia
IDN|society_name|id|PMI
IND|society_name|en|IRCS
IRN|country_name|en|Iran (Islamic Republic of)
IRN|country_name|en|Iran, Islamic Rep.
IRQ|society_name|en|IRCS
ISR|society_name|en|Magen David Adom
ITA|society_name|it|Croce Rossa Italiana
KEN|society_name|en|KRCS
KGZ|country_name|en|Kyrgyz Republic
KOR|country_name|en|Korea
KOR|country_name|en|Korea, Rep.
KOR|country_name|fr|Corée
KOR|country_name|es|Corea
KOR|country_name|ar|كوريا
LAO|country_name|en|Lao PDR
MKD|country_name|en|Macedonia
MKD|country_name|en|Former Yugoslav Republic of Macedonia
MMR|country_name|en|Burma
MOZ|society_name|pt|Cruz Vermelha de Moçambique
NLD|country_name|en|Holland
NLD|society_name|nl|Nederlandse Rode Kruis
PAK|society_name|en|PRCS
PRK|country_name|en|DPRK
PRK|country_name|en|DPR Korea
PRK|country_name|en|Korea
PRK|country_name|en|Korea, Dem. People's Rep.
PRK|country_name|fr|Corée
PRK|country_name|es|Corea
PRK|country_name|ar|كوريا
PRT|society_name|pt|Cruz Vermelha Portuguesa
PSE|country_name|en|State of Palestine
PSE|country_name|en|Occupied Palestinian Territory
PSE|country_name|en|West Bank and Gaza
PSE|society_name|en|PRCS
SVK|country_name|en|Slovak Republic
SWZ|country_name|en|Swaziland
SYR|society_name|en|SARC
TLS|country_name|en|East Timor
TUR|country_name|en|Turkey
TUR|society_name|tr|Türk Kızılay
TUR|society_name|tr|Kızılay
UGA|society_name|en|URCS
USA|country_name|en|United States of America
VEN|country_name|en|Venezuela (Bolivarian Republic of)
VEN|country_name|en|Venezuela, RB
VNM|country_name|en|Vietnam
YEM|country_name|en|Yemen, Rep.
"""


def parse_aliases(text: str = ALIASES) -> list[dict[str, str]]:
    """Parse :data:`ALIASES` into crosswalk rows (source ``alias``).

    Parameters
    ----------
    text : str
        Lines ``iso3|kind|language|variant``; blank lines are skipped.

    Returns
    -------
    list of dict
        Rows with the keys of :data:`COLUMNS`.
    """
    rows = []
    for line in text.strip().splitlines():
        iso3, kind, language, variant = (part.strip() for part in line.split("|"))
        if kind not in KINDS:
            raise ValueError(f"alias {line!r}: unknown kind {kind!r}")
        rows.append(
            {
                "iso3": iso3,
                "kind": kind,
                "language": language,
                "variant": variant,
                "source": "alias",
            }
        )
    return rows


def arabic_patterns(name: str) -> list[str]:
    """Generate the Arabic forms of a country name found in Society names.

    Parameters
    ----------
    name : str
        The country's name in Arabic, e.g. "غينيا" or "مصر".

    Returns
    -------
    list of str
        ``ل`` + name ("لغينيا", "للسودان" for "السودان") and, for a one-word name, the
        masculine and feminine adjective with the article ("المصري", "المصرية";
        "كينيا" -> "الكيني", "الكينية"). A generated form need not be correct Arabic
        for every name: one that nobody writes is harmless, and a form that collides
        with another Society's name is dropped by :func:`build_rows`.
    """
    name = " ".join(name.split())
    forms = ["ل" + name[1:] if name.startswith("ال") else "ل" + name]
    if " " not in name:
        stem = name[2:] if name.startswith("ال") else name
        if stem.endswith(("ا", "ى", "ة")):
            stem = stem[:-1]
        base = stem if stem.endswith("ي") else stem + "ي"
        forms += ["ال" + base, "ال" + base + "ة"]
    return forms


def go_rows(fixture: list[dict], membership: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Codes and names of the membership Societies from IFRC GO's country fixture.

    Parameters
    ----------
    fixture : list of dict
        The parsed ``Countries.json`` (Django fixture: ``pk`` and ``fields``).
    membership : dict
        ``membership.csv`` rows by iso3.

    Returns
    -------
    list of dict
        Rows (source ``ifrc_go``) for every Society of ``membership``.

    Raises
    ------
    ValueError
        If a Society has no GO record, or its GO society name or FDRS code differs
        from ``membership.csv``.
    """
    records = {
        rec["fields"]["iso3"]: rec
        for rec in fixture
        if rec["fields"].get("iso3") in membership
        and rec["fields"].get("record_type") == 1
        and rec["fields"].get("independent")
        and rec["fields"].get("society_name")
    }
    missing = sorted(set(membership) - set(records))
    if missing:
        raise ValueError(f"no independent GO country record for {missing}")
    rows: list[dict[str, str]] = []

    def add(iso3: str, kind: str, language: str, variant: object) -> None:
        text = " ".join(str(variant or "").split())
        if text:
            rows.append(
                {"iso3": iso3, "kind": kind, "language": language, "variant": text}
                | {"source": "ifrc_go"}
            )

    for iso3, rec in sorted(records.items()):
        f, member = rec["fields"], membership[iso3]
        if f["society_name"] != member["society_name"] or (f.get("fdrs") or "") != member["fdrs"]:
            raise ValueError(f"{iso3}: GO record differs from membership.csv")
        add(iso3, "iso3", "", iso3)
        add(iso3, "iso2", "", f["iso"].upper())
        add(iso3, "fdrs", "", f.get("fdrs"))
        add(iso3, "go_id", "", rec["pk"])
        for lang in LANGUAGES:
            add(iso3, "country_name", lang, f.get(f"name_{lang}"))
            add(iso3, "society_name", lang, f.get(f"society_name_{lang}"))
    return rows


def cldr_rows(iso2_of: dict[str, str]) -> list[dict[str, str]]:
    """CLDR territory names in :data:`LANGUAGES`, read with Babel.

    Parameters
    ----------
    iso2_of : dict
        ISO2 code by iso3 (from IFRC GO); checked against CLDR's own alpha-3 aliases.

    Returns
    -------
    list of dict
        Rows (source ``cldr``, kind ``country_name``).
    """
    try:
        from babel import Locale
        from babel.core import get_global
    except ImportError as exc:  # pragma: no cover - build-time only
        raise SystemExit("this script needs Babel: pip install babel") from exc
    aliases = get_global("territory_aliases")
    rows = []
    for iso3, iso2 in sorted(iso2_of.items()):
        if aliases.get(iso3, [iso2])[0] != iso2:
            raise ValueError(f"{iso3}: GO iso2 {iso2} but CLDR says {aliases[iso3]}")
        for lang in LANGUAGES:
            name = Locale.parse(lang).territories.get(iso2)
            if name:
                rows.append(
                    {"iso3": iso3, "kind": "country_name", "language": lang, "variant": name}
                    | {"source": "cldr"}
                )
    return rows


def build_rows(
    go: list[dict[str, str]], cldr: list[dict[str, str]], aliases: list[dict[str, str]]
) -> tuple[list[dict[str, str]], list[str]]:
    """Merge the sources, drop redundant rows and sort.

    Parameters
    ----------
    go, cldr, aliases : list of dict
        Rows from :func:`go_rows`, :func:`cldr_rows` and :func:`parse_aliases`.

    Returns
    -------
    rows : list of dict
        The crosswalk, sorted by iso3, kind, language, source and variant.
    notes : list of str
        What was dropped and which normalised names belong to several Societies.
    """
    arabic = [r for r in go + cldr if r["kind"] == "country_name" and r["language"] == "ar"]
    patterns = [
        {"iso3": r["iso3"], "kind": "society_name", "language": "ar", "variant": form}
        | {"source": "pattern"}
        for r in arabic
        for form in arabic_patterns(r["variant"])
    ]
    codes = {r["variant"].upper() for r in go if r["kind"] not in ("country_name", "society_name")}
    shadowed = [r["variant"] for r in aliases if r["variant"].upper() in codes]
    if shadowed:  # e.g. "MDA" is Moldova's ISO3 code, not Magen David Adom: codes win
        raise ValueError(f"aliases {shadowed} are codes of a Society; the code would win")
    names_by_key: dict[str, set[str]] = defaultdict(set)
    for r in go + cldr + aliases:
        if r["kind"] in ("country_name", "society_name"):
            names_by_key[normalise_name(r["variant"])].add(r["iso3"])
    rows: list[dict[str, str]] = []
    seen_rows: set[tuple[str, ...]] = set()
    seen_keys: set[tuple[str, str]] = set()
    notes: list[str] = []
    for r in go + cldr + aliases + patterns:
        ident = tuple(r[c] for c in COLUMNS[:4])
        if ident in seen_rows:
            continue
        if r["kind"] in ("country_name", "society_name"):
            key = normalise_name(r["variant"])
            if not key:
                notes.append(f"dropped {r}: nothing identifying once normalised")
                continue
            if r["source"] in ("alias", "pattern") and (r["iso3"], key) in seen_keys:
                continue
            if r["source"] == "pattern" and names_by_key.get(key, {r["iso3"]}) != {r["iso3"]}:
                notes.append(
                    f"dropped pattern {r['variant']!r} of {r['iso3']}: another Society's name"
                )
                continue
            seen_keys.add((r["iso3"], key))
        seen_rows.add(ident)
        rows.append(r)
    owners: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["kind"] in ("country_name", "society_name"):
            owners[normalise_name(r["variant"])].add(r["iso3"])
    notes += [f"name {k!r} belongs to {sorted(v)}" for k, v in sorted(owners.items()) if len(v) > 1]
    lang_order = {"": 0} | {lang: i + 1 for i, lang in enumerate(LANGUAGES)}
    rows.sort(
        key=lambda r: (
            r["iso3"],
            KINDS.index(r["kind"]),
            lang_order.get(r["language"], 9),
            r["language"],
            SOURCES.index(r["source"]),
            r["variant"],
        )
    )
    return rows, notes


def render_csv(rows: list[dict[str, str]]) -> str:
    """Render rows as CSV text with a header, ``\\n`` line ends, minimal quoting."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixture", type=Path, help="IFRC GO api/fixtures/Countries.json")
    parser.add_argument(
        "--membership", type=Path, default=REPO / "toolkit" / "data" / "membership.csv"
    )
    parser.add_argument("--out", type=Path, default=REPO / "toolkit" / "data" / "society_names.csv")
    args = parser.parse_args(argv)
    with args.membership.open(encoding="utf-8", newline="") as fh:
        membership = {row["iso3"]: row for row in csv.DictReader(fh)}
    fixture = json.loads(args.fixture.read_text(encoding="utf-8"))
    go = go_rows(fixture, membership)
    iso2_of = {r["iso3"]: r["variant"] for r in go if r["kind"] == "iso2"}
    rows, notes = build_rows(go, cldr_rows(iso2_of), parse_aliases())
    for note in notes:
        print(note, file=sys.stderr)
    args.out.write_text(render_csv(rows), encoding="utf-8", newline="")
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
