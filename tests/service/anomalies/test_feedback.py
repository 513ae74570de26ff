"""Responders' verdicts on both databases: each moves its series' threshold once, and the
precision per detector and service counts them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.anomalies import feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import DetectorKind, Judgement, adapted_threshold
from opsroom.auth.domain import Principal, Role
from opsroom.infra.errors import Conflict, Forbidden
from tests.improvement import RESPONDER
from tests.service.anomalies.test_series import QUIET, batch, platform, quiet_values, watched

__all__ = ["platform"]  # the fixture


def two_anomalies(session: Session) -> tuple[str, list[str]]:
    key = watched(session)
    anomalies.push_points(session, actor=RESPONDER, key=key, data=batch(quiet_values()))
    spikes = batch([180.0, 100.0, 20.0], QUIET)
    return key, anomalies.push_points(session, actor=RESPONDER, key=key, data=spikes).anomalies


def test_noise_raises_the_threshold_real_lowers_it_and_precision_counts_them(
    platform: Session,
) -> None:
    key, (first, second) = two_anomalies(platform)
    start = anomalies.get_series(platform, actor=RESPONDER, key=key).threshold
    noise = schemas.JudgementIn(judgement=Judgement.NOISE)
    judged = feedback.judge(platform, actor=RESPONDER, key=first, data=noise)
    assert (judged.judgement, judged.judged_by) == ("noise", str(RESPONDER))
    raised = anomalies.get_series(platform, actor=RESPONDER, key=key).threshold
    assert raised == adapted_threshold(start, Judgement.NOISE) > start
    (row,) = feedback.precision(platform, actor=RESPONDER)
    assert (row.detector, row.service, row.real, row.noise, row.unjudged, row.precision) == (
        DetectorKind.ZSCORE,
        "checkout",
        0,
        1,
        1,
        0.0,
    )
    real = schemas.JudgementIn(judgement=Judgement.REAL)
    feedback.judge(platform, actor=RESPONDER, key=second, data=real)
    lowered = anomalies.get_series(platform, actor=RESPONDER, key=key).threshold
    assert lowered == adapted_threshold(raised, Judgement.REAL) < raised
    assert feedback.precision(platform, actor=RESPONDER, service="checkout")[0].precision == 0.5
    assert feedback.precision(platform, actor=RESPONDER, service="other") == []


def test_an_anomaly_is_judged_once_and_by_a_responder(platform: Session) -> None:
    key, (first, _) = two_anomalies(platform)
    noise = schemas.JudgementIn(judgement=Judgement.NOISE)
    feedback.judge(platform, actor=RESPONDER, key=first, data=noise)
    threshold = anomalies.get_series(platform, actor=RESPONDER, key=key).threshold
    with pytest.raises(Conflict):
        feedback.judge(platform, actor=RESPONDER, key=first, data=noise)
    viewer = Principal(name="v@example.com", role=Role.VIEWER)
    with pytest.raises(Forbidden):
        feedback.judge(platform, actor=viewer, key=first, data=noise)
    assert anomalies.get_series(platform, actor=RESPONDER, key=key).threshold == threshold
