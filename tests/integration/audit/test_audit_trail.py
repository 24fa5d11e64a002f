"""The audit trail is append-only and tamper-evident: any edit, deletion or reordering is detected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.audit.services import GENESIS, record, verify_chain
from medtandem.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return create_person("root-admin", "a-long-enough-passphrase", [Role.ADMINISTRATOR])


def _three(admin) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    return [
        record(
            "study.created", actor=admin, target_type="studies.study", target_id=i, details={"n": i}
        )
        for i in (1, 2, 3)
    ]


def test_entries_are_chained_from_genesis(admin) -> None:  # type: ignore[no-untyped-def]
    a, b, c = _three(admin)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert a.prev_hash == GENESIS and b.prev_hash == a.hash and c.prev_hash == b.hash
    assert verify_chain().ok and verify_chain().entries == 3


def test_an_edited_entry_breaks_the_chain(admin) -> None:  # type: ignore[no-untyped-def]
    _three(admin)
    AuditEntry.objects.filter(seq=2).update(
        details={"n": 99}
    )  # a direct write, as an attacker with SQL would
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 2


def test_a_deleted_entry_breaks_the_chain(admin) -> None:  # type: ignore[no-untyped-def]
    _three(admin)
    AuditEntry.objects.filter(seq=2).delete()
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 2


def test_a_rewritten_actor_breaks_the_chain(admin) -> None:  # type: ignore[no-untyped-def]
    _three(admin)
    AuditEntry.objects.filter(seq=3).update(actor_name="someone-else")
    assert verify_chain().first_bad_seq == 3


def test_cli_verify_exits_non_zero_on_a_broken_chain(admin, capsys) -> None:  # type: ignore[no-untyped-def]
    _three(admin)
    assert main(["audit", "verify"]) == 0
    assert "intact: 3 entries" in capsys.readouterr().out
    AuditEntry.objects.filter(seq=1).update(action="study.locked")
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at entry #1" in capsys.readouterr().out


def test_only_administrators_see_the_trail(client, admin) -> None:  # type: ignore[no-untyped-def]
    _three(admin)
    learner = create_person("lea", "a-long-enough-passphrase", [Role.LEARNER])
    client.force_login(learner)
    assert client.get(reverse("audit:trail")).status_code == 403
    client.force_login(admin)
    page = client.get(
        reverse("audit:trail"), {"action": "study.created", "verify": "1"}
    ).content.decode()
    assert page.count("study.created</code>") == 3
    assert 'id="chain-status"' in page and "✓" in page


def test_role_grants_and_revocations_are_recorded(admin) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.accounts.services import grant_role, revoke_role

    person = create_person("noa", "a-long-enough-passphrase", [Role.LEARNER])
    grant_role(person, Role.INSTRUCTOR, by=admin)
    grant_role(person, Role.INSTRUCTOR, by=admin)  # already held: nothing new to record
    assert revoke_role(person, Role.INSTRUCTOR, by=admin)
    actions = list(
        AuditEntry.objects.filter(target_id=str(person.pk))
        .order_by("seq")
        .values_list("action", "actor_name", "details__role")
    )
    assert actions == [
        ("role.granted", "root-admin", "instructor"),
        ("role.revoked", "root-admin", "instructor"),
    ]
    assert verify_chain().ok


def test_a_case_import_is_recorded(admin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_ptbxl_folder

    from medtandem.apps.cases.services import import_ptbxl

    report = import_ptbxl(make_ptbxl_folder(tmp_path / "ptbxl", n=2), by=admin)
    entry = AuditEntry.objects.get(action="cases.imported")
    assert report.created == 2
    assert (entry.actor_name, entry.details["created"], entry.details["sampling_rate"]) == (
        "root-admin",
        2,
        500,
    )
