"""The national dashboard: learners trained against the targets, breakdowns, rates, medians, CSV."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medtandem.apps.accounts.models import Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.curriculum import demo, selectors, services
from medtandem.apps.curriculum.models import Activity, Enrolment, Programme

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _at(year: int, month: int = 6, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, tzinfo=PARIS)


def _enrol(learner, programme, enrolled: datetime, days: int | None) -> Enrolment:  # type: ignore[no-untyped-def]
    completed = enrolled + timedelta(days=days) if days is not None else None
    return Enrolment.objects.create(
        learner=learner,
        programme=programme,
        enrolled_at=enrolled,
        completed_at=completed,
        duration_days=days,
    )


@pytest.fixture
def population(db):  # type: ignore[no-untyped-def]
    """Two programmes; in 2025: three nurses in Bretagne and a simulated doctor in Occitanie."""
    rennes = Institution.objects.create(name="IFSI de Rennes", region="Bretagne")
    toulouse = Institution.objects.create(name="Faculté de Toulouse", region="Occitanie")
    core = Programme.objects.create(slug="socle", title="Socle numérique")
    ai = Programme.objects.create(slug="ia", title="IA en santé")
    nurses = [
        create_person(f"nurse{i}", None, [Role.LEARNER], institution=rennes, profession="nursing")
        for i in range(3)
    ]
    doctor = create_person(
        "sim-doc",
        None,
        [Role.LEARNER],
        institution=toulouse,
        profession="medicine",
        is_simulated=True,
    )
    _enrol(nurses[0], core, _at(2024, 9), 150)  # first completed in 2025 (January)
    _enrol(nurses[0], ai, _at(2025, 2), 10)  # second completion: not a new learner
    _enrol(nurses[1], core, _at(2025, 1), 30)
    _enrol(nurses[2], core, _at(2025, 3), None)  # in progress
    _enrol(doctor, core, _at(2025, 4), 20)
    _enrol(nurses[1], ai, _at(2023, 5), 40)  # trained in 2023
    services.refresh_national_stats()
    return {"core": core, "ai": ai}


def test_learners_trained_count_each_person_once_in_the_year_of_their_first_completion(population):
    figures = selectors.national_figures(2025)
    assert dict(figures.trained_by_year) == {2023: 1, 2025: 2}
    assert figures.trained_this_year == 2
    assert figures.simulated_this_year == 1  # the doctor


def test_the_five_year_cumulative_counts_against_half_a_million(population):
    figures = selectors.national_figures(2025)
    assert figures.five_year_window == (2021, 2025)
    assert figures.cumulative_five_years == 3
    assert figures.five_year_target == 500_000 and figures.annual_target == 100_000


def test_breakdowns_by_profession_region_institution_and_programme(population):
    figures = selectors.national_figures(2025)
    tables = {b.title: {r["label"]: r for r in b.rows} for b in figures.breakdowns}
    assert tables["Par profession"]["Soins infirmiers"]["trained"] == 1
    assert tables["Par région"]["Bretagne"]["enrolled"] == 3
    assert tables["Par établissement"]["IFSI de Rennes"]["completion_rate"] == pytest.approx(66.7)
    core = tables["Par programme"]["Socle numérique"]
    assert (core["enrolled"], core["completions"], core["completion_rate"]) == (3, 3, 66.7)
    assert core["median_days"] == 30  # completions in 2025: 150, 30, 20 days


def test_simulated_learners_are_counted_separately_and_can_be_left_out(db):
    programme = Programme.objects.create(slug="p", title="P")
    real = create_person("reel", None, [Role.LEARNER])
    fake = create_person("sim", None, [Role.LEARNER], is_simulated=True)
    _enrol(real, programme, _at(2025, 1), 10)
    _enrol(fake, programme, _at(2025, 1), 10)
    services.refresh_national_stats()
    assert selectors.national_figures(2025).simulated_this_year == 1
    assert selectors.national_figures(2025, include_simulated=False).trained_this_year == 1


def test_the_median_of_an_even_number_of_completions_is_the_mean_of_the_middle_two():
    assert selectors._median([(10, 1), (20, 1), (40, 2)]) == 30
    assert selectors._median([(5, 3)]) == 5
    assert selectors._median([]) is None


def test_the_dashboard_needs_the_same_queries_for_ten_or_a_hundred_learners(population):
    with CaptureQueriesContext(connection) as small:
        selectors.national_figures(2025)
    programme = population["core"]
    for i in range(100):
        learner = create_person(f"extra{i}", None, [Role.LEARNER], profession="pharmacy")
        _enrol(learner, programme, _at(2025, 2), i)
    services.refresh_national_stats()
    with CaptureQueriesContext(connection) as large:
        figures = selectors.national_figures(2025)
    assert figures.trained_this_year == 102
    assert len(large) == len(small)


def test_the_dashboard_page_is_for_administrators_with_svg_charts_and_csv(
    client, population, learner, administrator
):
    client.force_login(learner)
    assert client.get(reverse("curriculum:national")).status_code == 403
    client.force_login(administrator)
    page = client.get(reverse("curriculum:national"), {"year": 2025}).content.decode()
    assert "<svg" in page and "objectif" in page and "Bretagne" in page
    export = client.get(reverse("curriculum:national"), {"year": 2025, "format": "csv"})
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("section,label,year,learners_trained")
    assert "per_year,2025,2025,2,,,,,100000" in lines
    assert any(line.startswith("programme,Socle numérique,2025,3,3,3,66.7,30") for line in lines)


def test_the_refresh_button_recomputes_the_figures(client, population, administrator):
    programme = population["core"]
    _enrol(create_person("late", None, [Role.LEARNER]), programme, _at(2025, 5), 3)
    client.force_login(administrator)
    client.post(reverse("curriculum:national") + "?year=2025")
    assert selectors.national_figures(2025).trained_this_year == 3


def test_the_cli_writes_the_same_figures_as_csv(population, tmp_path, capsys):
    from medtandem.cli import build_parser

    parser = build_parser()
    from medtandem.apps.curriculum import commands

    sub = parser._subparsers._group_actions[0]  # the lead adds the module to COMMAND_MODULES
    if "report" not in sub.choices:
        commands.register(sub)
    out = tmp_path / "national.csv"
    args = parser.parse_args(
        ["report", "national", "--year", "2025", "--csv", "--output", str(out)]
    )
    assert args.func(args) == 0
    lines = out.read_text().splitlines()
    assert "per_year,2025,2025,2,,,,,100000" in lines
    args = parser.parse_args(["report", "national", "--year", "2025"])
    args.func(args)
    assert "2025: 2 learners trained / 100000" in capsys.readouterr().out


def test_the_demo_gives_the_dashboard_simulated_figures_and_is_idempotent(db):
    first = demo.load_demo(rng_seed=7, n_learners=150)
    again = demo.load_demo(rng_seed=7, n_learners=150)
    assert first.simulated_learners == 150 and again.simulated_learners == 0
    assert Programme.objects.count() == 2
    from django.utils import timezone

    figures = selectors.national_figures(timezone.localdate().year)
    assert figures.trained_this_year > 0
    assert figures.simulated_this_year == figures.trained_this_year


def test_the_demo_issues_attestations_only_on_evidence_of_every_hour(db):
    from medtandem.apps.curriculum.models import Attestation

    demo.load_demo(rng_seed=7, n_learners=150)
    attestations = list(Attestation.objects.select_related("enrolment__learner"))
    assert attestations and len(attestations) <= demo.SIMULATED_ATTESTATIONS
    for attestation in attestations:
        assert attestation.enrolment.learner.is_simulated
        evidence = attestation.evidence
        assert evidence["unevidenced"] == [] and evidence["pages"] and evidence["quizzes"]
        assert all(
            p["minutes"] * 60
            >= selectors.page_time_floor(
                Activity.objects.get(title=p["title"], module__programme__slug=demo.CORE_SLUG)
            ).total_seconds()
            - 60
            for p in evidence["pages"]
        )


def test_breakdown_charts_have_room_for_a_long_institution_name() -> None:
    """Issue 13: institution and programme labels were cut with an ellipsis at 640 px."""
    from medtandem.apps.curriculum.views import BREAKDOWN_CHART_WIDTH
    from medtandem.charts import Bar, bar_chart

    name = "UFR Sciences médicales — Bordeaux (démo)"  # the longest demo institution

    def chart(**width: int) -> str:
        bars = [Bar(name, 16), Bar("IFSI de Dijon (démo)", 16)]
        kw = {"title": "t", "value_title": "n", "locale": "fr", "category_header": "x"}
        return bar_chart(bars, empty_text="-", **kw, **width).svg  # type: ignore[arg-type]

    assert f">{name}<" in chart(width=BREAKDOWN_CHART_WIDTH) and "…" not in chart(
        width=BREAKDOWN_CHART_WIDTH
    )
    assert "…" in chart()  # the default width is what cut it
