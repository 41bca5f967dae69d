"""Build the bundled XLSForm questionnaire ``toolkit/data/instrument.xlsx``.

The workbook is the codebook of the study: question and choice names are stable
identifiers used everywhere downstream.  This script is the reviewable source of the
taxonomy (activity types with one-line definitions, target groups, migratory stages,
service types); the committed workbook is its output and is what KoboToolbox / ODK
users upload.  Run it after editing the taxonomy::

    python scripts/build_instrument.py [out.xlsx [membership.csv]]

(defaults: ``toolkit/data/instrument.xlsx`` from ``toolkit/data/membership.csv``).

Both the ``survey`` and the ``choices`` sheet carry a ``disclosure`` column (``public``
or ``aggregate``; pyxform ignores it) that says which answers may be published per
Society: see :data:`AGGREGATE_CHOICES`, :data:`AGGREGATE_QUESTIONS` and the reasons in
``toolkit/data/README.md``.

The output is deterministic in content (fixed workbook properties, fixed row order),
so an unchanged taxonomy rebuilds to the same sheets; the bytes differ between builds
only by the zip archive's timestamps.  ``tests/test_instrument.py`` checks that the
committed workbook is this script's output.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

LANGS = ("English (en)", "Français (fr)", "Español (es)")
VERSION = "2026.1"

# code: (English, French, Spanish short label, English one-line definition)
ACTIVITIES: list[tuple[str, str, str, str, str]] = [
    (
        "rfl",
        "Restoring family links",
        "Rétablissement des liens familiaux",
        "Restablecimiento del contacto entre familiares",
        "Tracing, messaging, phone and internet services that help migrants find and keep "
        "contact with family members, and the identification of missing or dead migrants.",
    ),
    (
        "health",
        "Health care",
        "Soins de santé",
        "Atención de salud",
        "First aid, primary and referral health care, mobile clinics, vaccination and "
        "sexual and reproductive health services provided to migrants.",
    ),
    (
        "pss",
        "Mental health and psychosocial support",
        "Santé mentale et soutien psychosocial",
        "Salud mental y apoyo psicosocial",
        "Psychological first aid, counselling, safe spaces and referral to specialised "
        "mental health care.",
    ),
    (
        "shelter",
        "Shelter and accommodation",
        "Abri et hébergement",
        "Albergue y alojamiento",
        "Emergency or transitional shelter, reception centres and help to find housing.",
    ),
    (
        "relief",
        "Food and relief items",
        "Vivres et articles de secours",
        "Alimentos y artículos de socorro",
        "In-kind distribution of food, water, clothing, hygiene kits and other relief items.",
    ),
    (
        "cash",
        "Cash and vouchers",
        "Transferts monétaires et coupons",
        "Efectivo y cupones",
        "Cash transfers or vouchers that let migrants buy goods and services themselves.",
    ),
    (
        "wash",
        "Water, sanitation and hygiene",
        "Eau, assainissement et hygiène",
        "Agua, saneamiento e higiene",
        "Safe water points, latrines, showers and hygiene promotion along routes and in "
        "reception sites.",
    ),
    (
        "info",
        "Information and orientation",
        "Information et orientation",
        "Información y orientación",
        "Reliable information on rights, risks, services and procedures, and referral to "
        "other service providers (hotlines, help desks, digital channels).",
    ),
    (
        "legal",
        "Legal aid and accompaniment",
        "Aide juridique et accompagnement",
        "Asistencia jurídica y acompañamiento",
        "Legal counselling, representation or accompaniment in asylum, residence and other "
        "administrative procedures, directly or through partners.",
    ),
    (
        "protection",
        "Protection",
        "Protection",
        "Protección",
        "Prevention of and response to violence, exploitation and abuse, including child "
        "protection, anti-trafficking and sexual and gender-based violence (SGBV) services.",
    ),
    (
        "hsp",
        "Humanitarian service points",
        "Points de services humanitaires",
        "Puntos de servicio humanitario",
        "Neutral, safe places along routes where migrants can get a combination of services "
        "without fear of arrest or reporting, whatever their status.",
    ),
    (
        "inclusion",
        "Social inclusion",
        "Inclusion sociale",
        "Inclusión social",
        "Activities that build contact and trust between migrants and host communities, "
        "mentoring, buddy and community programmes.",
    ),
    (
        "education",
        "Education and language",
        "Éducation et langue",
        "Educación e idioma",
        "Language classes, schooling support, vocational and life-skills training.",
    ),
    (
        "livelihoods",
        "Livelihoods",
        "Moyens de subsistance",
        "Medios de vida",
        "Support to earn a living: job search, small business grants, skills recognition.",
    ),
    (
        "detention",
        "Detention visits",
        "Visites en détention",
        "Visitas a centros de detención",
        "Visits to migrants in immigration detention to monitor conditions, provide "
        "assistance and restore family contact.",
    ),
    (
        "return",
        "Return and reintegration",
        "Retour et réintégration",
        "Retorno y reintegración",
        "Assistance to migrants returning to their country of origin, before departure, "
        "on arrival and for reintegration.",
    ),
    (
        "advocacy",
        "Advocacy and humanitarian diplomacy",
        "Plaidoyer et diplomatie humanitaire",
        "Incidencia y diplomacia humanitaria",
        "Engaging authorities and other actors to improve laws, policies and practices that "
        "affect migrants' safety, dignity and access to services.",
    ),
    (
        "awareness",
        "Awareness and anti-discrimination",
        "Sensibilisation et lutte contre la discrimination",
        "Sensibilización y lucha contra la discriminación",
        "Campaigns and education against xenophobia and discrimination, and on the risks of "
        "irregular migration for people considering it.",
    ),
    (
        "rescue",
        "Search, rescue and first response",
        "Recherche, sauvetage et première intervention",
        "Búsqueda, rescate y primera respuesta",
        "Search and rescue at sea or on land and emergency response at points of arrival.",
    ),
]
OTHER = (
    "other",
    "Other (please specify)",
    "Autre (préciser)",
    "Otro (especifique)",
    "An activity for migrants that fits none of the types above.",
)

STAGES = [
    (
        "origin",
        "Origin (before departure)",
        "Origine (avant le départ)",
        "Origen (antes de la salida)",
        "Activities for people in their own country who are considering or preparing to migrate.",
    ),
    (
        "transit",
        "Transit",
        "Transit",
        "Tránsito",
        "Activities for migrants passing through the country on their way elsewhere.",
    ),
    (
        "destination",
        "Destination",
        "Destination",
        "Destino",
        "Activities for migrants who have settled or intend to stay in the country.",
    ),
    (
        "return",
        "Return",
        "Retour",
        "Retorno",
        "Activities for nationals who come back, voluntarily or not, and for their reintegration.",
    ),
]

TARGET_GROUPS = [
    (
        "uasc",
        "Unaccompanied and separated children",
        "Enfants non accompagnés et séparés",
        "Niños, niñas y adolescentes no acompañados y separados",
    ),
    (
        "children",
        "Children with their families",
        "Enfants avec leur famille",
        "Niños con sus familias",
    ),
    ("women", "Women and girls", "Femmes et filles", "Mujeres y niñas"),
    (
        "irregular",
        "Migrants in an irregular situation",
        "Migrants en situation irrégulière",
        "Migrantes en situación irregular",
    ),
    (
        "asylum",
        "Asylum seekers and refugees",
        "Demandeurs d'asile et réfugiés",
        "Solicitantes de asilo y refugiados",
    ),
    ("returnees", "Returnees", "Personnes de retour", "Personas retornadas"),
    ("trafficked", "Victims of trafficking", "Victimes de la traite", "Víctimas de trata"),
    ("labour", "Migrant workers", "Travailleurs migrants", "Trabajadores migrantes"),
    ("stranded", "Stranded migrants", "Migrants bloqués", "Migrantes varados"),
    ("host", "Host communities", "Communautés d'accueil", "Comunidades de acogida"),
]

SERVICE_TYPES = [
    (
        "assistance",
        "Assistance",
        "Assistance",
        "Asistencia",
        "Goods and services that meet migrants' immediate needs.",
    ),
    (
        "protection",
        "Protection",
        "Protection",
        "Protección",
        "Action that keeps migrants safe from harm and upholds their rights.",
    ),
    (
        "awareness",
        "Awareness raising",
        "Sensibilisation",
        "Sensibilización",
        "Information and education aimed at migrants or the public.",
    ),
    (
        "advocacy",
        "Advocacy",
        "Plaidoyer",
        "Incidencia",
        "Influencing the decisions and practices of authorities and other actors.",
    ),
]

YES_NO = [("yes", "Yes", "Oui", "Sí"), ("no", "No", "Non", "No")]
LANGUAGES = [
    ("en", "English", "Anglais", "Inglés"),
    ("fr", "French", "Français", "Francés"),
    ("es", "Spanish", "Espagnol", "Español"),
    ("ar", "Arabic", "Arabe", "Árabe"),
    ("ru", "Russian", "Russe", "Ruso"),
    ("pt", "Portuguese", "Portugais", "Portugués"),
    ("other", "Other", "Autre", "Otro"),
]

SURVEY_COLUMNS = (
    ["type", "name"]
    + [f"label::{lang}" for lang in LANGS]
    + [f"hint::{lang}" for lang in LANGS]
    + ["required", "relevant", "constraint"]
    + [f"constraint_message::{lang}" for lang in LANGS]
    + ["appearance", "disclosure"]
)
CHOICE_COLUMNS = (
    ["list_name", "name"] + [f"label::{lang}" for lang in LANGS] + ["definition", "disclosure"]
)

# Disclosure (column ``disclosure``, ignored by pyxform, read by toolkit.publish):
# ``public`` answers may be published per Society; ``aggregate`` answers only as
# shares or counts of a group of at least ``disclosure.min_cell`` Societies.  The
# reasons are listed in toolkit/data/README.md (section instrument.xlsx).
PUBLIC, AGGREGATE = "public", "aggregate"
#: Choices published only in aggregate: list name -> choice names.
AGGREGATE_CHOICES: dict[str, tuple[str, ...]] = {
    "activity": ("detention", "advocacy", "rescue"),
    "target_group": ("irregular",),
    "service_type": ("advocacy",),
}
#: Questions published only in aggregate (besides the detail groups of the aggregate
#: activities): personal data and free text.
AGGREGATE_QUESTIONS = frozenset(
    {
        "respondent",
        "resp_name",
        "resp_position",
        "resp_email",
        "resp_phone",
        "activities_other",
        "comments",
    }
)


def _q(
    type_: str,
    name: str,
    labels: tuple[str, str, str] | None = None,
    hints: tuple[str, str, str] | None = None,
    *,
    required: bool = False,
    relevant: str = "",
    constraint: str = "",
    message: str = "",
    appearance: str = "",
) -> list[str]:
    """One survey row; ``disclosure`` is filled in by :func:`_disclosure`."""
    labels = labels or ("", "", "")
    hints = hints or ("", "", "")
    return [
        type_,
        name,
        *labels,
        *hints,
        "yes" if required else "",
        relevant,
        constraint,
        *_translate_message(message),
        appearance,
        "",
    ]


def _disclosure(rows: list[list[str]]) -> list[list[str]]:
    """Fill the ``disclosure`` column: ``aggregate`` for :data:`AGGREGATE_QUESTIONS`
    and for every row of the detail group of an aggregate activity, ``public`` for
    the other rows with a name, empty for the end of a group."""
    col = SURVEY_COLUMNS.index("disclosure")
    groups = {f"act_{code}" for code in AGGREGATE_CHOICES["activity"]}
    inside: list[str] = []
    for row in rows:
        kind, name = row[0], row[1]
        if kind == "begin_group":
            inside.append(name)
        if kind == "end_group":
            inside.pop()
            continue
        hidden = name in AGGREGATE_QUESTIONS or any(g in groups for g in inside)
        row[col] = AGGREGATE if hidden else PUBLIC
    return rows


def _translate_message(message: str) -> tuple[str, str, str]:
    """Constraint messages in the three form languages."""
    if not message:
        return ("", "", "")
    fixed = {
        "The date cannot be in the future.": (
            "La date ne peut pas être dans le futur.",
            "La fecha no puede ser futura.",
        ),
        "Enter an email address such as name@redcross.org.": (
            "Saisissez une adresse comme nom@croix-rouge.org.",
            "Introduzca una dirección como nombre@cruzroja.org.",
        ),
        "Cannot exceed the number of branches.": (
            "Ne peut pas dépasser le nombre de branches.",
            "No puede superar el número de filiales.",
        ),
    }
    if message in fixed:
        return (message, *fixed[message])
    m = re.match(r"Enter a number between 0 and ([0-9,]+)[.]", message)
    if not m:
        raise ValueError(f"no translation for constraint message {message!r}")
    top = m.group(1)
    return (
        message,
        f"Saisissez un nombre entre 0 et {top.replace(',', ' ')}.",
        f"Introduzca un número entre 0 y {top.replace(',', '.')}.",
    )


def _three(en: str, fr: str, es: str) -> tuple[str, str, str]:
    return (en, fr, es)


def survey_rows() -> list[list[str]]:
    """Return the rows of the ``survey`` sheet."""
    rows: list[list[str]] = []
    add = rows.append
    add(_q("start", "start"))
    add(_q("end", "end"))
    add(_q("today", "today"))
    add(
        _q(
            "note",
            "intro_note",
            _three(
                "**Mapping of National Society programmes for migrants.** This questionnaire asks which "
                "activities your National Society runs for migrants, for whom, at which stage of the "
                "migratory journey and at what scale. Definitions of every activity type are given with "
                "each activity. Your contact details are kept confidential and never published.",
                "**Cartographie des programmes des Sociétés nationales en faveur des migrants.** Ce "
                "questionnaire porte sur les activités que votre Société nationale mène pour les migrants, "
                "pour qui, à quelle étape du parcours migratoire et à quelle échelle. Chaque type "
                "d'activité est défini. Vos coordonnées restent confidentielles.",
                "**Mapeo de los programas de las Sociedades Nacionales para personas migrantes.** Este "
                "cuestionario pregunta qué actividades realiza su Sociedad Nacional para las personas "
                "migrantes, para quién, en qué etapa del recorrido migratorio y a qué escala. Cada tipo de "
                "actividad está definido. Sus datos de contacto son confidenciales.",
            ),
        )
    )
    add(
        _q(
            "begin_group",
            "society",
            _three("Your National Society", "Votre Société nationale", "Su Sociedad Nacional"),
        )
    )
    add(
        _q(
            "select_one ns",
            "ns_iso3",
            _three(
                "Which National Society are you answering for?",
                "Pour quelle Société nationale répondez-vous ?",
                "¿En nombre de qué Sociedad Nacional responde?",
            ),
            required=True,
            appearance="minimal",
        )
    )
    add(
        _q(
            "date",
            "report_date",
            _three("Date of this report", "Date de ce rapport", "Fecha de este informe"),
            required=True,
            constraint=". <= today()",
            message="The date cannot be in the future.",
        )
    )
    add(
        _q(
            "begin_group",
            "respondent",
            _three(
                "Person completing the questionnaire (confidential)",
                "Personne qui remplit le questionnaire (confidentiel)",
                "Persona que completa el cuestionario (confidencial)",
            ),
        )
    )
    add(
        _q(
            "text",
            "resp_name",
            _three("Full name", "Nom complet", "Nombre completo"),
            required=True,
        )
    )
    add(_q("text", "resp_position", _three("Position", "Fonction", "Cargo")))
    add(
        _q(
            "text",
            "resp_email",
            _three("Email", "Courriel", "Correo electrónico"),
            constraint="regex(., '^[^@ ]+@[^@ ]+[.][^@ ]+$')",
            message="Enter an email address such as name@redcross.org.",
        )
    )
    add(
        _q(
            "text",
            "resp_phone",
            _three(
                "Telephone (with country code)",
                "Téléphone (avec indicatif du pays)",
                "Teléfono (con código de país)",
            ),
        )
    )
    add(_q("end_group", "respondent"))
    add(_q("end_group", "society"))

    add(
        _q(
            "begin_group",
            "programmes",
            _three(
                "Programmes for migrants",
                "Programmes pour les migrants",
                "Programas para personas migrantes",
            ),
        )
    )
    add(
        _q(
            "select_one yes_no",
            "has_migration_programme",
            _three(
                "In the last 12 months, did your National Society run any activity for migrants?",
                "Au cours des 12 derniers mois, votre Société nationale a-t-elle mené des activités "
                "pour les migrants ?",
                "En los últimos 12 meses, ¿realizó su Sociedad Nacional alguna actividad para personas "
                "migrantes?",
            ),
            _three(
                "Migrants: all people who leave or flee their habitual residence to go to new places, "
                "usually abroad, whatever their legal status (IFRC Policy on Migration, 2009).",
                "Migrants : toutes les personnes qui quittent ou fuient leur lieu de résidence habituel "
                "pour aller ailleurs, généralement à l'étranger, quel que soit leur statut (Politique "
                "de la FICR relative aux migrations, 2009).",
                "Migrantes: todas las personas que dejan o huyen de su lugar de residencia habitual "
                "hacia otros lugares, normalmente en el extranjero, sea cual sea su situación jurídica "
                "(Política de la FICR sobre migración, 2009).",
            ),
            required=True,
        )
    )
    add(
        _q(
            "select_multiple activity",
            "activities",
            _three(
                "Which types of activity did it run for migrants? Select all that apply.",
                "Quels types d'activités a-t-elle menés ? Cochez toutes les réponses pertinentes.",
                "¿Qué tipos de actividades realizó? Seleccione todas las que correspondan.",
            ),
            _three(
                "Each type is defined on the next pages; count an activity once, under its "
                "main type.",
                "Chaque type est défini aux pages suivantes ; comptez une activité une seule "
                "fois, sous son type principal.",
                "Cada tipo se define en las páginas siguientes; cuente cada actividad una sola "
                "vez, en su tipo principal.",
            ),
            required=True,
            relevant="${has_migration_programme} = 'yes'",
        )
    )
    add(
        _q(
            "text",
            "activities_other",
            _three(
                "Other activity: please describe",
                "Autre activité : décrivez-la",
                "Otra actividad: descríbala",
            ),
            required=True,
            relevant="selected(${activities}, 'other')",
        )
    )
    add(_q("end_group", "programmes"))

    add(
        _q(
            "begin_group",
            "activity_details",
            _three(
                "Details of each activity",
                "Détails de chaque activité",
                "Detalles de cada actividad",
            ),
            relevant="${has_migration_programme} = 'yes'",
        )
    )
    for code, en, fr, es, definition in ACTIVITIES:
        add(
            _q(
                "begin_group",
                f"act_{code}",
                _three(en, fr, es),
                _three(definition, definition, definition),
                relevant=f"selected(${{activities}}, '{code}')",
            )
        )
        add(
            _q(
                "select_multiple stage",
                f"{code}_stage",
                _three(
                    f"{en}: at which stages of the migratory journey?",
                    f"{fr} : à quelles étapes du parcours migratoire ?",
                    f"{es}: ¿en qué etapas del recorrido migratorio?",
                ),
                required=True,
            )
        )
        add(
            _q(
                "select_multiple target_group",
                f"{code}_groups",
                _three(
                    f"{en}: for which groups?",
                    f"{fr} : pour quels groupes ?",
                    f"{es}: ¿para qué grupos?",
                ),
                required=True,
            )
        )
        add(
            _q(
                "select_multiple service_type",
                f"{code}_service",
                _three(
                    f"{en}: which type of service?",
                    f"{fr} : quel type de service ?",
                    f"{es}: ¿qué tipo de servicio?",
                ),
                required=True,
            )
        )
        add(
            _q(
                "integer",
                f"{code}_reached",
                _three(
                    f"{en}: number of people reached in the last 12 months (estimate)",
                    f"{fr} : nombre de personnes atteintes au cours des 12 derniers mois (estimation)",
                    f"{es}: número de personas alcanzadas en los últimos 12 meses (estimación)",
                ),
                constraint=". >= 0 and . <= 50000000",
                message="Enter a number between 0 and 50,000,000.",
            )
        )
        add(_q("end_group", f"act_{code}"))
    add(_q("end_group", "activity_details"))

    add(_q("begin_group", "scale", _three("Scale", "Échelle", "Escala")))
    add(
        _q(
            "integer",
            "people_reached",
            _three(
                "Total number of migrants reached by all activities in the last 12 months (estimate)",
                "Nombre total de migrants atteints par l'ensemble des activités au cours des 12 derniers "
                "mois (estimation)",
                "Número total de personas migrantes alcanzadas por todas las actividades en los últimos "
                "12 meses (estimación)",
            ),
            constraint=". >= 0 and . <= 50000000",
            message="Enter a number between 0 and 50,000,000.",
            relevant="${has_migration_programme} = 'yes'",
        )
    )
    add(
        _q(
            "integer",
            "branches_total",
            _three(
                "Number of branches of the National Society",
                "Nombre de branches de la Société nationale",
                "Número de filiales de la Sociedad Nacional",
            ),
            required=True,
            constraint=". >= 0 and . <= 20000",
            message="Enter a number between 0 and 20,000.",
        )
    )
    add(
        _q(
            "integer",
            "branches_migration",
            _three(
                "Number of branches running activities for migrants",
                "Nombre de branches menant des activités pour les migrants",
                "Número de filiales con actividades para personas migrantes",
            ),
            constraint=". >= 0 and . <= ${branches_total}",
            message="Cannot exceed the number of branches.",
            relevant="${has_migration_programme} = 'yes'",
        )
    )
    add(
        _q(
            "integer",
            "staff_migration",
            _three(
                "Staff working on migration (full-time equivalent)",
                "Personnel travaillant sur la migration (équivalent temps plein)",
                "Personal que trabaja en migración (equivalente a tiempo completo)",
            ),
            constraint=". >= 0 and . <= 100000",
            message="Enter a number between 0 and 100,000.",
        )
    )
    add(
        _q(
            "integer",
            "volunteers_migration",
            _three(
                "Volunteers active on migration in the last 12 months",
                "Volontaires actifs sur la migration au cours des 12 derniers mois",
                "Voluntarios activos en migración en los últimos 12 meses",
            ),
            constraint=". >= 0 and . <= 1000000",
            message="Enter a number between 0 and 1,000,000.",
        )
    )
    add(_q("end_group", "scale"))

    add(
        _q(
            "begin_group",
            "cooperation",
            _three(
                "Cooperation along migratory routes",
                "Coopération le long des routes migratoires",
                "Cooperación a lo largo de las rutas migratorias",
            ),
        )
    )
    add(
        _q(
            "select_one yes_no",
            "coop_any",
            _three(
                "Did you cooperate with other National Societies on migration in the last 12 months?",
                "Avez-vous coopéré avec d'autres Sociétés nationales sur la migration au cours des 12 "
                "derniers mois ?",
                "¿Cooperó con otras Sociedades Nacionales en materia de migración en los últimos 12 "
                "meses?",
            ),
            required=True,
        )
    )
    add(
        _q(
            "select_multiple ns",
            "coop_partners",
            _three(
                "With which National Societies?",
                "Avec quelles Sociétés nationales ?",
                "¿Con qué Sociedades Nacionales?",
            ),
            required=True,
            relevant="${coop_any} = 'yes'",
            appearance="minimal",
        )
    )
    add(
        _q(
            "select_multiple activity",
            "coop_activities",
            _three(
                "On which types of activity?",
                "Sur quels types d'activités ?",
                "¿En qué tipos de actividades?",
            ),
            relevant="${coop_any} = 'yes'",
        )
    )
    add(
        _q(
            "select_one yes_no",
            "coop_interest",
            _three(
                "Would your National Society like to cooperate more with Societies along the same routes?",
                "Votre Société nationale souhaite-t-elle coopérer davantage avec les Sociétés des mêmes "
                "routes ?",
                "¿Desea su Sociedad Nacional cooperar más con las Sociedades de las mismas rutas?",
            ),
        )
    )
    add(
        _q(
            "select_multiple language",
            "work_languages",
            _three(
                "Working languages of your National Society",
                "Langues de travail de votre Société nationale",
                "Idiomas de trabajo de su Sociedad Nacional",
            ),
        )
    )
    add(_q("end_group", "cooperation"))
    add(
        _q(
            "text",
            "comments",
            _three("Any other comments", "Autres commentaires", "Otros comentarios"),
            appearance="multiline",
        )
    )
    return _disclosure(rows)


def choice_rows(frame_csv: Path) -> list[list[str]]:
    """Return the rows of the ``choices`` sheet (``disclosure`` last)."""
    rows: list[list[str]] = []
    for code, en, fr, es, definition in [*ACTIVITIES, OTHER]:
        rows.append(["activity", code, en, fr, es, definition])
    for code, en, fr, es, definition in STAGES:
        rows.append(["stage", code, en, fr, es, definition])
    for code, en, fr, es in TARGET_GROUPS:
        rows.append(["target_group", code, en, fr, es, ""])
    for code, en, fr, es, definition in SERVICE_TYPES:
        rows.append(["service_type", code, en, fr, es, definition])
    for code, en, fr, es in YES_NO:
        rows.append(["yes_no", code, en, fr, es, ""])
    for code, en, fr, es in LANGUAGES:
        rows.append(["language", code, en, fr, es, ""])
    with frame_csv.open(encoding="utf-8") as fh:
        for rec in sorted(csv.DictReader(fh), key=lambda r: r["country"]):
            label = f"{rec['country']} — {rec['society_name']}"
            rows.append(["ns", rec["iso3"], label, label, label, ""])
    for row in rows:
        hidden = row[1] in AGGREGATE_CHOICES.get(row[0], ())
        row.append(AGGREGATE if hidden else PUBLIC)
    return rows


def build(out: Path, frame_csv: Path) -> None:
    """Write the XLSForm workbook to ``out``."""
    wb = Workbook()
    fixed = dt.datetime(2026, 11, 27)
    wb.properties.creator = "nsmap toolkit"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for row in survey_rows():
        survey.append(row)
    choices = wb.create_sheet("choices")
    choices.append(CHOICE_COLUMNS)
    for row in choice_rows(frame_csv):
        choices.append(row)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "style"])
    settings.append(
        [
            "National Society programmes for migrants: mapping questionnaire",
            "nsmap_migration",
            VERSION,
            "English (en)",
            "pages",
        ]
    )
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(out)


_DATA = Path(__file__).resolve().parent.parent / "toolkit" / "data"

if __name__ == "__main__":
    # Defaults are the package's own files, wherever the script is run from.
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else _DATA / "instrument.xlsx"
    frame = Path(sys.argv[2]) if len(sys.argv) > 2 else _DATA / "membership.csv"
    build(target, frame)
    print(f"wrote {target}")
