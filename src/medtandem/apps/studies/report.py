"""What the study report shows: design, participants, the AI, ROC curves, tests, reliance, checklist.

The checklist lists the DECIDE-AI (Vasey B et al. (2022) Nat Med 28:924-933) and CONSORT-AI
(Liu X et al. (2020) Nat Med 26:1364-1374) items the platform can fill from what it recorded;
the others are flagged for the authors.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Profession
from medtandem.apps.studies import figures, selectors, texts
from medtandem.apps.studies.analysis import StudyAnalysis, analyze_frame
from medtandem.apps.studies.models import Design, Study
from medtandem.mrmc.report import render_html
from medtandem.reliance.analysis import EXPERIENCE_BANDS, experience_band


def analysis_for(study: Study) -> StudyAnalysis:
    """Live analysis of an open study; for a locked study, the analysis of its locked reads."""
    if study.is_locked and study.locked_reads_csv:
        frame = selectors.frame_from_csv(study.locked_reads_csv)
    else:
        frame = selectors.study_frame(study)
    return analyze_frame(frame, endpoint=study.endpoint, threshold=study.threshold)


def mrmc_html(analysis: StudyAnalysis) -> str | None:
    if analysis.mrmc_result is None:
        return None
    return render_html(analysis.mrmc_result)


def design_text(study: Study) -> str:
    if study.design == Design.CROSSED:
        return _(
            "Plan croisé complet : chaque lecteur lit chaque cas sans IA et avec IA, en deux sessions "
            "séparées d'au moins %(days)d jours ; l'ordre des conditions est contrebalancé par "
            "randomisation en blocs permutés."
        ) % {"days": study.washout_days}
    if study.design == Design.SEQUENTIAL:
        return _(
            "Plan séquentiel : chaque lecteur lit chaque cas sans IA, valide sa lecture, puis voit la "
            "suggestion de l'IA et valide une lecture avec IA, dans la même séance."
        )
    return _(
        "Plan split-plot : les lecteurs sont répartis en %(n)d groupes, chacun lit un bloc de cas "
        "différent sans IA et avec IA, en deux sessions séparées d'au moins %(days)d jours."
    ) % {"n": study.n_blocks, "days": study.washout_days}


def participants_summary(study: Study) -> dict[str, Any]:
    parts = list(study.participants.all())
    active = [p for p in parts if p.withdrawn_at is None]
    professions = dict(Profession.choices)
    bands = Counter(experience_band(p.years_experience) for p in active)
    return {
        "enrolled": len(parts),
        "withdrawn": len(parts) - len(active),
        "analysed": len(active),
        "by_profession": sorted(
            Counter(str(professions.get(p.profession, p.profession or "—")) for p in active).items()
        ),
        "by_experience": [
            (_("inconnue") if b == "unknown" else b, bands[b])
            for b in (*EXPERIENCE_BANDS, "unknown")
            if bands[b]
        ],
        "prior_training": sum(p.prior_ecg_training for p in active),
        "by_arm": sorted(
            Counter(
                " → ".join(texts.condition_label(c) for c in p.condition_order) for p in active
            ).items()
        ),
    }


def checklist(
    study: Study, analysis: StudyAnalysis, participants: dict[str, Any]
) -> list[dict[str, Any]]:
    """DECIDE-AI / CONSORT-AI items: filled by the platform where it can, otherwise flagged."""
    n_cases = study.case_set.cases.count()
    ai = f"{study.ai_model_name} {study.ai_model_version}".strip()
    rel = analysis.reliance
    error_text = ""
    if rel is not None:
        o = rel.overall
        error_text = _(
            "Exactitude avec IA quand l'IA a raison : %(r)s ; quand elle se trompe : %(w)s ; "
            "sur-confiance : %(o)s ; sous-confiance : %(u)s."
        ) % {
            "r": _pct(o.aided_accuracy_ai_right.value),
            "w": _pct(o.aided_accuracy_ai_wrong.value),
            "o": _pct(o.over_reliance.value),
            "u": _pct(o.under_reliance.value),
        }
    items = [
        ("DECIDE-AI, CONSORT-AI", _("Usage prévu de l'IA"), study.intended_use),
        (
            "DECIDE-AI, CONSORT-AI",
            _("Version de l'IA"),
            (ai + (f" — {study.ai_model_card_url}" if study.ai_model_card_url else ""))
            if ai
            else "",
        ),
        ("DECIDE-AI, CONSORT-AI", _("Formation des lecteurs à l'outil"), study.reader_training),
        (
            "CONSORT-AI",
            _("Données d'entrée"),
            _(
                "%(n)d ECG 12 dérivations de la série « %(set)s » (vérité : étiquettes des cardiologues) ; critère : "
                "%(endpoint)s."
            )
            % {"n": n_cases, "set": study.case_set.name, "endpoint": study.endpoint},
        ),
        (
            "CONSORT-AI",
            _("Traitement des entrées de mauvaise qualité"),
            study.poor_quality_handling,
        ),
        (
            "DECIDE-AI, CONSORT-AI",
            _("Interaction humain–IA"),
            design_text(study)
            + " "
            + _(
                "L'IA affiche une probabilité par classe ; aucun retour sur la vérité "
                "n'est montré pendant l'étude."
            ),
        ),
        (
            "CONSORT-AI",
            _("Sortie de l'IA et seuil"),
            _(
                "Probabilités par superclasse ; décision de l'IA : probabilité ≥ 0,5 ; décision du lecteur : "
                "confiance ≥ %(t)d."
            )
            % {"t": study.threshold},
        ),
        ("DECIDE-AI, CONSORT-AI", _("Analyse des erreurs"), error_text),
        (
            "CONSORT",
            _("Participants (inclus, retirés, analysés)"),
            _("%(e)d inclus, %(w)d retirés, %(a)d analysés.")
            % {
                "e": participants["enrolled"],
                "w": participants["withdrawn"],
                "a": participants["analysed"],
            },
        ),
        (
            "CONSORT",
            _("Randomisation"),
            _(
                "Blocs permutés (ordre des conditions%(blocks)s) et ordre des cas tiré par lecteur et par session ; "
                "graine %(seed)d enregistrée."
            )
            % {
                "seed": study.seed,
                "blocks": _(", groupes") if study.design == Design.SPLIT_PLOT else "",
            },
        ),
        ("DECIDE-AI", _("Enregistrement et protocole"), ""),
        ("CONSORT", _("Justification de l'effectif"), ""),
        ("DECIDE-AI", _("Avis éthique et réglementaire"), ""),
        ("DECIDE-AI", _("Sécurité et événements indésirables"), ""),
        ("CONSORT", _("Financement et conflits d'intérêts"), ""),
    ]
    return [{"guideline": g, "item": i, "value": v, "filled": bool(v)} for g, i, v in items]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def report_context(study: Study) -> dict[str, Any]:
    analysis = analysis_for(study)
    participants = participants_summary(study)
    return {
        "study": study,
        "analysis": analysis,
        "design_text": design_text(study),
        "participants": participants,
        "mrmc_text": texts.mrmc_conclusion(
            analysis.mrmc, n_readers=analysis.n_readers, n_cases=analysis.n_cases
        ),
        "roc": figures.study_roc(analysis),
        "reader_rocs": figures.reader_rocs(analysis),
        "reliance_figures": figures.study_reliance(analysis),
        "mrmc_html": mrmc_html(analysis),
        "checklist": checklist(study, analysis, participants),
        "n_cases": study.case_set.cases.count(),
    }
