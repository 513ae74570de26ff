"""Property-based fuzzing of the REST API against its own OpenAPI document: whatever a
client sends, the API answers without a server error and within its published contract
(a documented status, a documented content type, a body of the documented shape)."""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks

from opsroom.auth.domain import Role
from opsroom.catalog import schemas, vendors
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.app import create_app
from tests import factories
from tests.conftest import bearer_for, client_as

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Path parameters that name seeded records, mixed into the generated ones to get past 404s.
KNOWN = {
    "slug": ["procurement", "identity", "payments", "db", "auth", "gateway", "login", "cloud-co"],
    "service": ["db", "auth", "gateway"],
    "depends_on": ["db", "auth"],
    "email": ["ann@example.com", "viewer@example.com"],
    "key": ["INC-1"],
    "task_id": [1],
}


# Every YAML media type, as schemathesis registers its own reader for them (the first that
# matches a response is used): this one also reads a stream of documents.
@schemathesis.deserializer(
    "text/yaml", "text/x-yaml", "application/x-yaml", "text/vnd.yaml", "application/yaml"
)
def _yaml_documents(_ctx: Any, response: Any) -> Any:
    """A YAML answer: one document (the catalog), or a stream of them (an OpenSLO export)."""
    documents = list(yaml.safe_load_all(response.content.decode(response.encoding or "utf-8")))
    return documents[0] if len(documents) == 1 else documents


# The contract does not depend on data, so it is read once, at import, from an app that
# never connects (schemathesis.pytest.from_fixture, the lazy loader, fails on pytest 9).
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json", create_app(Settings(database_url="sqlite://"))
)
# Examples and fuzzing; the coverage phase triples the run for little more.
schema.config.phases.update(phases=["examples", "fuzzing"])


@dataclass(frozen=True)
class FuzzTarget:
    app: FastAPI
    bearer: str
    own_token_id: int
    spare_token_id: int


def _seed_catalog(settings: Settings) -> None:
    """procurement / identity / db <- auth <- gateway, search -> db; journey login;
    squad payments with a member; vendor cloud-co supporting db."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        factories.squad(
            s, "payments", members=[schemas.MemberIn(name="Ann Lee", email="ann@example.com")]
        )
        vendor = schemas.VendorCreate(
            slug="cloud-co", name="Cloud Co", services=[schemas.VendorServiceIn(service="db")]
        )
        vendors.create_vendor(s, actor=factories.ACTOR, data=vendor)


def _seed_incident(client: TestClient) -> None:
    response = client.post("/api/v1/incidents", json={"title": "Login fails", "services": ["auth"]})
    assert response.status_code == 201, response.text


def _own_token_id(client: TestClient) -> int:
    tokens: list[dict[str, Any]] = client.get("/api/v1/tokens").json()
    return int(tokens[0]["id"])


@pytest.fixture(scope="module")
def fuzz_target(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FuzzTarget:
    """An administrator's token on a small seeded catalog, with one open incident."""
    db = tmp_path_factory.mktemp("fuzz") / "opsroom.db"
    shutil.copy(sqlite_template, db)
    fuzz_settings = Settings(database_url=f"sqlite:///{db}", timezone="Europe/Amsterdam")
    _seed_catalog(fuzz_settings)
    spare = bearer_for(fuzz_settings, "viewer@example.com", Role.VIEWER)
    bearer = bearer_for(fuzz_settings, "fuzz@example.com", Role.ADMIN)
    with client_as(fuzz_settings, bearer) as client:
        _seed_incident(client)
        own_id = _own_token_id(client)
    with client_as(fuzz_settings, spare) as client:
        spare_id = _own_token_id(client)
    return FuzzTarget(create_app(fuzz_settings), bearer, own_id, spare_id)


@schema.hook
def flatmap_path_parameters(_: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *KNOWN.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


def _spare_own_token(case: schemathesis.Case, target: FuzzTarget) -> None:
    """Revoking the token the run signs in with would turn the rest of it into 401s."""
    params = case.path_parameters or {}
    if str(params.get("token_id")) == str(target.own_token_id):  # generated as int or text
        params["token_id"] = target.spare_token_id


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],  # big bodies are slow to build, by design
)
def test_api_keeps_its_contract(case: schemathesis.Case, fuzz_target: FuzzTarget) -> None:
    _spare_own_token(case, fuzz_target)
    case.call_and_validate(
        app=fuzz_target.app,
        headers={"Authorization": f"Bearer {fuzz_target.bearer}"},
        checks=CHECKS,
    )


# --- what the fuzzing above, on SQLite alone, cannot see ----------------------------------


def test_text_with_a_nul_is_refused_on_every_dialect(client: TestClient) -> None:
    """PostgreSQL stores no NUL in text; every dialect refuses it alike, naming the field."""
    response = client.post("/api/v1/platforms", json={"slug": "commerce", "name": "Com\x00merce"})
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]["fields"]) == {"name"}


def test_a_nul_in_a_path_or_query_is_no_server_error(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/platforms/com%00merce"),
        client.get("/api/v1/services", params={"q": "com\x00merce"}),
    ):
        assert response.status_code in (200, 404, 422), response.text


def test_a_record_id_beyond_the_database_integer_is_refused(client: TestClient) -> None:
    response = client.delete(f"/api/v1/tokens/{2**31}")
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]["fields"]) == {"token_id"}


@pytest.mark.parametrize("value", ["1.5", "[1]", '{"a": 1}', "null", "true", "9223372036854775808"])
def test_a_forged_cursor_is_refused(client: TestClient, value: str) -> None:
    """Valid JSON, but no position a key of this list could have: 422, never a 500."""
    cursor = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    for path in ("/api/v1/services", "/api/v1/audit"):
        response = client.get(path, params={"cursor": cursor})
        assert response.status_code == 422, f"{path} {value}: {response.text}"
        assert response.json()["error"]["fields"] == {"cursor": "invalid"}
