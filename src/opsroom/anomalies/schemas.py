"""What the watched series' API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, HttpUrl

from opsroom.anomalies.domain import SENSITIVITY, Chart, DetectorKind, Judgement
from opsroom.infra.apidoc import Input

Slug = Annotated[str, Field(min_length=2, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")]
MOST_POINTS = 10_000  # in one batch
MOST_SERIES = 10_000  # in one request for many series


class SeriesCreate(Input):
    key: Slug = Field(description="how the series is named in URLs and commands")
    name: str = Field(min_length=2, max_length=200)
    service: Slug = Field(description="the service whose alerts its anomalies become")
    detector: DetectorKind = DetectorKind.SURPRISE
    sensitivity: float = Field(
        default=SENSITIVITY,
        gt=0.0,
        le=1.0,
        description="0.5: the detector's own threshold; higher finds more, lower fewer",
    )
    step_seconds: int = Field(
        default=0, ge=0, le=86400, description="the sampling step, for a daily season; 0: none"
    )
    prometheus_url: HttpUrl | None = Field(
        default=None, description="a Prometheus server to poll instead of being pushed points"
    )
    query: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="PromQL answering a scalar or one series, with prometheus_url",
    )
    poll_seconds: int = Field(default=60, ge=5, le=86400, description="how often to poll")


class SeriesUpdate(Input):
    """What changes of a watched series; a field left out stays as it is. A new detector or
    sampling step starts its learning afresh; a new sensitivity sets the threshold anew."""

    version: int = Field(description="the version read; a stale one is refused with 409")
    name: str | None = Field(default=None, min_length=2, max_length=200)
    detector: DetectorKind | None = None
    sensitivity: float | None = Field(default=None, gt=0.0, le=1.0)
    step_seconds: int | None = Field(default=None, ge=0, le=86400)
    prometheus_url: HttpUrl | None = None
    query: str | None = Field(default=None, min_length=1, max_length=4000)
    poll_seconds: int | None = Field(default=None, ge=5, le=86400)


class SeriesRemoval(Input):
    version: int = Field(description="the version read; a stale one is refused with 409")


class PointIn(Input):
    timestamp: AwareDatetime
    value: float = Field(description="NaN and infinities are skipped and counted")


class PointsIn(Input):
    points: list[PointIn] = Field(min_length=1, max_length=MOST_POINTS)


class SeriesPoints(Input):
    series: Slug
    points: list[PointIn] = Field(min_length=1, max_length=MOST_POINTS)


class ManyPointsIn(Input):
    batches: list[SeriesPoints] = Field(
        min_length=1, max_length=MOST_SERIES, description="each series at most once"
    )


class PointsResult(BaseModel):
    accepted: int
    skipped_not_finite: int
    skipped_out_of_order: int = Field(description="duplicated or older than the last point kept")
    anomalies: list[str] = Field(description="the anomalies these points raised (ANM-n)")


class SeriesRead(BaseModel):
    key: str
    name: str
    service: str
    detector: DetectorKind
    sensitivity: float
    threshold: float = Field(description="the score from which a point is an anomaly")
    step_seconds: int
    points: int
    skipped_not_finite: int
    skipped_out_of_order: int
    last_at: datetime | None
    anomalous_since: datetime | None
    state_bytes: int
    prometheus_url: str | None
    query: str | None
    poll_seconds: int
    source_error: str | None = Field(description="why the last poll gave no point")
    source_error_at: datetime | None
    created_at: datetime
    version: int


class AnomalyRead(BaseModel):
    key: str
    series: str
    service: str
    detector: DetectorKind
    at: datetime
    since: datetime = Field(description="the first point of the anomalous run")
    value: float
    score: float
    threshold: float
    expected_low: float
    expected_high: float
    alert_fingerprint: str
    judgement: Judgement | None
    judged_by: str | None
    judged_at: datetime | None


class JudgementIn(Input):
    judgement: Judgement


class PrecisionRow(BaseModel):
    detector: DetectorKind
    service: str
    real: int
    noise: int
    unjudged: int
    precision: float | None = Field(description="real / judged; null before any verdict")


class SeriesChartRead(BaseModel):
    """A series drawn for a page that is not its own: an incident's."""

    series: SeriesRead
    chart: Chart | None
    latest: AnomalyRead | None
