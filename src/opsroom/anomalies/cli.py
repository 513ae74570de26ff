"""`opsroom series create|edit|remove|list|show|push` and `opsroom anomaly list|show|judge|precision`."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer

from opsroom.anomalies import feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import SENSITIVITY, DetectorKind, Judgement
from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption

app = typer.Typer(help="Watched series and the points pushed to them.", no_args_is_help=True)
anomaly_app = typer.Typer(help="Anomalies the series' detectors found.", no_args_is_help=True)


def _print(read: schemas.SeriesRead) -> None:
    out.print(f"[bold]{read.key}[/] {read.name} on {read.service}: {read.detector}")
    out.print(f"threshold {read.threshold:.4f} (sensitivity {read.sensitivity})")
    out.print(f"{read.points} points, last {read.last_at or 'none yet'}")
    if read.query:
        out.print(f"polled from {read.prometheus_url} every {read.poll_seconds}s: {read.query}")
    if read.source_error:
        out.print(f"[red]last poll failed[/] ({read.source_error_at}): {read.source_error}")
    out.print(
        f"skipped: {read.skipped_not_finite} not finite, "
        f"{read.skipped_out_of_order} duplicated or out of order"
    )


@app.command()
def create(
    key: str,
    name: str = typer.Option(...),
    service: str = typer.Option(..., "--service", "-s"),
    detector: DetectorKind = typer.Option(DetectorKind.SURPRISE),
    sensitivity: float = typer.Option(SENSITIVITY, help="0.5: the detector's own threshold"),
    step_seconds: int = typer.Option(0, help="the sampling step, for a daily season"),
    prometheus_url: str | None = typer.Option(None, help="a Prometheus to poll"),
    query: str | None = typer.Option(None, help="PromQL answering one series or a scalar"),
    poll_seconds: int = typer.Option(60, help="how often to poll"),
    as_json: bool = JsonOption,
) -> None:
    """Watch a series of a service, pushed or polled from Prometheus; its anomalies become
    alerts of that service."""
    with unit_of_work(write=True) as session:
        data = schemas.SeriesCreate(
            key=key,
            name=name,
            service=service,
            detector=detector,
            sensitivity=sensitivity,
            step_seconds=step_seconds,
            prometheus_url=prometheus_url,
            query=query,
            poll_seconds=poll_seconds,
        )
        read = anomalies.read(anomalies.create_series(session, actor=actor(session), data=data))
    emit(read, as_json, lambda: _print(read))


@app.command()
def edit(
    key: str,
    version: int = typer.Option(..., help="the version shown; a stale one is refused"),
    name: str | None = typer.Option(None),
    detector: DetectorKind | None = typer.Option(None, help="a new one learns afresh"),
    sensitivity: float | None = typer.Option(None, help="sets the threshold anew"),
    step_seconds: int | None = typer.Option(None, help="a new one learns afresh"),
    prometheus_url: str | None = typer.Option(None, help="a Prometheus to poll"),
    query: str | None = typer.Option(None, help="PromQL answering one series or a scalar"),
    poll_seconds: int | None = typer.Option(None, help="how often to poll"),
    stop_polling: bool = typer.Option(False, help="take pushed points instead from now on"),
    as_json: bool = JsonOption,
) -> None:
    """Change a watched series; what is not given stays as it is."""
    given: dict[str, object] = {
        "name": name,
        "detector": detector,
        "sensitivity": sensitivity,
        "step_seconds": step_seconds,
        "prometheus_url": prometheus_url,
        "query": query,
        "poll_seconds": poll_seconds,
    }
    changes: dict[str, object] = {f: value for f, value in given.items() if value is not None}
    if stop_polling:
        changes |= {"prometheus_url": None, "query": None}
    with unit_of_work(write=True) as session:
        data = schemas.SeriesUpdate.model_validate({"version": version, **changes})
        edited = anomalies.update_series(session, actor=actor(session), key=key, data=data)
        read = anomalies.read(edited)
    emit(read, as_json, lambda: _print(read))


@app.command()
def remove(
    key: str,
    version: int = typer.Option(..., help="the version shown; a stale one is refused"),
) -> None:
    """Stop watching a series: its points and anomalies go with it."""
    with unit_of_work(write=True) as session:
        anomalies.remove_series(session, actor=actor(session), key=key, version=version)
    out.print(f"{key} is no longer watched")


@app.command("list")
def list_series(
    service: str | None = typer.Option(None),
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        chosen = catalog.platform_filter(session, platform)
        found = anomalies.list_series(
            session, actor=actor(session), service=service, platform=chosen
        )
        rows = [anomalies.read(s) for s in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Watched series",
            ["key", "service", "detector", "threshold", "points", "last point"],
            [
                (r.key, r.service, r.detector, f"{r.threshold:.4f}", r.points, r.last_at)
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = anomalies.read(anomalies.get_series(session, actor=actor(session), key=key))
    emit(read, as_json, lambda: _print(read))


@app.command()
def push(
    key: str,
    points: Path = typer.Argument(..., help="CSV of timestamp,value lines; - for stdin"),
    as_json: bool = JsonOption,
) -> None:
    """Score the points of a CSV file (ISO 8601 timestamp, value) in order."""
    text = sys.stdin.read() if str(points) == "-" else points.read_text()
    rows = [row for row in csv.reader(text.splitlines()) if row]
    with unit_of_work(write=True) as session:
        data = schemas.PointsIn.model_validate(
            {"points": [{"timestamp": r[0], "value": r[-1]} for r in rows]}
        )
        result = anomalies.push_points(session, actor=actor(session), key=key, data=data)
    emit(
        result,
        as_json,
        lambda: out.print(
            f"{result.accepted} scored, {result.skipped_not_finite} not finite and "
            f"{result.skipped_out_of_order} out of order skipped; "
            f"anomalies: {', '.join(result.anomalies) or 'none'}"
        ),
    )


@anomaly_app.command("list")
def list_anomalies(
    series: str | None = typer.Option(None),
    service: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = anomalies.list_anomalies(
            session, actor=actor(session), series=series, service=service, limit=500
        )
        rows = [anomalies.read_anomaly(a) for a in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Anomalies",
            ["key", "series", "at", "value", "expected", "score", "judged"],
            [
                (
                    r.key,
                    r.series,
                    r.at,
                    f"{r.value:.6g}",
                    f"{r.expected_low:.6g} to {r.expected_high:.6g}",
                    f"{r.score:.4f}",
                    r.judgement,
                )
                for r in rows
            ],
        ),
    )


def _print_anomaly(read: schemas.AnomalyRead) -> None:
    out.print(
        f"[bold]{read.key}[/] {read.series} at {read.at}: {read.value:.6g} where "
        f"{read.expected_low:.6g} to {read.expected_high:.6g} was expected; score "
        f"{read.score:.4f} (threshold {read.threshold:.4f}), anomalous since {read.since}"
        + (f"; judged {read.judgement} by {read.judged_by}" if read.judgement else "")
    )


@anomaly_app.command("show")
def show_anomaly(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = anomalies.read_anomaly(anomalies.get_anomaly(session, actor=actor(session), key=key))
    emit(read, as_json, lambda: _print_anomaly(read))


@anomaly_app.command()
def judge(key: str, judgement: Judgement, as_json: bool = JsonOption) -> None:
    """Real or noise, once: noise raises the series' threshold, real lowers it."""
    with unit_of_work(write=True) as session:
        data = schemas.JudgementIn(judgement=judgement)
        judged = feedback.judge(session, actor=actor(session), key=key, data=data)
        read = anomalies.read_anomaly(judged)
    emit(read, as_json, lambda: _print_anomaly(read))


@anomaly_app.command()
def precision(service: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """Per detector and service: anomalies judged real, noise, or not yet."""
    with unit_of_work() as session:
        rows = feedback.precision(session, actor=actor(session), service=service)
    emit(
        rows,
        as_json,
        lambda: table(
            "Precision",
            ["detector", "service", "real", "noise", "unjudged", "precision"],
            [
                (r.detector, r.service, r.real, r.noise, r.unjudged, _share(r.precision))
                for r in rows
            ],
        ),
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
