"""A record id in a path too large for any table is refused as a bad id (422), not looked
up: SQLite cannot hold it and would fail the request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

TOO_LARGE = 2**63


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/vendor-engagements/{TOO_LARGE}"),
        ("post", f"/api/v1/vendor-engagements/{TOO_LARGE}/acknowledge"),
        ("get", f"/api/v1/mail/{TOO_LARGE}"),
        ("post", f"/api/v1/runbook-runs/{TOO_LARGE}/approve"),
        ("post", f"/api/v1/status/any/subscribers/{TOO_LARGE}/confirm?token=t"),
        ("get", f"/api/v1/tickets/TKT-1/attachments/{TOO_LARGE}"),
    ],
)
def test_an_id_too_large_for_any_record_is_refused(
    catalog_client: TestClient, method: str, path: str
) -> None:
    answer = getattr(catalog_client, method)(path)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_failed"
