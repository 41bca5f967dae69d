"""Build the bundled XLSForm questionnaire ``toolkit/data/instrument.xlsx``.

The workbook is the codebook of the study: question and choice names are stable
identifiers used everywhere downstream.  This script is the reviewable source of the
taxonomy (activity types with one-line definitions, target groups, migratory stages,
service types) and of the ``programme`` repeat group (:func:`programme_rows`: one
instance per programme, whose activity types the form carries to the Society level so
that nobody answers them twice); the committed workbook is its output and is what
KoboToolbox / ODK users upload.  Run it after editing the taxonomy::

    python scripts/build_instrument.py [out.xlsx [membership.csv]]

(defaults: ``toolkit/data/instrument.xlsx`` from ``toolkit/data/membership.csv``).

Labels, hints and constraint messages are in English, French and Spanish (written
here) and Arabic (``scripts/instrument_ar.csv``, see :data:`ARABIC_CSV`; the build
fails on a text without Arabic, on an Arabic text whose English has changed since it
was translated and on an unused row).  The Society (``ns``) and ``country`` lists are
generated from the membership table, with country names in French, Spanish and Arabic
from CLDR (Babel).

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

from babel import Locale
from babel.core import get_global
from openpyxl import Workbook
from openpyxl.styles import Font

#: Label languages, named as KoboToolbox and ODK show them (the language's own name and
#: its ISO 639-1 code).  English, French and Spanish texts are written in this script;
#: the Arabic ones come from :data:`ARABIC_CSV`.
LANGS = ("English (en)", "Français (fr)", "Español (es)", "العربية (ar)")
VERSION = "2026.2"

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

# Lists of the programme repeat.
PROGRAMME_STATUS = [
    ("running", "Running", "En cours", "En curso"),
    (
        "ended",
        "Ended in the last 12 months",
        "Terminé au cours des 12 derniers mois",
        "Terminado en los últimos 12 meses",
    ),
    (
        "planned",
        "Planned (not started yet)",
        "Prévu (pas encore commencé)",
        "Previsto (aún no iniciado)",
    ),
]
PARTNER_TYPES = [
    (
        "ns",
        "Other National Societies",
        "D'autres Sociétés nationales",
        "Otras Sociedades Nacionales",
    ),
    ("ifrc", "IFRC", "FICR", "FICR"),
    ("icrc", "ICRC", "CICR", "CICR"),
    ("un", "UN agencies", "Agences des Nations Unies", "Agencias de las Naciones Unidas"),
    ("government", "Government", "Pouvoirs publics", "Gobierno"),
    (
        "ngo",
        "Non-governmental or community organisations",
        "Organisations non gouvernementales ou communautaires",
        "Organizaciones no gubernamentales o comunitarias",
    ),
    ("other", "Other partners", "Autres partenaires", "Otros socios"),
    ("none", "No partner", "Aucun partenaire", "Ningún socio"),
]
FUNDING_TYPES = [
    (
        "own",
        "Own resources and domestic fundraising",
        "Ressources propres et collecte de fonds nationale",
        "Recursos propios y recaudación nacional",
    ),
    (
        "government",
        "National or local government",
        "Pouvoirs publics nationaux ou locaux",
        "Gobierno nacional o local",
    ),
    (
        "partner_ns",
        "Partner National Societies",
        "Sociétés nationales partenaires",
        "Sociedades Nacionales asociadas",
    ),
    (
        "ifrc",
        "IFRC (appeals, DREF, programme funds)",
        "FICR (appels, DREF, fonds de programmes)",
        "FICR (llamamientos, DREF, fondos de programas)",
    ),
    ("icrc", "ICRC", "CICR", "CICR"),
    ("un", "UN agencies", "Agences des Nations Unies", "Agencias de las Naciones Unidas"),
    (
        "institutional",
        "Other institutional donors (e.g. EU, bilateral aid)",
        "Autres bailleurs institutionnels (p. ex. UE, aide bilatérale)",
        "Otros donantes institucionales (p. ej. UE, ayuda bilateral)",
    ),
    (
        "private",
        "Private sector and foundations",
        "Secteur privé et fondations",
        "Sector privado y fundaciones",
    ),
    ("other", "Other", "Autre", "Otro"),
]
REACH_BASIS = [
    ("counted", "Counted (records)", "Compté (registres)", "Contado (registros)"),
    ("estimated", "Estimated", "Estimé", "Estimado"),
]

SURVEY_COLUMNS = (
    ["type", "name"]
    + [f"label::{lang}" for lang in LANGS]
    + [f"hint::{lang}" for lang in LANGS]
    + ["required", "relevant", "constraint"]
    + [f"constraint_message::{lang}" for lang in LANGS]
    + ["calculation", "appearance", "disclosure"]
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
        # programme repeat: a free-text description, and the contact role (a role,
        # never a person's name, but in a small Society it may point to one person)
        "prog_activities_other",
        "prog_contact_role",
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
    calculation: str = "",
    appearance: str = "",
) -> list[str]:
    """One survey row with the English, French and Spanish texts; the Arabic ones are
    filled in by :func:`_add_arabic`, ``disclosure`` by :func:`_disclosure`."""
    en_fr_es = ("", "", "")
    labels = labels or en_fr_es
    hints = hints or en_fr_es
    return [
        type_,
        name,
        *labels,
        "",
        *hints,
        "",
        "yes" if required else "",
        relevant,
        constraint,
        *_translate_message(message),
        "",
        calculation,
        appearance,
        "",
    ]


def _disclosure(rows: list[list[str]]) -> list[list[str]]:
    """Fill the ``disclosure`` column: ``aggregate`` for :data:`AGGREGATE_QUESTIONS`
    and for every row of the detail group of an aggregate activity, ``public`` for
    the other rows with a name, empty for the end of a group or repeat."""
    col = SURVEY_COLUMNS.index("disclosure")
    groups = {f"act_{code}" for code in AGGREGATE_CHOICES["activity"]}
    inside: list[str] = []
    for row in rows:
        kind, name = row[0], row[1]
        if kind in ("begin_group", "begin_repeat"):
            inside.append(name)
        if kind in ("end_group", "end_repeat"):
            inside.pop()
            continue
        hidden = name in AGGREGATE_QUESTIONS or any(g in groups for g in inside)
        row[col] = AGGREGATE if hidden else PUBLIC
    return rows


def _translate_message(message: str) -> tuple[str, str, str]:
    """Constraint messages in English, French and Spanish."""
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
        "Enter a year between 1900 and 2100.": (
            "Saisissez une année entre 1900 et 2100.",
            "Introduzca un año entre 1900 y 2100.",
        ),
        "'No partner' cannot be combined with a partner.": (
            "« Aucun partenaire » ne peut pas être combiné avec un partenaire.",
            "«Ningún socio» no puede combinarse con un socio.",
        ),
        "Choose other National Societies, not your own.": (
            "Choisissez d'autres Sociétés nationales, pas la vôtre.",
            "Elija otras Sociedades Nacionales, no la suya.",
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


def programme_rows() -> list[list[str]]:
    """Rows of the ``programme`` repeat (one instance per programme for migrants) and of
    the calculations that carry its activity types to the Society level.

    ``programme_activities`` is the space-separated list of the activity types of the
    programmes that ran in the last 12 months (status running or ended); where it is
    not empty, the Society-level ``activities`` question is not asked and the detail
    group of each activity type is shown for the types of the programmes, so that no
    respondent answers the activity types twice.
    """
    rows: list[list[str]] = []
    add = rows.append
    add(
        _q(
            "begin_repeat",
            "programme",
            _three(
                "Programme for migrants",
                "Programme pour les migrants",
                "Programa para personas migrantes",
            ),
            _three(
                "Add one entry per programme that ran in the last 12 months or is planned. "
                "If you cannot list programmes, add none: the next question then asks for "
                "the types of activity.",
                "Ajoutez une entrée par programme mené au cours des 12 derniers mois ou "
                "prévu. Si vous ne pouvez pas énumérer vos programmes, n'en ajoutez aucun : "
                "la question suivante demande alors les types d'activités.",
                "Añada una entrada por programa realizado en los últimos 12 meses o "
                "previsto. Si no puede enumerar sus programas, no añada ninguno: la "
                "pregunta siguiente pide entonces los tipos de actividades.",
            ),
            relevant="${has_migration_programme} = 'yes'",
        )
    )
    add(
        _q(
            "text",
            "prog_name",
            _three("Name of the programme", "Nom du programme", "Nombre del programa"),
            _three(
                "As your National Society calls it; use the same name in later mappings so "
                "that the programme can be followed over time.",
                "Tel que votre Société nationale l'appelle ; gardez le même nom lors des "
                "prochaines cartographies pour que le programme puisse être suivi.",
                "Tal como lo llama su Sociedad Nacional; use el mismo nombre en los próximos "
                "mapeos para que el programa pueda seguirse en el tiempo.",
            ),
            required=True,
        )
    )
    add(
        _q(
            "select_one programme_status",
            "prog_status",
            _three("Status", "Statut", "Estado"),
            required=True,
        )
    )
    add(
        _q(
            "integer",
            "prog_start_year",
            _three(
                "Year the programme started (or will start)",
                "Année de début du programme (ou prévue)",
                "Año de inicio del programa (o previsto)",
            ),
            constraint=". >= 1900 and . <= 2100",
            message="Enter a year between 1900 and 2100.",
        )
    )
    add(
        _q(
            "select_multiple activity",
            "prog_activities",
            _three(
                "Types of activity in this programme",
                "Types d'activités de ce programme",
                "Tipos de actividades de este programa",
            ),
            _three(
                "Select all that apply; the types are defined in the activity list.",
                "Cochez toutes les réponses pertinentes ; les types sont définis dans la "
                "liste des activités.",
                "Seleccione todas las que correspondan; los tipos se definen en la lista "
                "de actividades.",
            ),
            required=True,
        )
    )
    add(
        _q(
            "text",
            "prog_activities_other",
            _three(
                "Other activity: please describe",
                "Autre activité : décrivez-la",
                "Otra actividad: descríbala",
            ),
            required=True,
            relevant="selected(${prog_activities}, 'other')",
        )
    )
    add(
        _q(
            "select_multiple stage",
            "prog_stages",
            _three(
                "At which stages of the migratory journey?",
                "À quelles étapes du parcours migratoire ?",
                "¿En qué etapas del recorrido migratorio?",
            ),
            required=True,
        )
    )
    add(
        _q(
            "select_multiple target_group",
            "prog_groups",
            _three("For which groups?", "Pour quels groupes ?", "¿Para qué grupos?"),
            required=True,
        )
    )
    add(
        _q(
            "select_one country",
            "prog_country",
            _three("Country where it runs", "Pays où il est mené", "País donde se realiza"),
            _three(
                "Your own country unless the programme runs abroad.",
                "Votre propre pays, sauf si le programme est mené à l'étranger.",
                "Su propio país, salvo si el programa se realiza en el extranjero.",
            ),
            required=True,
            appearance="minimal",
        )
    )
    add(
        _q(
            "text",
            "prog_places",
            _three(
                "Places: regions (first administrative level) or cities",
                "Lieux : régions (premier niveau administratif) ou villes",
                "Lugares: regiones (primer nivel administrativo) o ciudades",
            ),
            _three(
                "Separate places with semicolons; if it runs across the whole country, say so.",
                "Séparez les lieux par des points-virgules ; s'il couvre tout le pays, "
                "indiquez-le.",
                "Separe los lugares con punto y coma; si abarca todo el país, indíquelo.",
            ),
        )
    )
    add(
        _q(
            "select_multiple partner_type",
            "prog_partners",
            _three(
                "Partners in this programme",
                "Partenaires de ce programme",
                "Socios de este programa",
            ),
            required=True,
            constraint="not(selected(., 'none') and count-selected(.) > 1)",
            message="'No partner' cannot be combined with a partner.",
        )
    )
    add(
        _q(
            "select_multiple ns",
            "prog_partner_ns",
            _three(
                "Which National Societies?",
                "Quelles Sociétés nationales ?",
                "¿Qué Sociedades Nacionales?",
            ),
            _three(
                "The partner Societies recorded here show where Societies already work "
                "together along migratory routes.",
                "Les Sociétés partenaires indiquées ici montrent où les Sociétés travaillent "
                "déjà ensemble le long des routes migratoires.",
                "Las Sociedades asociadas indicadas aquí muestran dónde las Sociedades ya "
                "trabajan juntas a lo largo de las rutas migratorias.",
            ),
            required=True,
            relevant="selected(${prog_partners}, 'ns')",
            constraint="not(selected(., ${ns_iso3}))",
            message="Choose other National Societies, not your own.",
            appearance="minimal",
        )
    )
    add(
        _q(
            "select_multiple funding_type",
            "prog_funding",
            _three(
                "How is the programme funded?",
                "Comment le programme est-il financé ?",
                "¿Cómo se financia el programa?",
            ),
            required=True,
        )
    )
    add(
        _q(
            "integer",
            "prog_reached",
            _three(
                "People reached by the programme in the last 12 months",
                "Personnes atteintes par le programme au cours des 12 derniers mois",
                "Personas alcanzadas por el programa en los últimos 12 meses",
            ),
            constraint=". >= 0 and . <= 50000000",
            message="Enter a number between 0 and 50,000,000.",
            relevant="${prog_status} != 'planned'",
        )
    )
    add(
        _q(
            "select_one reach_basis",
            "prog_reached_basis",
            _three(
                "Is this number counted or estimated?",
                "Ce nombre est-il compté ou estimé ?",
                "¿Este número es contado o estimado?",
            ),
            required=True,
            relevant="${prog_reached} != ''",
        )
    )
    add(
        _q(
            "text",
            "prog_contact_role",
            _three(
                "Contact for this programme: role or position only, never a person's name",
                "Contact pour ce programme : fonction seulement, jamais le nom d'une personne",
                "Contacto para este programa: solo el cargo, nunca el nombre de una persona",
            ),
            _three(
                "For example 'Migration programme coordinator'. A role stays valid when "
                "people change and is not personal data.",
                "Par exemple « Coordinateur du programme migration ». Une fonction reste "
                "valable quand les personnes changent et n'est pas une donnée personnelle.",
                "Por ejemplo «Coordinador del programa de migración». Un cargo sigue siendo "
                "válido cuando cambian las personas y no es un dato personal.",
            ),
        )
    )
    add(
        _q(
            "calculate",
            "prog_activities_run",
            _three(
                "Activity types of the programme if it ran in the last 12 months",
                "Types d'activités du programme s'il a été mené au cours des 12 derniers mois",
                "Tipos de actividades del programa si se realizó en los últimos 12 meses",
            ),
            calculation="if(${prog_status} = 'planned', '', ${prog_activities})",
        )
    )
    add(_q("end_repeat", "programme"))
    add(
        _q(
            "calculate",
            "programme_count",
            _three(
                "Number of programmes listed",
                "Nombre de programmes énumérés",
                "Número de programas enumerados",
            ),
            calculation="count(${programme})",
        )
    )
    add(
        _q(
            "calculate",
            "programme_activities",
            _three(
                "Activity types of the programmes that ran in the last 12 months",
                "Types d'activités des programmes menés au cours des 12 derniers mois",
                "Tipos de actividades de los programas realizados en los últimos 12 meses",
            ),
            calculation="normalize-space(join(' ', ${prog_activities_run}))",
        )
    )
    return rows


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
                "**Mapping of National Society programmes for migrants.** This questionnaire asks "
                "about the programmes your National Society runs for migrants: what they do, for "
                "whom, where, at which stage of the migratory journey, with which partners and at "
                "what scale. Definitions of every activity type are given with each activity. Your "
                "contact details are kept confidential and never published.",
                "**Cartographie des programmes des Sociétés nationales en faveur des migrants.** Ce "
                "questionnaire porte sur les programmes que votre Société nationale mène pour les "
                "migrants : ce qu'ils font, pour qui, où, à quelle étape du parcours migratoire, avec "
                "quels partenaires et à quelle échelle. Chaque type d'activité est défini. Vos "
                "coordonnées restent confidentielles.",
                "**Mapeo de los programas de las Sociedades Nacionales para personas migrantes.** Este "
                "cuestionario pregunta por los programas que su Sociedad Nacional realiza para las "
                "personas migrantes: qué hacen, para quién, dónde, en qué etapa del recorrido "
                "migratorio, con qué socios y a qué escala. Cada tipo de actividad está definido. Sus "
                "datos de contacto son confidenciales.",
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
    rows.extend(programme_rows())
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
                "Asked only when no programme that ran in the last 12 months is listed above "
                "(otherwise the types are taken from the programmes). Each type is defined "
                "on the next pages; count an activity once, under its main type.",
                "Posée seulement si aucun programme mené au cours des 12 derniers mois n'est "
                "énuméré ci-dessus (sinon les types sont repris des programmes). Chaque type "
                "est défini aux pages suivantes ; comptez une activité une seule fois, sous "
                "son type principal.",
                "Solo se pregunta si arriba no figura ningún programa realizado en los últimos "
                "12 meses (si no, los tipos se toman de los programas). Cada tipo se define "
                "en las páginas siguientes; cuente cada actividad una sola vez, en su tipo "
                "principal.",
            ),
            required=True,
            relevant="${has_migration_programme} = 'yes' and ${programme_activities} = ''",
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
                relevant=(
                    f"selected(${{activities}}, '{code}') or "
                    f"selected(${{programme_activities}}, '{code}')"
                ),
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


def _country_names(iso3: str, english: str) -> tuple[str, str, str, str]:
    """A country's name in English (the frame's) and, from CLDR, in French, Spanish and
    Arabic (the English name where CLDR has none)."""
    alpha2 = (get_global("territory_aliases").get(iso3.upper()) or [None])[0]
    names = [english]
    for code in ("fr", "es", "ar"):
        name = Locale(code).territories.get(alpha2) if alpha2 else None
        names.append(str(name) if name else english)
    return (names[0], names[1], names[2], names[3])


def choice_rows(frame_csv: Path) -> list[list[str]]:
    """Return the rows of the ``choices`` sheet (``disclosure`` last).

    Every label is in the four languages; the Arabic labels of the coded lists are
    filled in by :func:`_add_arabic`, those of the Society (``ns``) and country lists
    come from CLDR country names.
    """
    rows: list[list[str]] = []
    for code, en, fr, es, definition in [*ACTIVITIES, OTHER]:
        rows.append(["activity", code, en, fr, es, "", definition])
    for code, en, fr, es, definition in STAGES:
        rows.append(["stage", code, en, fr, es, "", definition])
    for code, en, fr, es in TARGET_GROUPS:
        rows.append(["target_group", code, en, fr, es, "", ""])
    for code, en, fr, es, definition in SERVICE_TYPES:
        rows.append(["service_type", code, en, fr, es, "", definition])
    for list_name, table in (
        ("yes_no", YES_NO),
        ("language", LANGUAGES),
        ("programme_status", PROGRAMME_STATUS),
        ("partner_type", PARTNER_TYPES),
        ("funding_type", FUNDING_TYPES),
        ("reach_basis", REACH_BASIS),
    ):
        for code, en, fr, es in table:
            rows.append([list_name, code, en, fr, es, "", ""])
    with frame_csv.open(encoding="utf-8") as fh:
        frame = sorted(csv.DictReader(fh), key=lambda r: r["country"])
    for rec in frame:
        label = f"{rec['country']} — {rec['society_name']}"
        arabic = f"{_country_names(rec['iso3'], rec['country'])[3]} — {rec['society_name']}"
        rows.append(["ns", rec["iso3"], label, label, label, arabic, ""])
    for rec in frame:
        rows.append(["country", rec["iso3"], *_country_names(rec["iso3"], rec["country"]), ""])
    for row in rows:
        hidden = row[1] in AGGREGATE_CHOICES.get(row[0], ())
        row.append(AGGREGATE if hidden else PUBLIC)
    return rows


# -- Arabic -----------------------------------------------------------------------------
#: The Arabic texts, one row per text: ``list_name`` (a choice list, or ``survey`` for
#: the survey sheet), ``name`` (the choice or question), ``column`` (``label``,
#: ``hint``, ``constraint_message``, or ``definition`` of an activity type), the
#: English text the translation was made from (``label_en``) and the Arabic
#: (``label_ar``).  A survey name with ``{code}`` is a template for every activity type
#: (``{code}_stage``, ``act_{code}``), whose texts use ``{label}`` and ``{definition}``
#: of that type.  The build fails when a text has no Arabic, when its English has
#: changed since it was translated, or when a row is no longer used.  The Society and
#: country lists take the Arabic country names from CLDR instead.
ARABIC_CSV = Path(__file__).resolve().parent / "instrument_ar.csv"
_AR_COLUMNS = ["list_name", "name", "column", "label_en", "label_ar"]
_FROM_CLDR = ("ns", "country")
Key = tuple[str, str, str]


def _read_arabic(path: Path) -> dict[Key, tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if list(reader.fieldnames or ()) != _AR_COLUMNS:
            raise ValueError(f"{path}: the header must be {','.join(_AR_COLUMNS)}")
        table: dict[Key, tuple[str, str]] = {}
        for line, rec in enumerate(reader, start=2):
            key = (rec["list_name"], rec["name"], rec["column"])
            if key in table:
                raise ValueError(f"{path}, row {line}: {key} is listed twice")
            if not rec["label_ar"].strip():
                raise ValueError(f"{path}, row {line}: {key} has no Arabic text")
            table[key] = (rec["label_en"], rec["label_ar"])
    return table


def _template(
    table: dict[Key, tuple[str, str]], key: Key, used: set[Key]
) -> tuple[str, str] | None:
    """The texts of a per-activity survey row, from its ``{code}`` template."""
    _, name, column = key
    for code, *_ in [*ACTIVITIES, OTHER]:
        if name == f"act_{code}":
            tname = "act_{code}"
        elif name.startswith(f"{code}_"):
            tname = "{code}" + name[len(code) :]
        else:
            continue
        tkey = ("survey", tname, column)
        if tkey not in table:
            return None
        en, ar = table[tkey]
        used.add(tkey)
        for field in ("label", "definition"):
            if "{" + field + "}" in en:
                fkey = ("activity", code, field)
                if fkey not in table:
                    return None
                used.add(fkey)
                en = en.replace("{" + field + "}", table[fkey][0])
                ar = ar.replace("{" + field + "}", table[fkey][1])
        return en, ar
    return None


def _add_arabic(survey: list[list[str]], choices: list[list[str]], path: Path) -> None:
    """Fill the Arabic columns of the survey and choices rows from ``path``.

    Raises
    ------
    ValueError
        Listing every text without Arabic, every translation whose English has changed
        and every row of ``path`` the form no longer uses.
    """
    table = _read_arabic(path)
    used: set[Key] = set()
    problems: list[str] = []

    def arabic(key: Key, english: str) -> str:
        hit = table.get(key)
        if hit is not None:
            used.add(key)
        else:
            hit = _template(table, key, used)
        if hit is None:
            problems.append(f"no Arabic for {key}: {english!r}")
            return ""
        if hit[0] != english:
            problems.append(
                f"the English of {key} has changed since it was translated: now "
                f"{english!r}, translated from {hit[0]!r}"
            )
        return hit[1]

    english, ar = LANGS[0], LANGS[3]
    for row in survey:
        for column in ("label", "hint", "constraint_message"):
            text = row[SURVEY_COLUMNS.index(f"{column}::{english}")]
            if text:
                row[SURVEY_COLUMNS.index(f"{column}::{ar}")] = arabic(
                    ("survey", row[1], column), text
                )
    for row in choices:
        if row[0] not in _FROM_CLDR:
            row[CHOICE_COLUMNS.index(f"label::{ar}")] = arabic((row[0], row[1], "label"), row[2])
    problems += [f"row {key} is not used by the form" for key in sorted(set(table) - used)]
    if problems:
        raise ValueError(f"{path}:\n  " + "\n  ".join(problems))


def build(out: Path, frame_csv: Path, arabic_csv: Path = ARABIC_CSV) -> None:
    """Write the XLSForm workbook to ``out`` (Arabic texts from ``arabic_csv``)."""
    survey_table = survey_rows()
    choice_table = choice_rows(frame_csv)
    _add_arabic(survey_table, choice_table, arabic_csv)
    wb = Workbook()
    fixed = dt.datetime(2026, 11, 27)
    wb.properties.creator = "nsmap toolkit"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for row in survey_table:
        survey.append(row)
    choices = wb.create_sheet("choices")
    choices.append(CHOICE_COLUMNS)
    for row in choice_table:
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
