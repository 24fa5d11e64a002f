"""The registry entry's fields, grouped as the anchors group them, and where each one has its home.

Anchors:
- EU AI Act (Regulation (EU) 2024/1689), Annex VIII, Section A: the information providers of
  high-risk AI systems register under Art. 49(1), items 1 to 13.
- Coalition for Health AI (CHAI), Applied Model Card (2024-2025): sections Basic info, Summary,
  Uses and directions, Warnings, Trust ingredients (AI system facts, Transparency information),
  Key metrics, Resources.

:data:`FIELDS` is the single source of this mapping: the form, the page, the JSON and the CHAI XML
exports and the table in docs/observatory.md are all built from it (a test checks that every
Annex VIII A item and every CHAI section has a home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # django-stubs' helper, a development dependency
    from django_stubs_ext import StrOrPromise

#: Annex VIII, Section A, items (short titles).
ANNEX_VIII_A = {
    1: "Name, address and contact details of the provider",
    2: "Where submitted by another person on the provider's behalf: that person's name, address and contact details",
    3: "Name, address and contact details of the authorised representative, where applicable",
    4: "Trade name and any additional unambiguous reference allowing identification and traceability",
    5: "Description of the intended purpose and of the components and functions supported",
    6: "Basic and concise description of the information used by the system (data, inputs) and its operating logic",
    7: "Status of the AI system (on the market / in service; no longer on the market or in service; recalled)",
    8: "Type, number and expiry date of the notified body's certificate and that body's name or number",
    9: "A scanned copy of the certificate of item 8",
    10: "Member States in which the system is placed on the market, put into service or made available",
    11: "A copy of the EU declaration of conformity (Art. 47)",
    12: "Electronic instructions for use",
    13: "A URL for additional information (optional)",
}

#: CHAI Applied Model Card sections (and the XML element of each).
CHAI_SECTIONS = {
    "BasicInfo": "Basic info",
    "Summary": "Summary",
    "UsesAndDirections": "Uses and directions",
    "Warnings": "Warnings",
    "AISystemFacts": "Trust ingredients: AI system facts",
    "TransparencyInformation": "Trust ingredients: transparency information",
    "KeyMetrics": "Key metrics",
    "Resources": "Resources",
}


@dataclass(frozen=True)
class Field:
    key: str
    label: StrOrPromise  # a lazy translation
    group: str
    annex: tuple[int, ...] = ()
    chai: str = ""
    kind: str = "text"  # text, line, url, column (a model column, not in the sheet)
    required: bool = False


@dataclass(frozen=True)
class Group:
    key: str
    label: StrOrPromise


GROUPS = (
    Group("provider", _("Fournisseur et contact")),
    Group("identity", _("Nom commercial et version")),
    Group(
        "purpose",
        _("Usage prévu, utilisateurs, population, place dans le parcours et contrôle humain"),
    ),
    Group("logic", _("Entrées et logique de fonctionnement")),
    Group("data", _("Données de développement")),
    Group("regulatory", _("Statut réglementaire")),
    Group("status", _("Statut et déploiement")),
    Group("performance", _("Performances annoncées")),
    Group("limitations", _("Limites connues et atténuation des biais")),
    Group("monitoring", _("Plan de surveillance")),
    Group("energy", _("Énergie et méthode de mesure")),
    Group("transparency", _("Financement et parties prenantes")),
    Group("resources", _("Notice d'utilisation et publications")),
)

FIELDS = (
    Field("provider_name", _("Fournisseur"), "provider", (1,), "BasicInfo", "line", True),
    Field("provider_address", _("Adresse du fournisseur"), "provider", (1,), "BasicInfo", "line"),
    Field(
        "provider_contact",
        _("Contact (demandes, signalements)"),
        "provider",
        (1,),
        "BasicInfo",
        "line",
    ),
    Field(
        "submitted_on_behalf_by",
        _("Déclaré pour le compte du fournisseur par"),
        "provider",
        (2,),
        "BasicInfo",
        "line",
    ),
    Field(
        "authorised_representative",
        _("Mandataire dans l'Union"),
        "provider",
        (3,),
        "BasicInfo",
        "line",
    ),
    Field("trade_name", _("Nom commercial"), "identity", (4,), "BasicInfo", "line", True),
    Field("version", _("Version"), "identity", (4,), "BasicInfo", "line", True),
    Field(
        "unique_reference",
        _("Référence unique (IUD-ID, numéro de modèle)"),
        "identity",
        (4,),
        "BasicInfo",
        "line",
    ),
    Field("release_date", _("Date de publication"), "identity", (), "BasicInfo", "line"),
    Field(
        "release_stage",
        _("Stade (recherche, pilote, déployé)"),
        "identity",
        (),
        "BasicInfo",
        "line",
    ),
    Field("summary", _("Résumé"), "purpose", (5,), "Summary"),
    Field("intended_purpose", _("Usage prévu"), "purpose", (5,), "UsesAndDirections", "text", True),
    Field(
        "components_functions", _("Composants et fonctions"), "purpose", (5,), "UsesAndDirections"
    ),
    Field("intended_users", _("Utilisateurs prévus"), "purpose", (5,), "UsesAndDirections"),
    Field("target_population", _("Population cible"), "purpose", (5,), "UsesAndDirections"),
    Field(
        "out_of_scope_uses",
        _("Usages déconseillés ou hors champ"),
        "purpose",
        (5,),
        "UsesAndDirections",
    ),
    Field("workflow", _("Place dans le parcours de soins"), "purpose", (5,), "UsesAndDirections"),
    Field("human_oversight", _("Contrôle humain"), "purpose", (5, 12), "UsesAndDirections"),
    Field("inputs", _("Entrées (données utilisées)"), "logic", (6,), "AISystemFacts"),
    Field("outputs", _("Sorties"), "logic", (6,), "AISystemFacts"),
    Field(
        "operating_logic",
        _("Logique de fonctionnement (type de modèle)"),
        "logic",
        (6,),
        "AISystemFacts",
    ),
    Field(
        "development_data",
        _("Données de développement (source, période, effectifs, étiquetage)"),
        "data",
        (6,),
        "AISystemFacts",
    ),
    Field("mdr_class", _("Classe MDR / IVDR"), "regulatory", (8,), "BasicInfo", "column"),
    Field(
        "notified_body",
        _("Organisme notifié (nom, numéro)"),
        "regulatory",
        (8,),
        "BasicInfo",
        "line",
    ),
    Field(
        "certificate",
        _("Certificat (type, numéro, date d'expiration)"),
        "regulatory",
        (8,),
        "BasicInfo",
        "line",
    ),
    Field(
        "certificate_url", _("Copie du certificat (lien)"), "regulatory", (9,), "Resources", "url"
    ),
    Field(
        "declaration_of_conformity_url",
        _("Déclaration UE de conformité (lien)"),
        "regulatory",
        (11,),
        "Resources",
        "url",
    ),
    Field("risk_class", _("Classe de risque AI Act"), "regulatory", (), "Warnings", "column"),
    Field(
        "ai_act_route",
        _("Procédure d'évaluation de la conformité AI Act"),
        "regulatory",
        (8,),
        "BasicInfo",
        "line",
    ),
    Field(
        "fda_submission", _("Numéro de soumission FDA"), "regulatory", (4,), "BasicInfo", "column"
    ),
    Field(
        "regulatory_status",
        _("Statut réglementaire (texte)"),
        "regulatory",
        (8,),
        "BasicInfo",
        "column",
    ),
    Field("status", _("Statut"), "status", (7,), "BasicInfo", "column"),
    Field(
        "deployed_in",
        _("États membres ou sites de déploiement"),
        "status",
        (10,),
        "BasicInfo",
        "line",
    ),
    Field(
        "performance_overall", _("Performance annoncée (globale)"), "performance", (), "KeyMetrics"
    ),
    Field(
        "performance_subgroups",
        _("Performance annoncée par sous-groupe"),
        "performance",
        (),
        "KeyMetrics",
    ),
    Field("test_data", _("Données de test et validation"), "performance", (), "KeyMetrics"),
    Field("known_limitations", _("Risques et limites connus"), "limitations", (), "Warnings"),
    Field("known_biases", _("Biais connus"), "limitations", (), "Warnings"),
    Field("bias_mitigation", _("Atténuation des biais"), "limitations", (), "AISystemFacts"),
    Field(
        "monitoring_plan",
        _("Plan de surveillance après mise sur le marché"),
        "monitoring",
        (),
        "AISystemFacts",
    ),
    Field("energy_training", _("Énergie d'entraînement"), "energy", (), "AISystemFacts", "line"),
    Field("energy_inference", _("Énergie par inférence"), "energy", (), "AISystemFacts", "line"),
    Field("energy_method", _("Méthode de mesure de l'énergie"), "energy", (), "AISystemFacts"),
    Field("funding", _("Financement"), "transparency", (), "TransparencyInformation"),
    Field(
        "stakeholders",
        _("Parties prenantes consultées, tiers"),
        "transparency",
        (),
        "TransparencyInformation",
    ),
    Field(
        "instructions_for_use_url",
        _("Notice d'utilisation électronique (lien)"),
        "resources",
        (12,),
        "Resources",
        "url",
    ),
    Field("publications", _("Publications et évaluations"), "resources", (), "Resources"),
    Field(
        "additional_info_url",
        _("Informations complémentaires (lien)"),
        "resources",
        (13,),
        "Resources",
        "url",
    ),
)

FIELD_BY_KEY = {f.key: f for f in FIELDS}
SHEET_KEYS = tuple(f.key for f in FIELDS if f.kind != "column")
COLUMN_KEYS = tuple(f.key for f in FIELDS if f.kind == "column")


def grouped(values: dict[str, object]) -> list[tuple[Group, list[tuple[Field, object]]]]:
    """The non-empty values in display order, by group."""
    out = []
    for group in GROUPS:
        rows = [
            (f, values.get(f.key))
            for f in FIELDS
            if f.group == group.key and values.get(f.key) not in (None, "")
        ]
        if rows:
            out.append((group, rows))
    return out
