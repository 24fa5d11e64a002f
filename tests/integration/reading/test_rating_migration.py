"""Reads stored with the old box + slider form migrate to one rating each, and doubtful ones are flagged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reading", "0001_initial")]
AFTER = [("reading", "0002_single_rating")]


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_legacy_reads_keep_their_values_and_doubtful_ones_are_flagged() -> None:
    old = _migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Case = old.get_model("cases", "Case")
    CaseSet = old.get_model("cases", "CaseSet")
    Session = old.get_model("reading", "ReadingSession")
    Read = old.get_model("reading", "Read")
    user = User.objects.create(username="legacy")
    cases = [Case.objects.create(external_id=f"x:{i}", record_name=f"{i}") for i in range(3)]
    case_set = CaseSet.objects.create(name="s")
    session = Session.objects.create(learner=user, case_set=case_set, mode="unaided", title="t")

    def read(case, boxes, confidences):  # type: ignore[no-untyped-def]
        fields = {k: v for k, v in zip(("norm", "mi", "sttc", "cd", "hyp"), boxes, strict=True)}
        fields |= {
            f"confidence_{k}": v
            for k, v in zip(("norm", "mi", "sttc", "cd", "hyp"), confidences, strict=True)
        }
        return Read.objects.create(
            session=session, learner=user, case=case, condition="unaided", rhythm="sinus", **fields
        ).pk

    consistent = read(cases[0], (True, False, False, False, False), (90, 10, 20, 5, 30))
    contradicted = read(
        cases[1], (False, True, False, False, False), (80, 30, 20, 5, 30)
    )  # box MI, slider says no
    untouched = read(cases[2], (True, False, False, False, False), (50, 50, 50, 50, 50))

    new = _migrate(AFTER)
    Read = new.get_model("reading", "Read")
    got = {r.pk: r for r in Read.objects.all()}
    assert (got[consistent].rating_norm, got[consistent].norm, got[consistent].rating_flag) == (
        90,
        True,
        "",
    )
    assert (got[contradicted].rating_mi, got[contradicted].mi, got[contradicted].rating_flag) == (
        30,
        True,
        "legacy_inconsistent",
    )
    assert got[untouched].rating_flag == "legacy_preset"
    _migrate(
        [
            ("reading", n)
            for n in [max(MigrationExecutor(connection).loader.graph.leaf_nodes("reading"))[1]]
        ]
    )
