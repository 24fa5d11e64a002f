"""The open-data API against its own OpenAPI description, with Schemathesis on a live server
(a bounded number of generated examples per operation), plus pagination and CSV by hand."""

from __future__ import annotations

import csv
import io

import pytest
from tests.integration.observatory.conftest import build_field_world

from medtandem.apps.observatory import demo, services

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")


@pytest.fixture
def populated(now, analyst):  # type: ignore[no-untyped-def]
    build_field_world(now, n_cases=20)
    services.refresh_field_monitoring(now=now)
    services.import_fda()
    demo.load_incidents(analyst, now)
    demo.load_hurdles(analyst, now)
    return now


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_operation_conforms_to_the_openapi_description(live_server, populated) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    responses: list[int] = []
    for operation in operations:

        @hypothesis.settings(
            max_examples=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            responses.append(case.call_and_validate().status_code)

        check()
    assert len(responses) >= 9 * 5 and 200 in responses and 404 in responses


@pytest.mark.django_db
def test_pages_link_onwards_and_csv_holds_every_row(client, populated) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/api/v1/versions", {"page_size": 100}).json()
    assert first["count"] > 882 and len(first["results"]) == 100 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert second["page"] == 2 and {r["id"] for r in second["results"]}.isdisjoint(
        r["id"] for r in first["results"]
    )
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/versions", {"format": "csv"}).content.decode())
        )
    )
    assert len(rows) == first["count"]
    assert client.get("/api/v1/versions", {"page_size": 1000}).status_code == 400
    one = client.get(f"/api/v1/versions/{rows[0]['id']}").json()
    assert one["id"] == rows[0]["id"] and "fields" in one
    assert client.get("/api/v1/incidents/INC-does-not-exist").status_code == 404


def test_csv_cells_cannot_run_as_formulas() -> None:
    text = services.csv_text(["a", "b", "c"], [['=HYPERLINK("x")', "@SUM(1)", -1.5]])
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")",\'@SUM(1),-1.5'


@pytest.mark.django_db
def test_a_nul_character_is_a_client_error_not_a_server_error(client) -> None:  # type: ignore[no-untyped-def]
    # Found by Schemathesis on PostgreSQL, whose text type cannot hold NUL.
    assert client.get("/api/v1/versions", {"application": "a\x00b"}).status_code == 400
    assert client.get("/api/v1/incidents/INC\x00").status_code == 404
    assert client.get("/observatory/", {"q": "x\x00"}).status_code == 200
    assert client.get("/observatory/incidents/INC\x00/").status_code == 404
