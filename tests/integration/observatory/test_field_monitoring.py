"""Field monitoring from MedTandem's own reads: figures against independent oracles, the drift
alert, idempotence, and the public page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.urls import reverse
from sklearn.metrics import roc_auc_score
from tests.integration.observatory.conftest import build_field_world

from medtandem.apps.cases.services import current_model
from medtandem.apps.observatory import demo, selectors, services
from medtandem.apps.observatory.models import Alert, CaseFeatures, FieldMetric
from medtandem.apps.reading.models import Read
from medtandem.reliance.measures import reliance_measures

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def world(now):  # type: ignore[no-untyped-def]
    assert build_field_world(now) == 12 * 12 * 20 * 2
    services.refresh_field_monitoring(now=now)
    return selectors.version_of(current_model().name, current_model().version)


def _aided(version):  # type: ignore[no-untyped-def]
    """The aided reads of the stored run's period (its first window's start to its last's end)."""
    model = current_model()
    windows = selectors.latest_run(version).payload["windows"]
    start, end = (
        datetime.fromtimestamp(windows[0]["start"], tz=UTC),
        datetime.fromtimestamp(windows[-1]["end"], tz=UTC),
    )
    return list(
        Read.objects.filter(
            condition="aided",
            ai_prediction__model_name=model.name,
            submitted_at__gte=start,
            submitted_at__lte=end,
        ).select_related("case", "ai_prediction")
    )


def test_overall_figures_match_an_independent_computation(world, now) -> None:  # type: ignore[no-untyped-def]
    reads = _aided(world)
    # The unit is the distinct case shown: the AI's output on a case is the same for every reader.
    cases = {r.case_id: r for r in reads}.values()
    threshold = current_model().facts["operating_point"]["MI"]
    truth = np.array([r.case.mi for r in cases])
    prob = np.array([r.ai_prediction.probabilities["MI"] for r in cases])
    metric = FieldMetric.objects.get(
        run=selectors.latest_run(world), output="MI", window=-1, subgroup="all"
    )
    assert (metric.n, metric.n_reads) == (len(cases), len(reads))
    assert metric.sensitivity == pytest.approx(((prob >= threshold) & truth).sum() / truth.sum())
    assert metric.specificity == pytest.approx(((prob < threshold) & ~truth).sum() / (~truth).sum())
    assert metric.auc == pytest.approx(roc_auc_score(truth, prob))
    assert metric.auc_lower < metric.auc < metric.auc_upper
    assert metric.claimed_auc == current_model().card["key_metrics"]["cv10_auc_per_output"]["MI"]


def test_subgroups_partition_the_reads(world) -> None:  # type: ignore[no-untyped-def]
    run = selectors.latest_run(world)
    total = FieldMetric.objects.get(run=run, output="NORM", window=-1, subgroup="all")
    for subgroup in ("sex", "age_band", "device", "site", "profession"):
        rows = FieldMetric.objects.filter(run=run, output="NORM", subgroup=subgroup)
        assert sum(rows.values_list("n_reads", flat=True)) == total.n_reads
        if subgroup != "profession":  # a case belongs to one sex, age band, device and site
            assert sum(rows.values_list("n", flat=True)) == total.n


def test_the_injected_drift_raises_a_cusum_alert_in_the_drift_weeks(world, now) -> None:  # type: ignore[no-untyped-def]
    alert = Alert.objects.get(version=world, kind=Alert.Kind.PERFORMANCE)
    drift_start = now - timedelta(days=7 * (demo.WEEKS - demo.DRIFT_FROM_WEEK + 1))
    # Windows sit on a weekly grid: the drift's first window may start up to a week before it.
    assert alert.window_start >= drift_start - timedelta(days=7)
    assert alert.statistic > alert.limit == 4.0
    chart = selectors.latest_run(world).payload["control_chart"]
    assert chart["first_alarm"] >= demo.DRIFT_FROM_WEEK - 2
    services.refresh_field_monitoring(now=now + timedelta(days=1))
    assert Alert.objects.filter(version=world, kind=Alert.Kind.PERFORMANCE).count() == 1


def test_no_alert_without_drift(now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(demo, "DRIFT_FROM_WEEK", 99)
    build_field_world(now)
    services.refresh_field_monitoring(now=now)
    assert not Alert.objects.filter(kind=Alert.Kind.PERFORMANCE).exists()


def test_reliance_by_profession_agrees_with_the_reliance_core(world, now) -> None:  # type: ignore[no-untyped-def]
    aided = {(r.session_id, r.case_id): r for r in _aided(world) if not r.seen_truth_before}
    unaided = {
        (r.session_id, r.case_id): r
        for r in Read.objects.filter(condition="unaided", seen_truth_before=False)
    }
    op = current_model().facts["operating_point"]
    t, u, a, m = [], [], [], []
    for key, read in aided.items():
        if key not in unaided:
            continue
        for s in ("NORM", "MI", "STTC", "CD", "HYP"):
            t.append(getattr(read.case, s.lower()))
            u.append(getattr(unaided[key], s.lower()))
            a.append(getattr(read, s.lower()))
            m.append(read.ai_prediction.probabilities[s] >= op[s])
    core = reliance_measures(t, u, a, m)
    row = next(
        r for r in selectors.latest_run(world).payload["reliance"] if r["profession"] == "all"
    )
    assert (row["over_reliance"]["successes"], row["over_reliance"]["n"]) == (
        core.over_reliance.successes,
        core.over_reliance.n,
    )
    assert (row["under_reliance"]["successes"], row["under_reliance"]["n"]) == (
        core.under_reliance.successes,
        core.under_reliance.n,
    )


def test_refused_and_out_of_domain_suggestions_are_counted_and_refusals_leave_performance(
    world, now
) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.cases.models import AIPrediction

    predictions = list(AIPrediction.objects.order_by("pk"))
    refused, ood = predictions[:3], predictions[3:8]
    for p in refused:  # what the cache stores when the quality check refuses: no probabilities
        p.probabilities, p.explanation = {}, {**p.explanation, "refused": True}
        p.save(update_fields=["probabilities", "explanation"])
    for p in ood:
        p.explanation = {**p.explanation, "ood": {"flagged": True, "n_outside": 2, "outside": []}}
        p.save(update_fields=["explanation"])
    services.refresh_field_monitoring(now=now)
    run = selectors.latest_run(world)
    reads = _aided(world)
    shown = {r.case_id: r.ai_prediction_id for r in reads}  # one suggestion per case and model
    # The oracle reads the stored explanations again (the shipped model flags some demo ECGs itself).
    stored = {p.pk: p.explanation for p in AIPrediction.objects.all()}
    refused_ids = {pk for pk, e in stored.items() if e.get("refused")}
    ood_ids = {pk for pk, e in stored.items() if (e.get("ood") or {}).get("flagged")} - refused_ids
    assert refused_ids == {p.pk for p in refused} and {p.pk for p in ood} <= ood_ids
    overall = run.payload["input_flags"]["overall"]
    assert overall["n"] == len(shown)
    assert overall["refused"]["successes"] == sum(v in refused_ids for v in shown.values())
    assert overall["out_of_domain"]["successes"] == sum(v in ood_ids for v in shown.values())
    assert overall["out_of_domain"]["n"] == len(shown) - overall["refused"]["successes"]
    # A refused suggestion showed no probability: its cases and reads leave the performance figures.
    metric = FieldMetric.objects.get(run=run, output="MI", window=-1, subgroup="all")
    kept = [r for r in reads if r.ai_prediction_id not in refused_ids]
    assert (metric.n, metric.n_reads) == (len({r.case_id for r in kept}), len(kept))
    assert overall["refused"]["successes"] > 0 and overall["out_of_domain"]["successes"] > 0
    per_window = run.payload["input_flags"]["windows"]
    assert sum(w["n"] for w in per_window) >= overall["n"]  # a case may be shown in several weeks


def test_recomputing_is_idempotent_and_features_are_computed_once(world, now) -> None:  # type: ignore[no-untyped-def]
    before = (
        FieldMetric.objects.count(),
        Alert.objects.count(),
        selectors.latest_run(world).payload,
    )
    stamps = dict(CaseFeatures.objects.values_list("case_id", "computed_at"))
    services.refresh_field_monitoring(now=now)
    assert (
        FieldMetric.objects.count(),
        Alert.objects.count(),
        selectors.latest_run(world).payload,
    ) == before
    assert dict(CaseFeatures.objects.values_list("case_id", "computed_at")) == stamps
    drift = selectors.latest_run(world).payload["drift"]
    assert len(drift) == 79 and all(
        d["n_reference"] == len(stamps) - 0 or d["n_reference"] > 0 for d in drift
    )


def test_the_public_page_shows_charts_tables_and_the_simulation_notice(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("observatory:field", args=[world.slug])).content.decode()
    assert (
        'class="mt-chart"' in page
        and "Carte de contrôle p" in page
        and "<title" in page
        and 'id="spc-table"' in page
    )
    assert 'id="simulated-note"' in page and "trop peu de données" in page
    assert 'id="input-flags-table"' in page and "Hors domaine" in page
    data = client.get(
        "/api/v1/field-metrics", {"version": world.slug, "subgroup": "all", "output": "MI"}
    ).json()
    assert data["count"] == 13  # the whole period and 12 windows
