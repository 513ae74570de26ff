"""A threshold SLI read from a real Prometheus that asks for basic auth (its
`--web.config.file` with a bcrypt hash): a latency histogram's bucket over its count,
credentials refused by Prometheus refused on the SLO, and the password never read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.slos import openslo
from opsroom.slos import service as slos
from tests.improvement import PAYMENTS_LEAD, RESPONDER, two_squads
from tests.peers.prometheus import BearerProxy, Exporter, running, wait_for
from tests.service.slos.test_slos import set_slo

COUNT = "checkout_latency_seconds_count"
# Python's client spells a bound of 1 second `1.0`; Go's spell it `1`.
UNDER_A_SECOND = 'checkout_latency_seconds_bucket{le="1.0"}'
USER, PASSWORD = "opsroom", "s3cret-password"


def threshold_slo(url: str, **auth: str) -> dict[str, object]:
    return {
        "sli": "threshold",
        "prometheus_url": url,
        "histogram": "checkout_latency_seconds",
        "threshold": 1,
        "objective": 99,
        **auth,
    }


def test_a_threshold_sli_reads_a_prometheus_behind_basic_auth(
    settings: Settings, wall_clock: None, tmp_path: Path
) -> None:
    with Exporter() as exporter:
        exporter.counters = {COUNT: 0, UNDER_A_SECOND: 0}
        with running(tmp_path, exporter.target, basic_auth=(USER, PASSWORD)) as url:
            wait_for(url, COUNT, 0, basic_auth=(USER, PASSWORD))
            exporter.counters = {COUNT: 1000, UNDER_A_SECOND: 995}
            wait_for(url, COUNT, 1000, basic_auth=(USER, PASSWORD))
            basic = {"prometheus_auth": "basic", "prometheus_username": USER}
            with session_scope(settings) as s:
                two_squads(s)
                with pytest.raises(ValidationFailed) as anonymous:
                    set_slo(s, **threshold_slo(url))
                assert "refused opsroom's credentials" in anonymous.value.fields["histogram"]
                with pytest.raises(ValidationFailed) as wrong:
                    set_slo(s, **threshold_slo(url, **basic, prometheus_secret="guess"))
                assert "refused opsroom's credentials" in wrong.value.fields["histogram"]
                with pytest.raises(ValidationFailed) as no_password:
                    set_slo(s, **threshold_slo(url, **basic))
                assert no_password.value.fields == {
                    "prometheus_secret": "required for a threshold SLI from prometheus"
                }
                key = set_slo(s, **threshold_slo(url, **basic, prometheus_secret=PASSWORD)).key
            with session_scope(settings, write=False) as s:
                read = slos.read(s, slos.get(s, actor=RESPONDER, key=key))
    assert (read.sli.value, read.threshold, read.prometheus_auth.value) == ("threshold", 1, "basic")
    # 5 of 1,000 slower than a second is 0.5 %: half of what 99 % allows, burning at 0.5x.
    assert read.budget_remaining == pytest.approx(0.5, abs=0.01)
    assert round(read.burn[0].long_rate, 2) == 0.5
    assert read.prometheus_secret_set and PASSWORD not in read.model_dump_json()


TOKEN = "opsroom-reads-prometheus"


def test_a_threshold_sli_reads_a_prometheus_behind_a_proxy_asking_for_a_bearer_token(
    settings: Settings, wall_clock: None, tmp_path: Path
) -> None:
    with Exporter() as exporter:
        exporter.counters = {COUNT: 0, UNDER_A_SECOND: 0}
        with running(tmp_path, exporter.target) as prometheus:
            wait_for(prometheus, COUNT, 0)
            exporter.counters = {COUNT: 1000, UNDER_A_SECOND: 990}
            wait_for(prometheus, COUNT, 1000)
            with BearerProxy(prometheus, TOKEN) as proxy, session_scope(settings) as s:
                two_squads(s)
                bearer = {"prometheus_auth": "bearer"}
                with pytest.raises(ValidationFailed) as anonymous:
                    set_slo(s, **threshold_slo(proxy.url))
                assert "refused opsroom's credentials" in anonymous.value.fields["histogram"]
                with pytest.raises(ValidationFailed) as wrong:
                    set_slo(s, **threshold_slo(proxy.url, **bearer, prometheus_secret="guess"))
                assert "refused opsroom's credentials" in wrong.value.fields["histogram"]
                slo = set_slo(s, **threshold_slo(proxy.url, **bearer, prometheus_secret=TOKEN))
                read = slos.read(s, slo)
                # An OpenSLO file never holds the token; applying the export keeps it.
                exported = openslo.export(s, actor=RESPONDER)
                again = openslo.apply_text(s, actor=PAYMENTS_LEAD, text=exported)
                assert TOKEN not in exported and again.unchanged == [slo.key]
                assert slos.read(s, slo).prometheus_secret_set
    assert proxy.seen[:2] == [None, "Bearer guess"]
    assert proxy.seen[-1] == f"Bearer {TOKEN}"
    # 10 of 1,000 slower than a second is 1 %: all that 99 % allows, burning at 1x.
    assert round(read.burn[0].long_rate, 2) == 1.0
    assert read.prometheus_auth.value == "bearer" and TOKEN not in read.model_dump_json()
