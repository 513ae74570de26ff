"""The demo's watched series: the notification service's send latency over the last day,
sampled every five minutes with its daily swing, until its queue backs up three hours ago.
The step is an anomaly whose alert opened an incident, which a responder judged real. Fed
through the service in hourly batches, with the clock standing at each batch's last point."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.anomalies import feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import Judgement
from opsroom.auth.domain import Principal, Role
from opsroom.infra import clock
from opsroom.infra.errors import NotFound

SERIES = "notification-send-latency"
SERVICE = "notification-service"
STEP = timedelta(minutes=5)
POINTS = 288  # a day
BACKED_UP = POINTS - 36  # three hours ago
BATCH = 12  # an hour
RESPONDER = Principal(name="responder@example.com", role=Role.RESPONDER)


def latency(n: int, rng: random.Random) -> float:
    """Milliseconds to send a notification: a daily swing around 220 ms from its peak a day
    ago, then the backlog."""
    daily = 40.0 * math.cos(2 * math.pi * n / POINTS)
    backlog = 900.0 if n >= BACKED_UP else 0.0
    return round(220.0 + daily + backlog + rng.gauss(0.0, 6.0), 1)


def load(session: Session, *, actor: Principal, now: datetime) -> int:
    """The series and its day of points; 0 when it is there already."""
    try:
        anomalies.get_series(session, actor=actor, key=SERIES)
        return 0
    except NotFound:
        pass
    data = schemas.SeriesCreate(
        key=SERIES, name="Notification send latency (ms)", service=SERVICE, step_seconds=300
    )
    anomalies.create_series(session, actor=actor, data=data)
    first = now - (POINTS - 1) * STEP
    previous = clock.use(clock.FrozenClock(first))
    try:
        raised = _feed(session, first)
    finally:
        clock.use(previous)
    verdict = schemas.JudgementIn(judgement=Judgement.REAL)
    for key in raised[:1]:
        feedback.judge(session, actor=RESPONDER, key=key, data=verdict)
    return 1


def _feed(session: Session, first: datetime) -> list[str]:
    rng = random.Random(26)
    raised: list[str] = []
    for start in range(0, POINTS, BATCH):
        moments = [first + n * STEP for n in range(start, min(start + BATCH, POINTS))]
        clock.use(clock.FrozenClock(moments[-1]))
        points = [
            schemas.PointIn(timestamp=at, value=latency(start + n, rng))
            for n, at in enumerate(moments)
        ]
        result = anomalies.push_points(
            session, actor=RESPONDER, key=SERIES, data=schemas.PointsIn(points=points)
        )
        raised += result.anomalies
    return raised
