"""What the study report shows: design, participants and their flow, the AI, ROC curves, tests,
reliance, and the reporting checklists.

Every sentence of the report is built from what the platform recorded (:func:`selectors.read_facts`,
the analysis); what it cannot know is left to the authors and marked so. The checklists:

- DECIDE-AI: Vasey B et al. (2022) Nat Med 28:924-933 (also BMJ 377:e070904);
- CONSORT-AI: Liu X et al. (2020) Nat Med 26:1364-1374;
- CLAIM: Mongan J, Moy L, Kahn CE (2020) Radiol Artif Intell 2:e200029, updated by Tejani AS et al.
  (2024) Radiol Artif Intell 6:e240300 — the checklist for a retrospective reader study of stored
  recordings, offered beside the two above.

Item numbers are given only where they were checked against the published checklist: DECIDE-AI
2 (intended use, a and b), 3b (users' recruitment), 3c (users' familiarisation), 4a (the AI system
and its version) and the generic item III (research governance), read in the checklist as
reproduced in Eye (2025), doi:10.1038/s41433-025-03678-5, Table 1. Other items are named by their
topic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtandem.apps.accounts.models import Profession
from medtandem.apps.studies import analysis as study_analysis
from medtandem.apps.studies import figures, selectors, texts
from medtandem.apps.studies.analysis import StudyAnalysis, analyze_frame
from medtandem.apps.studies.models import Design, Study
from medtandem.apps.studies.selectors import ReadFacts
from medtandem.mrmc.report import render_html
from medtandem.reliance.analysis import EXPERIENCE_BANDS, experience_band

#: Who answers a checklist item: the platform, from the recorded data; or the authors (entered in
#: the study settings, or still to be written).
PLATFORM, AUTHORS = "platform", "authors"
DECIDE_AI, CONSORT_AI, CLAIM = "DECIDE-AI", "CONSORT-AI", "CLAIM"
GUIDELINES = (DECIDE_AI, CONSORT_AI, CLAIM)


@dataclass(frozen=True)
class ChecklistItem:
    guideline: str
    number: str  # "" where the item is named by its topic only
    topic: str
    value: str
    source: str  # PLATFORM or AUTHORS

    @property
    def filled(self) -> bool:
        return bool(self.value)


def analysis_for(study: Study) -> StudyAnalysis:
    """Live analysis of an open study; for a locked study, the analysis of its locked reads."""
    return analyze_frame(
        selectors.reads_frame(study), endpoint=study.endpoint, threshold=study.threshold
    )


def mrmc_html(analysis: StudyAnalysis) -> str | None:
    if analysis.mrmc_result is None:
        return None
    return render_html(analysis.mrmc_result)


def design_text(study: Study) -> str:
    """The design as planned (who reads what, in how many sessions); the randomisation is apart."""
    if study.design == Design.CROSSED:
        return _(
            "Plan croisé complet : chaque lecteur lit chaque cas sans IA et avec IA, en deux sessions "
            "séparées d'au moins %(days)d jours."
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


def randomisation_text(study: Study, facts: ReadFacts) -> str:
    """What the platform knows of the order and allocation, per design and per read source.

    Permuted blocks are stated only when every platform reader's allocation and orders are the
    plan the randomiser replays from the study seed (``facts.orders_from_randomiser``).
    """
    parts = []
    platform_reads = facts.reads_by_source.get(selectors.PLATFORM, 0)
    if facts.orders_from_randomiser is not None or platform_reads:
        if facts.orders_from_randomiser is False:
            parts.append(
                _(
                    "L'allocation ou l'ordre enregistrés pour certains lecteurs diffèrent du plan que "
                    "le tirage de la plateforme rejoue à partir de la graine %(seed)d : la "
                    "randomisation ne peut pas être affirmée."
                )
                % {"seed": study.seed}
            )
        elif study.design == Design.SEQUENTIAL:
            parts.append(
                _(
                    "Ordre des conditions fixe (sans IA puis avec IA pour chaque cas) : pas de "
                    "randomisation des conditions. Ordre des cas tiré au sort par lecteur (graine "
                    "d'étude %(seed)d, graine de séance enregistrée)."
                )
                % {"seed": study.seed}
            )
        elif study.design == Design.CROSSED:
            parts.append(
                _(
                    "Ordre des conditions contrebalancé par randomisation en blocs permutés de "
                    "taille %(k)d selon le rang d'inscription ; ordre des cas tiré au sort par "
                    "lecteur et par session ; graine d'étude %(seed)d enregistrée, plan rejouable."
                )
                % {"k": len(study.conditions or (1, 2)), "seed": study.seed}
            )
        else:
            parts.append(
                _(
                    "Allocation des lecteurs aux %(n)d blocs de cas et ordre des conditions par "
                    "randomisation en blocs permutés selon le rang d'inscription ; ordre des cas "
                    "tiré au sort par lecteur et par session ; graine d'étude %(seed)d enregistrée, "
                    "plan rejouable."
                )
                % {"n": study.n_blocks, "seed": study.seed}
            )
    if facts.reads_by_source.get(selectors.IMPORTED, 0):
        parts.append(
            _("Lectures importées (%(n)d) : ordre et allocation non enregistrés par la plateforme.")
            % {"n": facts.reads_by_source[selectors.IMPORTED]}
        )
    return " ".join(parts)


def participants_summary(study: Study, facts: ReadFacts | None = None) -> dict[str, Any]:
    """Who read: platform readers not withdrawn (profile at enrolment) and the flow counts."""
    facts = facts or selectors.read_facts(study)
    parts = list(study.participants.all())
    active = [p for p in parts if p.withdrawn_at is None]
    professions = dict(Profession.choices)
    bands = Counter(experience_band(p.years_experience) for p in active)
    flow = facts.flow
    return {
        "enrolled": flow.readers_enrolled,
        "withdrawn": flow.readers_withdrawn,
        "analysed": flow.readers_analysed,
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


# --- sentences made of facts ----------------------------------------------------------------


def ai_shown_text(facts: ReadFacts) -> str:
    if not facts.ai_shown:
        if facts.reads_by_source.get(selectors.PLATFORM, 0):
            return _("Aucune lecture avec IA enregistrée sur la plateforme.")
        return ""
    versions = ", ".join(
        ngettext(
            "%(model)s %(version)s (%(n)d lecture avec IA)",
            "%(model)s %(version)s (%(n)d lectures avec IA)",
            a.reads,
        )
        % {"model": a.model, "version": a.version, "n": a.reads}
        for a in facts.ai_shown
    )
    text = _("Version(s) de l'IA montrée(s), lecture par lecture : %(v)s.") % {"v": versions}
    if facts.aided_without_ai:
        text += " " + _("%(n)d lectures avec IA sans suggestion enregistrée.") % {
            "n": facts.aided_without_ai
        }
    return text


def feedback_text(facts: ReadFacts) -> str:
    if facts.reads_by_source.get(selectors.PLATFORM, 0) == 0:
        return ""
    shown = facts.feedback_shown
    if shown is None:
        return _(
            "Affichage de la vérité pendant l'étude : non enregistré dans les lectures exportées."
        )
    if shown:
        return _(
            "La vérité a été montrée aux lecteurs pendant l'étude après %(n)d lectures "
            "(%(v)d pages de correction vues)."
        ) % {"n": facts.feedback_reads or 0, "v": facts.feedback_views}
    return _("Aucune vérité n'a été montrée aux lecteurs pendant l'étude (d'après chaque lecture).")


def cases_text(study: Study, facts: ReadFacts) -> str:
    if not facts.flow.cases_read:
        return ""
    leads = ", ".join(
        (
            ngettext("%(n)d cas sans tracé enregistré", "%(n)d cas sans tracé enregistré", n)
            if k == 0
            else ngettext("%(n)d ECG à %(k)d dérivations", "%(n)d ECG à %(k)d dérivations", n)
        )
        % {"n": n, "k": k}
        for k, n in facts.leads.items()
    )
    sources = ", ".join(f"{s} ({n})" for s, n in facts.case_sources.items())
    licences = ", ".join(f"{s} ({n})" for s, n in facts.case_licences.items())
    return _(
        "%(read)d cas lus (série « %(set)s », %(total)d cas) : %(leads)s ; source des cas et de "
        "leurs étiquettes de vérité : %(sources)s ; licences : %(licences)s ; critère : %(endpoint)s."
    ) % {
        "read": facts.flow.cases_read,
        "set": study.case_set.name,
        "total": facts.flow.cases_in_set,
        "leads": leads,
        "sources": sources,
        "licences": licences,
        "endpoint": study.endpoint,
    }


def flow_text(facts: ReadFacts) -> str:
    f = facts.flow
    return _(
        "%(e)d lecteurs inclus (%(p)d sur la plateforme, %(i)d importés), %(w)d retirés "
        "(%(wr)d lectures écartées) ; %(r)d lectures enregistrées, %(s)d exclues (vérité déjà vue), "
        "%(f)d exclues (ancienne note incohérente) ; %(a)d lecteurs et %(c)d cas analysés "
        "(%(n)d lectures)."
    ) % {
        "e": f.readers_enrolled,
        "p": f.readers_platform,
        "i": f.readers_imported,
        "w": f.readers_withdrawn,
        "wr": f.reads_withdrawn,
        "r": f.reads_recorded,
        "s": f.reads_excluded.get(selectors.SEEN_TRUTH, 0),
        "f": f.reads_excluded.get(selectors.LEGACY_FLAG, 0),
        "a": f.readers_analysed,
        "c": f.cases_analysed,
        "n": f.reads_analysed,
    }


def _n(x: float | None, digits: int = 0) -> str:
    return figures.number(x, digits)


def _p(p: study_analysis.Proportion) -> str:
    return f"{_pct(p.value)} ({p.k}/{p.n})"


def exposure_text(exposure: study_analysis.UserExposure) -> str:
    if not exposure.n_readers:
        return ""
    r, a, m = (
        exposure.reads_per_reader,
        exposure.aided_reads_per_reader,
        exposure.minutes_per_reader,
    )
    text = _(
        "%(n)d lecteurs analysés ; lectures par lecteur : médiane %(r)s (%(rmin)s–%(rmax)s), dont "
        "avec IA : médiane %(a)s (%(amin)s–%(amax)s)."
    ) % {
        "n": exposure.n_readers,
        "r": _n(r.median, 1),
        "rmin": _n(r.minimum),
        "rmax": _n(r.maximum),
        "a": _n(a.median, 1),
        "amin": _n(a.minimum),
        "amax": _n(a.maximum),
    }
    if exposure.median_seconds_per_read is not None:
        text += " " + _(
            "Temps médian par lecture : %(s)s s ; temps de lecture total par lecteur : médiane "
            "%(m)s min (%(mmin)s–%(mmax)s)."
        ) % {
            "s": _n(exposure.median_seconds_per_read, 1),
            "m": _n(m.median, 1),
            "mmin": _n(m.minimum, 1),
            "mmax": _n(m.maximum, 1),
        }
    return text


def agreement_text(agreement: study_analysis.HumanAIAgreement) -> str:
    if not agreement.aided.n and not agreement.unaided.n:
        return ""
    text = _(
        "Accord de la décision du lecteur avec celle de l'IA : avec IA %(a)s, sans IA %(u)s."
    ) % {"a": _p(agreement.aided), "u": _p(agreement.unaided)}
    if agreement.switched_to_ai.n or agreement.switched_away.n:
        text += " " + _(
            "Changements entre la lecture sans IA et la lecture avec IA (lecture sans IA d'abord) : "
            "ralliement à l'IA quand le lecteur en différait %(to)s ; abandon de l'accord avec "
            "l'IA %(away)s."
        ) % {"to": _p(agreement.switched_to_ai), "away": _p(agreement.switched_away)}
    return text


def learning_text(curve: study_analysis.LearningCurve) -> str:
    if not any(p.n for p in curve.thirds):
        return ""
    first, second, last = curve.thirds
    return _(
        "Exactitude sans IA selon le rang de la lecture dans la séquence du lecteur (tiers) : "
        "premier %(a)s, deuxième %(b)s, dernier %(c)s (lectures importées exclues, leur ordre "
        "n'étant pas enregistré)."
    ) % {"a": _p(first), "b": _p(second), "c": _p(last)}


def _errors_text(analysis: StudyAnalysis) -> str:
    rel = analysis.reliance
    if rel is None:
        return ""
    o = rel.overall
    return _(
        "Exactitude avec IA quand l'IA a raison : %(r)s ; quand elle se trompe : %(w)s ; "
        "sur-confiance : %(o)s ; sous-confiance : %(u)s."
    ) % {
        "r": _pct(o.aided_accuracy_ai_right.value),
        "w": _pct(o.aided_accuracy_ai_wrong.value),
        "o": _pct(o.over_reliance.value),
        "u": _pct(o.under_reliance.value),
    }


def _interaction_text(study: Study, facts: ReadFacts) -> str:
    parts = [design_text(study)]
    if facts.ai_shown:
        parts.append(
            _(
                "Sur la plateforme, la lecture avec IA montre la probabilité de l'IA pour chaque "
                "superclasse après la validation de la lecture qui la précède."
            )
        )
    parts.append(feedback_text(facts))
    return " ".join(p for p in parts if p)


def _case_demographics(facts: ReadFacts) -> str:
    if not facts.case_sexes:
        return ""
    sexes = {"M": _("hommes"), "F": _("femmes"), "—": _("non renseigné")}
    return _("Cas lus : âge médian %(age)s ans (%(n)d renseignés) ; sexe : %(sex)s.") % {
        "age": _n(facts.median_age, 1),
        "n": facts.n_with_age,
        "sex": ", ".join(f"{sexes.get(k, k)} {v}" for k, v in facts.case_sexes.items()),
    }


def checklist(
    study: Study,
    analysis: StudyAnalysis,
    facts: ReadFacts,
    frame: Any = None,
) -> list[ChecklistItem]:
    """The DECIDE-AI, CONSORT-AI and CLAIM items: the platform's answers from the data, the authors'
    as entered in the study settings, the others left to the authors."""
    frame = selectors.reads_frame(study) if frame is None else frame
    exposure = study_analysis.user_exposure(frame)
    agreement = study_analysis.human_ai_agreement(frame, study.threshold)
    curve = study_analysis.learning_curve(frame, study.threshold)
    ai = ai_shown_text(facts)
    card = study.ai_model_card_url
    errors = _errors_text(analysis)
    interaction = _interaction_text(study, facts)
    flow = flow_text(facts)
    randomisation = randomisation_text(study, facts)
    cases = cases_text(study, facts)
    metrics = _(
        "AUC moyenne des lecteurs (Obuchowski–Rockette, covariance par jackknife, ddl de Hillis ; "
        "lecteurs et cas aléatoires) ; sensibilité et spécificité au seuil de confiance %(t)d "
        "(IC de Wilson) ; décision de l'IA : probabilité ≥ 0,5."
    ) % {"t": study.threshold}
    criteria = study.case_set.criteria
    criteria_text = (
        _("Série construite avec les critères : %(c)s.")
        % {"c": ", ".join(f"{k} = {v}" for k, v in sorted(criteria.items()))}
        if criteria
        else ""
    )
    P, A = PLATFORM, AUTHORS
    items = [
        # DECIDE-AI (item numbers checked against the published checklist where given)
        (DECIDE_AI, "2", _("Usage prévu de l'IA"), study.intended_use, A),
        (DECIDE_AI, "III", _("Protocole, enregistrement et avis éthique"), "", A),
        (DECIDE_AI, "3b", _("Recrutement des utilisateurs et effectif prévu"), "", A),
        (
            DECIDE_AI,
            "3c",
            _("Familiarisation des utilisateurs avec l'IA"),
            study.reader_training,
            A,
        ),
        (DECIDE_AI, "4a", _("Système d'IA et sa version"), ai, P),
        (DECIDE_AI, "", _("Fiche du modèle (URL)"), card, A),
        (DECIDE_AI, "", _("Caractéristiques des utilisateurs et flux"), flow, P),
        (DECIDE_AI, "", _("Exposition des utilisateurs à l'IA"), exposure_text(exposure), P),
        (DECIDE_AI, "", _("Accord humain–IA"), agreement_text(agreement), P),
        (DECIDE_AI, "", _("Courbes d'apprentissage"), learning_text(curve), P),
        (DECIDE_AI, "", _("Sécurité et erreurs : analyse des erreurs"), errors, P),
        (DECIDE_AI, "", _("Sécurité et événements indésirables"), "", A),
        (DECIDE_AI, "", _("Financement et conflits d'intérêts"), "", A),
        # CONSORT-AI (items named by topic)
        (CONSORT_AI, "", _("Version de l'IA"), ai, P),
        (CONSORT_AI, "", _("Données d'entrée"), cases, P),
        (
            CONSORT_AI,
            "",
            _("Traitement des entrées de mauvaise qualité"),
            study.poor_quality_handling,
            A,
        ),
        (CONSORT_AI, "", _("Interaction humain–IA"), interaction, P),
        (CONSORT_AI, "", _("Sortie de l'IA et seuil"), metrics, P),
        (CONSORT_AI, "", _("Analyse des erreurs"), errors, P),
        (CONSORT_AI, "", _("Flux des participants"), flow, P),
        (CONSORT_AI, "", _("Randomisation"), randomisation, P),
        (CONSORT_AI, "", _("Justification de l'effectif"), "", A),
        # CLAIM 2020 / 2024 (items named by topic)
        (CLAIM, "", _("Plan d'étude"), design_text(study) + " " + randomisation, P),
        (CLAIM, "", _("Sources des données"), cases, P),
        (CLAIM, "", _("Critères d'éligibilité des cas"), criteria_text, P if criteria_text else A),
        (CLAIM, "", _("Vérité de référence : définition et justification"), "", A),
        (CLAIM, "", _("Annotateurs de la vérité : qualification et préparation"), "", A),
        (CLAIM, "", _("Modèle : description et version"), ai, P),
        (CLAIM, "", _("Mesures de performance et incertitude"), metrics, P),
        (CLAIM, "", _("Flux des cas"), flow, P),
        (CLAIM, "", _("Caractéristiques des cas"), _case_demographics(facts), P),
        (CLAIM, "", _("Analyse des échecs (cas mal classés)"), errors, P),
        (CLAIM, "", _("Limites de l'étude"), "", A),
        (CLAIM, "", _("Enregistrement, protocole et financement"), "", A),
    ]
    return [ChecklistItem(g, n, t, v, s) for g, n, t, v, s in items]


def checklists_by_guideline(items: list[ChecklistItem]) -> list[tuple[str, list[ChecklistItem]]]:
    return [(g, [i for i in items if i.guideline == g]) for g in GUIDELINES]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def report_context(study: Study) -> dict[str, Any]:
    frame = selectors.reads_frame(study)
    analysis = analyze_frame(frame, endpoint=study.endpoint, threshold=study.threshold)
    facts = selectors.read_facts(study, frame)
    participants = participants_summary(study, facts)
    items = checklist(study, analysis, facts, frame)
    return {
        "study": study,
        "analysis": analysis,
        "design_text": design_text(study),
        "randomisation_text": randomisation_text(study, facts),
        "ai_shown_text": ai_shown_text(facts),
        "facts": facts,
        "flow": facts.flow,
        "participants": participants,
        "mrmc_text": texts.mrmc_conclusion(
            analysis.mrmc, n_readers=analysis.n_readers, n_cases=analysis.n_cases
        ),
        "roc": figures.study_roc(analysis),
        "reader_rocs": figures.reader_rocs(analysis),
        "reliance_figures": figures.study_reliance(analysis),
        "mrmc_html": mrmc_html(analysis),
        "checklist": items,
        "checklists": checklists_by_guideline(items),
        "n_cases": study.case_set.cases.count(),
    }
