"""The burn-rate table is data a platform may override: its SLOs are read, alerted on and
exported by its own table; a table that cannot work is refused whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit.schemas import Overrides
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.platforms import service as platforms
from opsroom.runtime.worker import run_once
from opsroom.slos import openslo
from opsroom.slos import service as slos
from tests.improvement import GUILD_LEAD, MANAGER, RESPONDER, two_squads
from tests.service.slos.test_burn_alerts import EVERY, alerts_by_condition
from tests.service.slos.test_slos import outage, set_slo
from tests.service.slos.test_slos import platform as platform

ONE_ROW = [{"factor": 2, "long": "30m", "short": "5m", "severity": "ticket"}]


def set_table(session: Session, rows: list[dict[str, Any]], actor: Any = MANAGER) -> Any:
    held = platforms.show(session, actor=actor, platform="procurement", document="slo-burn-rates")
    data = Overrides(version=held.version, overrides={"conditions": rows})
    return platforms.override(
        session, actor=actor, platform="procurement", document="slo-burn-rates", data=data
    )


def test_a_platform_reads_its_slos_by_its_own_table(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform)
    assert len(slos.read(platform, slo).burn) == 4  # the workbook's, inherited
    set_table(platform, ONE_ROW)
    outage(platform, frozen_clock, 3)
    (burn,) = slos.read(platform, slo).burn
    assert (burn.condition, burn.severity, burn.firing) == ("2x over 30m and 5m", "ticket", True)


def test_alerts_follow_the_platform_table_and_resolve_rows_it_drops(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        set_slo(s, objective=99)
        set_table(s, ONE_ROW)
        outage(s, frozen_clock, 3)
    frozen_clock.advance(EVERY - timedelta(minutes=3))  # when the first evaluation is due
    run_once(settings, owner="w")
    assert alerts_by_condition(settings) == {"2x over 30m and 5m": "firing"}
    with session_scope(settings) as s:
        set_table(s, [{**ONE_ROW[0], "factor": 50}])
    frozen_clock.advance(EVERY)
    run_once(settings, owner="w")
    assert alerts_by_condition(settings) == {"2x over 30m and 5m": "resolved"}


@pytest.mark.parametrize(
    ("row", "wrong"),
    [
        ({"long": "5m", "short": "5m"}, "shorter than the long one"),
        ({"short": "1m"}, "between 5m"),
        ({"long": "90d"}, "between 5m"),
        ({"long": "a day"}, "not a duration"),
        ({"factor": 0}, "greater than 0"),
    ],
)
def test_a_table_that_cannot_work_is_refused_whole(
    platform: Session, row: dict[str, Any], wrong: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_table(platform, [ONE_ROW[0], {**ONE_ROW[0], "factor": 4, **row}])
    assert wrong in str(refused.value.fields)
    shown = platforms.show(
        platform, actor=RESPONDER, platform="procurement", document="slo-burn-rates"
    )
    assert {s.name: s.source for s in shown.settings}["conditions"] != "platform"


def test_the_same_condition_twice_is_refused(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_table(platform, ONE_ROW * 2)
    assert "the same condition twice: 2x over 30m and 5m" in str(refused.value.fields)


def test_openslo_exports_the_platform_table_and_applies_back_unchanged(
    platform: Session,
) -> None:
    set_slo(platform)
    set_table(platform, ONE_ROW)
    text = openslo.export(platform, actor=RESPONDER, platform="procurement")
    assert "threshold: 2" in text and "threshold: 14.4" not in text
    applied = openslo.apply_text(platform, actor=GUILD_LEAD, text=text)
    assert (applied.unchanged, applied.updated, applied.created) == (["SLO-1"], [], [])
