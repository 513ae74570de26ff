"""Ratio SLIs read from a real Prometheus through its HTTP query API: the share of bad
events (1 - good/total) over a look-back, computed by Prometheus from the two counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from opsroom.infra.errors import OpsroomError, ValidationFailed
from opsroom.slos.domain import PrometheusAuth

TIMEOUT_SECONDS = 10
CHECKED_OVER = timedelta(minutes=5)


class Unanswered(OpsroomError):
    """Prometheus could not be asked, or refused the query."""

    code = "prometheus_unanswered"
    status = 502


@dataclass(frozen=True)
class Access:
    """A Prometheus and how opsroom proves itself to it."""

    url: str
    auth: PrometheusAuth = PrometheusAuth.NONE
    username: str = ""
    secret: str = ""

    def credentials(self) -> dict[str, Any]:
        if self.auth is PrometheusAuth.BASIC:
            return {"auth": httpx.BasicAuth(self.username, self.secret)}
        if self.auth is PrometheusAuth.BEARER:
            return {"headers": {"Authorization": f"Bearer {self.secret}"}}
        return {}


def _query(access: Access, promql: str, at: datetime) -> list[Any]:
    url = access.url
    try:
        answer = httpx.get(
            f"{url.rstrip('/')}/api/v1/query",
            params={"query": promql, "time": at.timestamp()},
            timeout=TIMEOUT_SECONDS,
            **access.credentials(),
        )
        if answer.status_code in (401, 403):
            raise Unanswered(f"Prometheus at {url} refused opsroom's credentials")
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Unanswered(f"Prometheus at {url} did not answer: {exc}") from exc
    if body.get("status") != "success":
        raise Unanswered(str(body.get("error", f"HTTP {answer.status_code}")))
    return list(body["data"]["result"])


def check(access: Access, fields: dict[str, str], at: datetime) -> None:
    """Each counter selector (field -> PromQL) as the SLI will ask for it, run once by
    Prometheus; its own error, by field, when it refuses one."""
    refused = {}
    for field, promql in fields.items():
        try:
            _query(access, _increase(promql, CHECKED_OVER), at)
        except Unanswered as exc:
            refused[field] = exc.message
    if refused:
        raise ValidationFailed("Prometheus refused the SLI", fields=refused)


def _increase(promql: str, lookback: timedelta) -> str:
    return f"sum(increase({promql}[{int(lookback.total_seconds())}s]))"


def bad_share(access: Access, good: str, total: str, lookback: timedelta, at: datetime) -> float:
    """1 - good/total over `lookback` ending `at`; 0 when nothing happened."""
    promql = f"1 - {_increase(good, lookback)} / {_increase(total, lookback)}"
    result = _query(access, promql, at)
    if not result:
        return 0.0
    share = float(result[0]["value"][1])
    return share if share == share else 0.0  # NaN: no events in the look-back
