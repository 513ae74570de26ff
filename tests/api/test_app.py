from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from opsroom import __version__
from opsroom.auth.domain import Role
from opsroom.infra.config import PLACEHOLDER_SIGNING_SECRET, PLACEHOLDER_WARNING, Settings
from opsroom.runtime.app import create_app
from tests.conftest import bearer_for, client_as

MUTATING = {"post", "put", "patch", "delete"}


def test_health_reports_version_dialect_and_schema(client: TestClient, settings: Settings) -> None:
    health = client.get("/api/v1/health").json()
    assert health == {
        "status": "ok",
        "version": __version__,
        "database": "sqlite" if settings.is_sqlite else "postgresql",
        "schema_revision": health["schema_revision"],
        "schema_current": True,
        "warnings": [],
    }
    assert health["schema_revision"]


def test_health_warns_while_the_signing_secret_is_the_placeholder(settings: Settings) -> None:
    shipped = settings.model_copy(update={"signing_secret": SecretStr(PLACEHOLDER_SIGNING_SECRET)})
    health = client_as(shipped, None).get("/api/v1/health").json()
    assert health["warnings"] == [PLACEHOLDER_WARNING]


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    wrong_method = client.put("/api/v1/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_clear_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/platforms", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_oversized_body_is_refused_before_it_is_read(settings: Settings) -> None:
    small = settings.model_copy(update={"max_request_bytes": 100})
    with client_as(
        small, bearer_for(settings, "om@example.com", Role.OPERATIONS_MANAGER)
    ) as client:
        response = client.post("/api/v1/platforms", json={"slug": "p", "name": "x" * 200})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert client.get("/api/v1/platforms").json() == []


def test_oversized_body_without_a_declared_length_is_refused_while_read(
    settings: Settings,
) -> None:
    small = settings.model_copy(update={"max_request_bytes": 100})
    with client_as(
        small, bearer_for(settings, "om@example.com", Role.OPERATIONS_MANAGER)
    ) as client:
        body = b'{"slug": "p", "name": "' + b"x" * 200 + b'"}'
        response = client.post(
            "/api/v1/platforms",
            content=iter([body[:50], body[50:]]),
            headers={"content-type": "application/json"},
        )
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert client.get("/api/v1/platforms").json() == []


def test_an_unexpected_failure_shows_no_internals(settings: Settings) -> None:
    app = create_app(settings)

    def explode() -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    app.add_api_route("/api/v1/explode", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/explode")
    assert response.status_code == 500
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


def test_openapi_types_every_route_and_documents_its_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = next(code for code in responses if code.startswith("2"))
            assert responses[success].get("content"), f"{method} {path} has an untyped response"
            if method in MUTATING or "{" in path:
                documented = {code for code in responses if code[0] in "45"}  # 304: no body
                assert documented, f"{method} {path} documents no error"
                for code in documented:
                    schema = responses[code]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": f"#/components/schemas/{error_shape(path)}"}, (
                        f"{method} {path} {code}"
                    )


def error_shape(path: str) -> str:
    """PagerDuty-compatible routes answer errors in PagerDuty's shape, everything else in ours."""
    return "PagerDutyError" if path.startswith("/v2/") else "ErrorResponse"
