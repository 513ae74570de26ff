"""Jira Cloud's and Confluence Cloud's REST APIs, the calls opsroom makes: create an issue
(Jira REST v3), create a page and update it under its next version (Confluence REST v2).
A refusal (4xx) carries Atlassian's own message and is not retried; an outage is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT_SECONDS = 10.0


class Refused(Exception):
    """Jira or Confluence answered 4xx: sending the same again would fail the same way."""


class Unavailable(Exception):
    """Unreachable, or 5xx: worth trying again later."""


@dataclass(frozen=True)
class Account:
    """An Atlassian Cloud site and the account opsroom signs in as (basic auth: the
    account's email and an API token)."""

    base_url: str
    email: str
    token: str


@dataclass(frozen=True)
class Created:
    id: str
    key: str
    url: str
    version: int | None = None


def _call(account: Account, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = httpx.request(
            method,
            account.base_url + path,
            json=body,
            headers={"Accept": "application/json", "User-Agent": "opsroom"},
            auth=(account.email, account.token),
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise Unavailable(f"HTTP {response.status_code}: {response.text[:300]}")
    if response.status_code >= 400:
        raise Refused(f"HTTP {response.status_code}: {_message(response)}")
    answer: dict[str, Any] = response.json()
    return answer


def _message(response: httpx.Response) -> str:
    """Atlassian's own words: Jira's errorMessages and per-field errors, Confluence's errors."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return response.text[:300]
    said = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        said += [f"{field}: {text}" for field, text in errors.items()]
    elif isinstance(errors, list):
        said += [str(e.get("title") or e) if isinstance(e, dict) else str(e) for e in errors]
    return "; ".join(said) or str(body.get("message") or response.text[:300])


def create_issue(account: Account, fields: dict[str, Any]) -> Created:
    created = _call(account, "POST", "/rest/api/3/issue", fields)
    key = str(created["key"])
    return Created(id=str(created["id"]), key=key, url=f"{account.base_url}/browse/{key}")


def _page(account: Account, answer: dict[str, Any]) -> Created:
    webui = (answer.get("_links") or {}).get("webui", f"/pages/{answer['id']}")
    return Created(
        id=str(answer["id"]),
        key=str(answer["title"]),
        url=f"{account.base_url}/wiki{webui}",
        version=int(answer["version"]["number"]),
    )


def create_page(account: Account, page: dict[str, Any]) -> Created:
    return _page(account, _call(account, "POST", "/wiki/api/v2/pages", page))


def update_page(account: Account, page_id: str, page: dict[str, Any]) -> Created:
    return _page(account, _call(account, "PUT", f"/wiki/api/v2/pages/{page_id}", page))
