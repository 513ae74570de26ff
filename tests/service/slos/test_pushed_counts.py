"""Pushed SLI counts: a ratio or threshold SLI whose good and all events per minute are sent
to opsroom; what they spend, what is refused (and that nothing of a refused batch is
stored), and editing an SLO's subject and SLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.infra.errors import Conflict, ValidationFailed
from opsroom.slos import schemas
from opsroom.slos import service as slos
from opsroom.slos.domain import Count
from tests.improvement import PAYMENTS_LEAD, RESPONDER, two_squads
from tests.service.slos.test_slos import set_slo

MINUTE = timedelta(minutes=1)


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def counts(good: int, total: int, minutes: range) -> list[Count]:
    now = clock.now().replace(second=0, microsecond=0)
    return [Count(now - n * MINUTE, good, total) for n in minutes]


def pushed(session: Session, **fields: object) -> str:
    return str(set_slo(session, sli="ratio", source="pushed", **fields).key)


def test_pushed_counts_spend_the_budget_by_their_share_of_bad_events(platform: Session) -> None:
    key = pushed(platform)
    # An hour of 1,000 events a minute with 10 bad (1 %): 10x what 99.9 % allows.
    assert (
        slos.push_counts(platform, actor=RESPONDER, key=key, counts=counts(990, 1000, range(1, 61)))
        == 60
    )
    read = slos.read(platform, slos.get(platform, actor=RESPONDER, key=key))
    assert read.source.value == "pushed"
    burn = {b.condition: b for b in read.burn}
    assert burn["14.4x over 1h and 5m"].long_rate == pytest.approx(10)
    assert not burn["14.4x over 1h and 5m"].firing
    # 1 % bad over the hour is the window's whole bad share so far: 10x the allowed share.
    assert read.budget_remaining == 0 and read.exhausted


def test_a_minute_sent_again_may_grow_and_is_stored_once(platform: Session) -> None:
    key = pushed(platform)
    slos.push_counts(platform, actor=RESPONDER, key=key, counts=counts(90, 100, range(1, 3)))
    again = counts(90, 100, range(1, 2)) + counts(180, 200, range(2, 3))
    assert slos.push_counts(platform, actor=RESPONDER, key=key, counts=again) == 1
    read = slos.read(platform, slos.get(platform, actor=RESPONDER, key=key))
    # 270 good of 300: 10 % bad over the last 5 minutes, 100x a 99.9 % objective.
    assert read.burn[0].short_rate == pytest.approx(100)


def test_a_bad_batch_is_refused_count_by_count_and_nothing_is_stored(platform: Session) -> None:
    key = pushed(platform)
    slos.push_counts(platform, actor=RESPONDER, key=key, counts=counts(50, 100, range(3, 4)))
    fine = counts(10, 10, range(1, 2))
    more_good = counts(11, 10, range(2, 3))
    backwards = counts(40, 100, range(3, 4))
    uneven = [Count(clock.now().replace(second=30) - 5 * MINUTE, 1, 1)]
    future = counts(1, 1, range(-2, -1))
    batch = fine + more_good + backwards + uneven + future + fine
    with pytest.raises(ValidationFailed) as refused:
        slos.push_counts(platform, actor=RESPONDER, key=key, counts=batch)
    assert refused.value.fields == {
        "counts.1": "good (11) is more than total (10)",
        "counts.2": "counts go backwards (were 50 good of 100)",
        "counts.3": "minute must start on a whole minute",
        "counts.4": "minute is in the future",
        "counts.5": "minute is sent twice",
    }
    read = slos.read(platform, slos.get(platform, actor=RESPONDER, key=key))
    # Only the first push counts: 50 bad of 100 three minutes ago.
    assert read.burn[0].short_rate == pytest.approx(500)


def test_counts_are_refused_for_an_slo_read_from_elsewhere(platform: Session) -> None:
    key = set_slo(platform).key
    with pytest.raises(ValidationFailed) as refused:
        slos.push_counts(platform, actor=RESPONDER, key=key, counts=counts(1, 1, range(1, 2)))
    assert "reads its SLI from incidents" in refused.value.fields["counts"]


def test_a_threshold_sli_needs_its_threshold_and_reads_only_what_it_uses(
    platform: Session,
) -> None:
    with pytest.raises(ValidationFailed) as missing:
        set_slo(platform, sli="threshold", source="pushed")
    assert missing.value.fields == {"threshold": "required for a threshold SLI from pushed"}
    with pytest.raises(ValidationFailed) as extra:
        set_slo(platform, sli="threshold", source="pushed", threshold=0.3, good_query="x")
    assert extra.value.fields == {"good_query": "not read by a threshold SLI from pushed"}
    with pytest.raises(ValidationFailed) as unread:
        set_slo(platform, source="pushed")
    assert unread.value.fields == {"source": "an incident SLI is not read from pushed"}
    with pytest.raises(ValidationFailed) as auth:
        set_slo(platform, sli="ratio", source="pushed", prometheus_auth="bearer")
    assert auth.value.fields == {"prometheus_auth": "only for an SLI read from Prometheus"}
    slo = set_slo(platform, sli="threshold", source="pushed", threshold=0.3)
    assert (slo.sli_kind, slo.sli_source, slo.threshold) == ("threshold", "pushed", 0.3)


def test_an_slo_changes_subject_and_sli_with_version_checks(platform: Session) -> None:
    slo = set_slo(platform)
    change = schemas.SloUpdate(
        version=1, journey="login", sli="threshold", source="pushed", threshold=0.5
    )
    edited = slos.update(platform, actor=PAYMENTS_LEAD, key=slo.key, data=change)
    assert (edited.service_slug, edited.journey_slug) == (None, "login")
    assert (edited.sli_kind, edited.sli_source, edited.threshold) == ("threshold", "pushed", 0.5)
    with pytest.raises(Conflict):
        slos.update(platform, actor=PAYMENTS_LEAD, key=slo.key, data=change)
    back = schemas.SloUpdate(version=2, service="checkout", sli="incidents")
    edited = slos.update(platform, actor=PAYMENTS_LEAD, key=slo.key, data=back)
    # The pushed source and threshold the incident SLI does not read are cleared with it.
    assert (edited.service_slug, edited.journey_slug, edited.sli_kind) == (
        "checkout",
        None,
        "incidents",
    )
    assert (edited.sli_source, edited.threshold) == ("incidents", None)
    with pytest.raises(ValidationFailed) as refused:
        slos.update(
            platform,
            actor=PAYMENTS_LEAD,
            key=slo.key,
            data=schemas.SloUpdate(version=3, sli="ratio", source="pushed", threshold=1),
        )
    assert refused.value.fields == {"threshold": "not read by a ratio SLI from pushed"}
    assert slos.get(platform, actor=RESPONDER, key=slo.key).sli_kind == "incidents"
