"""Ratio SLIs read from a real Prometheus scraping an exporter whose counters the test
drives: the budget, the burn rates, PromQL Prometheus refuses, and Prometheus gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.slos import prometheus
from opsroom.slos import service as slos
from tests.improvement import RESPONDER, two_squads
from tests.peers.prometheus import Exporter, running, wait_for
from tests.service.slos.test_slos import set_slo

TOTAL = "checkout_requests_total"
GOOD = "checkout_requests_good_total"


def test_a_ratio_sli_spends_the_budget_by_the_share_of_bad_events(
    settings: Settings, wall_clock: None, tmp_path: Path
) -> None:
    with Exporter() as exporter:
        exporter.counters = {TOTAL: 0, GOOD: 0}
        with running(tmp_path, exporter.target) as url:
            wait_for(url, TOTAL, 0)
            exporter.counters = {TOTAL: 10_000, GOOD: 9_995}
            wait_for(url, TOTAL, 10_000)
            ratio = {"sli": "ratio", "prometheus_url": url, "total_query": TOTAL}
            with session_scope(settings) as s:
                two_squads(s)
                with pytest.raises(ValidationFailed) as refused:
                    set_slo(s, **ratio, good_query=f"sum({GOOD})")
                assert (
                    "ranges only allowed for vector selectors" in refused.value.fields["good_query"]
                )
                key = set_slo(s, **ratio, good_query=GOOD).key
            with session_scope(settings, write=False) as s:
                read = slos.read(s, slos.get(s, actor=RESPONDER, key=key))
        assert (read.sli.value, read.prometheus_url) == ("ratio", url)
        # 5 bad in 10,000 is 0.05 %: half of what 99.9 % allows, burning at 0.5x.
        assert read.budget_remaining == pytest.approx(0.5, abs=0.01)
        assert [round(b.long_rate, 2) for b in read.burn][:2] == [0.5, 0.5]
        assert read.spent_by == [] and not read.exhausted
        with session_scope(settings, write=False) as s, pytest.raises(prometheus.Unanswered):
            slos.read(s, slos.get(s, actor=RESPONDER, key=key))


def test_a_ratio_sli_names_its_prometheus_and_queries(settings: Settings) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        with pytest.raises(ValidationFailed) as missing:
            set_slo(s, sli="ratio", good_query=GOOD)
        assert set(missing.value.fields) == {"prometheus_url", "total_query"}
        with pytest.raises(ValidationFailed) as extra:
            set_slo(s, total_query=TOTAL)
        assert extra.value.fields == {"total_query": "not read by an incident SLI"}
        with pytest.raises(ValidationFailed) as unreachable:
            set_slo(
                s,
                sli="ratio",
                prometheus_url="http://127.0.0.1:9",
                good_query=GOOD,
                total_query=TOTAL,
            )
        assert "did not answer" in unreachable.value.fields["good_query"]
