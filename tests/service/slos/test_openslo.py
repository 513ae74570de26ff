from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed
from opsroom.slos import openslo, schemas
from opsroom.slos import service as slos
from opsroom.slos.domain import BudgetWindow, SliKind, SliSource
from tests.improvement import MANAGER, PAYMENTS_LEAD, two_squads

CONDITIONS = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 5m
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: pages
spec:
  conditions:
    - conditionRef: fast-burn
"""

FILE = (
    CONDITIONS
    + """\
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-pushed
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: opsroom-pushed
    total:
      metricSource:
        type: opsroom-pushed
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-requests
  displayName: Checkout requests succeed
  annotations:
    opsroom.io/owner-squad: payments
spec:
  service: checkout
  indicatorRef: checkout-pushed
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
  alertPolicies: [pages]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-up
  annotations:
    opsroom.io/owner-squad: payments
spec:
  description: Checkout is up for customers
  service: checkout
  indicator:
    metadata:
      name: checkout-incidents
    spec:
      thresholdMetric:
        metricSource:
          type: opsroom-incidents
          spec:
            worstPriority: 3
  timeWindow:
    - duration: 1M
      isRolling: false
  budgetingMethod: Timeslices
  objectives:
    - targetPercent: 99.9
"""
)


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def test_a_file_sets_its_slos_and_applying_it_again_changes_nothing(platform: Session) -> None:
    done = openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=FILE)
    assert done.created == ["SLO-1", "SLO-2"]
    requests, up = slos.search(platform, actor=MANAGER)
    assert (requests.name, requests.objective, requests.window) == (
        "Checkout requests succeed",
        99.5,
        "28d",
    )
    assert (requests.sli_kind, requests.sli_source) == ("ratio", "pushed")
    assert (up.name, up.window, up.sli_kind, up.worst_priority) == (
        "checkout-up",
        "month",
        "incidents",
        3,
    )
    again = openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=FILE)
    assert again.unchanged == ["SLO-1", "SLO-2"] and not again.created and not again.updated


def test_export_then_apply_is_a_no_op(platform: Session) -> None:
    openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=FILE)
    exported = openslo.export(platform, actor=MANAGER)
    entries = audit.verify(platform)[0]
    done = openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=exported)
    assert done.unchanged == ["SLO-1", "SLO-2"] and not done.updated
    assert audit.verify(platform)[0] == entries
    assert openslo.export(platform, actor=MANAGER) == exported


def test_a_changed_document_updates_its_slo(platform: Session) -> None:
    openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=FILE)
    done = openslo.apply_text(
        platform, actor=PAYMENTS_LEAD, text=FILE.replace("target: 0.995", "target: 0.99")
    )
    assert done.updated == ["SLO-1"] and done.unchanged == ["SLO-2"]
    assert slos.get(platform, actor=MANAGER, key="SLO-1").objective == 99.0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("kind: SLI\n", "kind: DataSource\n"), "[2].kind", "line 23: kind 'DataSource'"),
        (
            (
                "  service: checkout\n  indicatorRef",
                "  service: checkout\n  owner: x\n  indicatorRef",
            ),
            "[3].spec.owner",
            "line 45: Extra inputs are not permitted",
        ),
        (("target: 0.995", "target: 1.5"), "[3].spec.objectives[0].target", "line 51:"),
        (
            ("duration: 28d", "duration: a month"),
            "[3].spec.timeWindow[0].duration",
            "line 47: 'a month' is not a duration",
        ),
        (
            ("duration: 28d", "duration: 7d"),
            "[3].spec.timeWindow[0].duration",
            "line 47: a window is 28d or 30d rolling, or 1M calendar",
        ),
        (
            ("  service: checkout\n  indicatorRef", "  service: nowhere\n  indicatorRef"),
            "[3].spec.service",
            "line 44: unknown service",
        ),
        (
            ("threshold: 14.4", "threshold: 10"),
            "[0].spec.condition.threshold",
            "line 10: not a row of opsroom's burn-rate table",
        ),
        (
            ("alertPolicies: [pages]", "alertPolicies: [tickets]"),
            "[3].spec.alertPolicies",
            "line 52: no AlertPolicy named 'tickets'",
        ),
    ],
)
def test_a_bad_document_is_named_by_line_and_nothing_is_stored(
    platform: Session, change: tuple[str, str], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused, platform.begin_nested():
        openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=FILE.replace(*change))
    assert refused.value.fields[field].startswith(message)
    assert refused.value.message.startswith(message.partition(":")[0])
    assert slos.search(platform, actor=MANAGER) == []


def test_yaml_that_does_not_parse_is_refused_with_its_line(platform: Session) -> None:
    with pytest.raises(ValidationFailed, match="line 3: not valid YAML"):
        openslo.apply_text(platform, actor=PAYMENTS_LEAD, text="kind: SLO\nspec:\n\tservice: x\n")


def test_slos_set_otherwise_export_under_their_keys_and_apply_back_unchanged(
    platform: Session,
) -> None:
    journey = schemas.SloCreate(
        name="Sign-in works",
        journey="login",
        objective=99.5,
        owner_squad="identity",
        owner="lead@example.com",
    )
    latency = schemas.SloCreate(
        name="Checkout is fast",
        service="checkout",
        objective=99,
        window=BudgetWindow.CALENDAR_MONTH,
        sli=SliKind.THRESHOLD,
        source=SliSource.PUSHED,
        threshold=0.3,
        owner_squad="payments",
    )
    for data in (journey, latency):
        slos.create(platform, actor=MANAGER, data=data)
    exported = openslo.export(platform, actor=MANAGER)
    assert "name: slo-1\n" in exported and "opsroom.io/subject: journey" in exported
    done = openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=exported)
    assert done.unchanged == ["SLO-1", "SLO-2"] and not done.updated
    faster = exported.replace("value: 0.3", "value: 0.25")
    assert openslo.apply_text(platform, actor=PAYMENTS_LEAD, text=faster).updated == ["SLO-2"]
    assert slos.get(platform, actor=MANAGER, key="SLO-2").threshold == 0.25
