"""Datathons: challenges on the bank, submissions validated and scored, leaderboards, downloads."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from sklearn.metrics import roc_auc_score
from tests.integration.datathons.conftest import DatathonWorld, make_challenge, predictions_csv
from tests.security import assert_csv_safe

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.selectors import record_of
from medtandem.apps.datathons import selectors, services
from medtandem.apps.datathons.models import ChallengeCase, Phase, Submission
from medtandem.ecg.wfdb import read_record

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a reader sees it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def _upload(client: Client, slug: str, text: str | bytes, **fields: str):  # type: ignore[no-untyped-def]
    data = text.encode("utf-8") if isinstance(text, str) else text
    upload = io.BytesIO(data)
    upload.name = "predictions.csv"
    return client.post(
        reverse("datathons:submit", kwargs={"slug": slug}), {"file": upload, **fields}
    )


# --- challenges ---------------------------------------------------------------------------------------


def test_a_challenge_splits_disjoint_phases_with_opaque_ids(world: DatathonWorld) -> None:
    links = list(ChallengeCase.objects.filter(challenge=world.challenge).select_related("case"))
    dev = {c.case_id for c in links if c.phase == Phase.DEVELOPMENT}
    final = {c.case_id for c in links if c.phase == Phase.FINAL}
    assert len(dev) == 30 and len(final) == 30 and not dev & final
    for link in links:
        assert link.public_id[0] in "DF" and link.public_id[0] == link.phase[0].upper()
        number = link.case.external_id.split(":")[1]
        assert number not in link.public_id and link.case.record_name not in link.public_id


def test_a_case_whose_truth_a_development_phase_published_never_enters_a_final(
    world: DatathonWorld,
) -> None:
    published = set(
        ChallengeCase.objects.filter(phase=Phase.DEVELOPMENT).values_list("case_id", flat=True)
    )
    # the first challenge is open: its cases are busy; a second one must draw elsewhere
    second = make_challenge(world.organiser, n=10)
    final = set(
        ChallengeCase.objects.filter(challenge=second, phase=Phase.FINAL).values_list(
            "case_id", flat=True
        )
    )
    mine = set(ChallengeCase.objects.filter(challenge=second).values_list("case_id", flat=True))
    assert not final & published
    assert not mine & set(
        ChallengeCase.objects.filter(challenge=world.challenge).values_list("case_id", flat=True)
    )


def test_dates_out_of_order_are_refused(bank: None, organiser) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    with pytest.raises(services.DatathonError, match="dates"):
        services.create_challenge(
            title="x",
            task="abnormal",
            n_development=5,
            n_final=5,
            development_opens=now,
            final_opens=now - timedelta(days=1),
            final_closes=now + timedelta(days=1),
            organiser=organiser,
        )


# --- a submission, scored against an independent implementation -------------------------------------


def test_a_submission_is_scored_as_scikit_learn_scores_it(world: DatathonWorld) -> None:
    ids = selectors.public_ids(world.challenge, Phase.DEVELOPMENT)
    links = {
        c.public_id: c.case
        for c in ChallengeCase.objects.filter(challenge=world.challenge).select_related("case")
    }
    truth = np.array([0 if links[i].norm else 1 for i in ids])
    rows = [
        line.split(",")
        for line in predictions_csv(world.challenge, Phase.DEVELOPMENT, noise=1.2)
        .strip()
        .split("\n")
    ]
    # The cases are drawn at random, so noise alone can separate them perfectly (AUC 1, and a
    # percentile bootstrap collapses to [1, 1]). One positive ranked below one negative keeps
    # the AUC under 1 whatever the draw, so the interval must straddle it.
    first_positive = 1 + int(np.flatnonzero(truth == 1)[0])
    first_negative = 1 + int(np.flatnonzero(truth == 0)[0])
    rows[first_positive][1], rows[first_negative][1] = "0.01", "0.99"
    text = "\n".join(",".join(r) for r in rows) + "\n"
    submission = services.submit(world.team, world.member, text)
    probs = np.array([float(r[1]) for r in rows[1:]])
    assert submission.scores["macro_auc"] == pytest.approx(roc_auc_score(truth, probs))
    lo, hi = submission.scores["macro_auc_ci"]
    assert lo < submission.scores["macro_auc"] < hi
    assert submission.scores["brier"] == pytest.approx(np.mean((probs - truth) ** 2))
    assert AuditEntry.objects.filter(action="datathon.submission_scored").count() == 1


def test_the_superclass_score_is_the_mean_of_scikit_learn_aucs() -> None:
    rng = np.random.default_rng(1)
    truth = (rng.random((80, 5)) < [0.5, 0.2, 0.2, 0.2, 0.1]).astype(int)
    probs = 1 / (1 + np.exp(-(truth + rng.normal(size=truth.shape))))
    scores = services.score(truth, probs, selectors.SUPERCLASS_OUTPUTS, seed=0)
    expected = [roc_auc_score(truth[:, k], probs[:, k]) for k in range(5)]
    assert scores["macro_auc"] == pytest.approx(np.mean(expected))
    assert scores["auc"]["HYP"] == pytest.approx(expected[4])


def test_a_team_submits_through_the_page_and_sees_its_score(world: DatathonWorld) -> None:
    client = _client(world.member)
    response = _upload(
        client, world.challenge.slug, predictions_csv(world.challenge, "development", noise=1.0)
    )
    assert response.status_code == 302
    page = client.get(
        reverse("datathons:detail", kwargs={"slug": world.challenge.slug})
    ).content.decode()
    score = Submission.objects.get().scores["macro_auc"]
    assert f"{score:.3f}".replace(".", ",") in page  # French page


# --- hostile files: a clear message, nothing stored ----------------------------------------------------


def _valid_rows(world: DatathonWorld) -> tuple[list[str], str]:
    text = predictions_csv(world.challenge, "development", noise=1.0)
    return text.strip().split("\n"), text


HOSTILE = {
    "formula in a probability": (
        lambda rows: [
            rows[0],
            rows[1].rsplit(",", 1)[0] + ',=HYPERLINK("http://x";"1")',
            *rows[2:],
        ],
        "n'est pas un nombre",
    ),
    "formula as an id": (
        lambda rows: [rows[0], "=cmd|' /C calc'!A0,0.1", *rows[1:]],
        "n'est pas un cas",
    ),
    "NaN": (
        lambda rows: [rows[0], rows[1].rsplit(",", 1)[0] + ",NaN", *rows[2:]],
        "n'est pas une probabilité",
    ),
    "inf": (
        lambda rows: [rows[0], rows[1].rsplit(",", 1)[0] + ",inf", *rows[2:]],
        "n'est pas une probabilité",
    ),
    "above one": (
        lambda rows: [rows[0], rows[1].rsplit(",", 1)[0] + ",1.5", *rows[2:]],
        "entre 0 et 1",
    ),
    "negative": (
        lambda rows: [rows[0], rows[1].rsplit(",", 1)[0] + ",-0.1", *rows[2:]],
        "entre 0 et 1",
    ),
    "empty cell": (
        lambda rows: [rows[0], rows[1].rsplit(",", 1)[0] + ",", *rows[2:]],
        "n'est pas un nombre",
    ),
    "wrong columns": (lambda rows: ["id,NORMAL", *rows[1:]], "colonnes manquantes : ABNORMAL"),
    "unknown extra column": (
        lambda rows: [rows[0] + ",score", *[r + ",1" for r in rows[1:]]],
        "colonnes inconnues",
    ),
    "duplicate id": (lambda rows: [*rows, rows[1]], "figure déjà ligne 2"),
    "missing rows": (lambda rows: rows[:-3], "3 cas de la phase sans prédiction"),
    "short row": (lambda rows: [rows[0], rows[1].rsplit(",", 2)[0], *rows[2:]], "cellules"),
    "no header": (lambda rows: rows[1:], "colonnes manquantes"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_a_message_naming_the_problem(
    world: DatathonWorld, name: str
) -> None:
    rows, _unused = _valid_rows(world)
    change, expected = HOSTILE[name]
    response = _upload(_client(world.member), world.challenge.slug, "\n".join(change(rows)) + "\n")
    assert response.status_code == 400
    assert expected in _text(response)
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"id,NORM\n" + "é".encode("latin-1") + b",0.5\n", "UTF-8"),
        (b"id,ABNORMAL\x00\n", "octets nuls"),
        (b"", "vide"),
    ],
)
def test_bytes_that_are_not_utf8_text_are_refused(
    world: DatathonWorld, payload: bytes, expected: str
) -> None:
    response = _upload(_client(world.member), world.challenge.slug, payload)
    assert response.status_code == 400
    assert expected in _text(response)
    assert Submission.objects.count() == 0


def test_a_huge_file_is_refused_before_it_is_parsed(world: DatathonWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {
        **settings.MEDTANDEM_UPLOAD_LIMITS,
        "datathon_predictions": (10_000, 100),
    }
    rows, text = _valid_rows(world)
    huge = text + "\n".join(rows[1:2] * 2000)
    response = _upload(_client(world.member), world.challenge.slug, huge)
    assert response.status_code == 400
    assert "trop volumineux" in _text(response)
    assert Submission.objects.count() == 0


def test_a_final_phase_id_sent_during_development_is_not_a_case_of_the_phase(
    world: DatathonWorld,
) -> None:
    rows, _unused = _valid_rows(world)
    final_id = selectors.public_ids(world.challenge, Phase.FINAL)[0]
    rows[1] = final_id + "," + rows[1].split(",", 1)[1]
    response = _upload(_client(world.member), world.challenge.slug, "\n".join(rows) + "\n")
    assert response.status_code == 400
    assert f"{final_id}' n'est pas un cas de la phase Développement" in _text(response)


def test_someone_outside_every_team_cannot_submit(world: DatathonWorld) -> None:
    stranger = create_person("etranger", None, [Role.LEARNER])
    response = _upload(
        _client(stranger),
        world.challenge.slug,
        predictions_csv(world.challenge, "development", noise=1),
    )
    assert response.status_code == 404
    assert Submission.objects.count() == 0


# --- the final phase: limited, and its truth never leaves the server -----------------------------------


def test_the_final_phase_accepts_only_the_limit_and_a_refused_file_does_not_count(
    final_world: DatathonWorld,
) -> None:
    w = final_world
    client = _client(w.member)
    assert _upload(client, w.challenge.slug, "id,NORM\n").status_code == 400  # refused: not counted
    for k in range(w.challenge.max_final_submissions):
        assert (
            _upload(
                client, w.challenge.slug, predictions_csv(w.challenge, "final", noise=1, seed=k)
            ).status_code
            == 302
        )
    response = _upload(
        client, w.challenge.slug, predictions_csv(w.challenge, "final", noise=1, seed=9)
    )
    assert response.status_code == 409
    assert "Limite atteinte" in _text(response)
    assert Submission.objects.filter(phase="final").count() == w.challenge.max_final_submissions


def test_final_scores_are_not_shown_before_the_close(final_world: DatathonWorld) -> None:
    w = final_world
    client = _client(w.member)
    _upload(client, w.challenge.slug, predictions_csv(w.challenge, "final", noise=0.5))
    submission = Submission.objects.get()
    page = client.get(
        reverse("datathons:detail", kwargs={"slug": w.challenge.slug})
    ).content.decode()
    score = submission.scores["macro_auc"]
    for shown in (
        f"{score:.3f}",
        f"{score:.3f}".replace(".", ","),
        f"{score:.2f}".replace(".", ","),
    ):
        assert shown not in page
    assert "score publié à la clôture" in page
    assert "Le classement de la finale est publié à la clôture" in page
    assert selectors.leaderboard(w.challenge, Phase.FINAL).rows == ()


def _flip_final_truth(w: DatathonWorld) -> None:
    """Invert every label of the final-phase cases (test scaffolding: a different hidden truth)."""
    pks = list(
        ChallengeCase.objects.filter(challenge=w.challenge, phase=Phase.FINAL).values_list(
            "case_id", flat=True
        )
    )
    for case in Case.objects.filter(pk__in=pks):
        for flag in ("norm", "mi", "sttc", "cd", "hyp"):
            setattr(case, flag, not getattr(case, flag))
        case.save()


PROBES = [
    lambda ids: "id,ABNORMAL\n" + "".join(f"{i},0.5\n" for i in ids[:-1]),
    lambda ids: "id,ABNORMAL\n" + "".join(f"{i},{k % 2 * 2}\n" for k, i in enumerate(ids)),
    lambda ids: "id,NORM\n" + "".join(f"{i},1\n" for i in ids),
    lambda ids: "id,ABNORMAL\n" + "".join(f"{i},0.9\n" for i in [*ids, ids[0]]),
    lambda ids: "id,ABNORMAL\n" + "".join(f"{i},nan\n" for i in ids),
]


def test_no_refusal_message_depends_on_the_hidden_truth(final_world: DatathonWorld) -> None:
    """The same probing files get the same answers whatever the final cases' truth is."""
    w = final_world
    ids = selectors.public_ids(w.challenge, Phase.FINAL)
    client = _client(w.member)

    def answers() -> list[tuple[int, str]]:
        out = []
        for probe in PROBES:
            response = _upload(client, w.challenge.slug, probe(ids))
            body = response.content.decode()
            out.append((response.status_code, body[body.index("<main") : body.index("</main>")]))
        return out

    before = answers()
    _flip_final_truth(w)
    assert answers() == before
    assert Submission.objects.count() == 0


def test_final_cases_leave_in_the_archive_without_truth_or_bank_identity(
    final_world: DatathonWorld,
) -> None:
    w = final_world
    response = _client(w.member).get(
        reverse("datathons:download", kwargs={"slug": w.challenge.slug, "phase": "final"})
    )
    assert response.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(z.namelist())
    assert "truth.csv" not in names and "template.csv" in names
    links = list(
        ChallengeCase.objects.filter(challenge=w.challenge, phase=Phase.FINAL).select_related(
            "case"
        )
    )
    text = "\n".join(z.read(n).decode("latin-1") for n in names if not n.endswith(".dat"))
    for link in links:
        assert link.case.external_id not in text and link.case.record_name not in text
        header = z.read(f"records/{link.public_id}.hea").decode()
        assert "#" not in header
    assert_csv_safe(z.read("cases.csv"))
    assert set(z.read("cases.csv").decode().split("\n")[0].split(",")) == {
        "id",
        "age",
        "sex",
        "fs_hz",
    }


def test_no_page_shows_a_final_case_bank_id(final_world: DatathonWorld) -> None:
    w = final_world
    client = _client(w.member)
    _upload(client, w.challenge.slug, predictions_csv(w.challenge, "final", noise=1))
    pages = [
        client.get(reverse("datathons:list")).content.decode(),
        client.get(reverse("datathons:detail", kwargs={"slug": w.challenge.slug})).content.decode(),
    ]
    for link in ChallengeCase.objects.filter(challenge=w.challenge).select_related("case"):
        for page in pages:
            assert link.case.external_id not in page


def test_the_final_archive_is_closed_before_the_final_opens(world: DatathonWorld) -> None:
    url = reverse("datathons:download", kwargs={"slug": world.challenge.slug, "phase": "final"})
    assert _client(world.member).get(url).status_code == 404


def test_the_development_archive_holds_wfdb_records_and_the_truth(
    world: DatathonWorld, tmp_path: Path
) -> None:
    response = _client(world.member).get(
        reverse("datathons:download", kwargs={"slug": world.challenge.slug, "phase": "development"})
    )
    z = zipfile.ZipFile(io.BytesIO(response.content))
    z.extractall(tmp_path)
    truth = z.read("truth.csv").decode().strip().split("\n")
    assert truth[0] == "id,ABNORMAL"
    links = {
        c.public_id: c.case
        for c in ChallengeCase.objects.filter(
            challenge=world.challenge, phase="development"
        ).select_related("case")
    }
    assert len(truth) - 1 == len(links)
    for line in truth[1:]:
        pid, *labels = line.split(",")
        case = links[pid]
        assert [int(v) for v in labels] == [0 if case.norm else 1]
    pid, case = next(iter(links.items()))
    back = read_record(tmp_path / "records" / pid)
    np.testing.assert_allclose(back.signal, record_of(case).signal, atol=5e-4)


# --- leaderboard, significance, frugality, registry ---------------------------------------------------


def test_the_leaderboard_ranks_teams_and_tests_the_gap_to_the_leader(world: DatathonWorld) -> None:
    services.submit(
        world.team,
        world.member,
        predictions_csv(world.challenge, "development", noise=0.4),
        declared=services.Declared("bon", 1000, 2.5),
    )
    services.submit(
        world.other_team,
        world.other_member,
        predictions_csv(world.challenge, "development", noise=30.0, seed=3),
    )
    services.submit(
        world.other_team,
        world.other_member,
        predictions_csv(world.challenge, "development", noise=40.0, seed=4),
    )
    # The other team's predictions are close to chance (noise far above the signal): on 30 cases
    # the gap to the leader is then significant whatever order the cases' public ids fall in
    # (with noise 6-8 one PostgreSQL run gave p = 0.057).
    board = selectors.leaderboard(world.challenge, Phase.DEVELOPMENT)
    assert [r.team.name for r in board.rows] == ["Les Ondes", "Les Segments"]
    leader, second = board.rows
    assert leader.significant is None and leader.difference is None
    assert second.difference is not None and second.difference < 0
    assert second.significant is True
    # development keeps each team's best submission
    best = max(s.scores["macro_auc"] for s in Submission.objects.filter(team=world.other_team))
    assert second.value == pytest.approx(best)
    page = (
        Client()
        .get(reverse("datathons:detail", kwargs={"slug": world.challenge.slug}))
        .content.decode()
    )
    assert "2,50" in page  # declared energy beside the score


def test_a_linked_submission_joins_the_registry_entry_evidence(world: DatathonWorld) -> None:
    from medtandem.apps.cases.services import current_model
    from medtandem.apps.observatory.services import register_model

    version = register_model(current_model(), in_service=True)
    submission = services.submit(
        world.team, world.member, predictions_csv(world.challenge, "development", noise=1)
    )
    client = _client(world.member)
    url = reverse("datathons:link", kwargs={"slug": world.challenge.slug, "pk": submission.pk})
    assert client.post(url, {"version": version.slug}).status_code == 302
    page = (
        Client().get(reverse("datathons:evidence", kwargs={"slug": version.slug})).content.decode()
    )
    assert world.challenge.title in page and world.team.name in page
    # another team's member cannot link it
    assert _client(world.other_member).post(url, {"version": version.slug}).status_code == 404
