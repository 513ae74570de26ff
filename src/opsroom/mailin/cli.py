"""`opsroom mail listen|fetch|list|counts|accept|discard`."""

from __future__ import annotations

import threading

import typer

from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.infra.config import Settings
from opsroom.mailin import listener, mailbox, schemas, service
from opsroom.mailin.domain import Outcome

app = typer.Typer(help="Inbound mail: tickets and vendor replies by email.", no_args_is_help=True)


@app.command("listen")
def listen(
    port: int = typer.Option(2525, help="Port to take SMTP on"),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
) -> None:
    """Take inbound mail by SMTP until stopped (Ctrl-C): point an MX or a relay here."""
    controller = listener.listening(Settings(), host=host, port=port)
    out.print(f"taking mail on {host}:{port}; Ctrl-C stops")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@app.command("fetch")
def fetch() -> None:
    """Fetch the configured IMAP mailbox once, now (the worker does so on its own)."""
    with unit_of_work(write=True) as session:
        try:
            received = mailbox.fetch_now(session)
        except mailbox.MailboxError as exc:
            fail(f"mailbox not fetched: {exc}")
    out.print(f"{received} new mails")


def _read(row: object) -> schemas.MailRead:
    return schemas.MailRead.model_validate(row)


@app.command("list")
def list_mail(
    outcome: list[Outcome] = typer.Option([], "--outcome", help="held, loop, malformed ..."),
    as_json: bool = JsonOption,
) -> None:
    """The mail received, newest first."""
    with unit_of_work() as session:
        page = service.listing(session, actor=actor(session), outcome=outcome)
        rows = [_read(m) for m in page.items]
    columns = ("id", "received", "from", "subject", "outcome", "to", "reason")
    emit(
        rows,
        as_json,
        lambda: table(
            "Inbound mail",
            columns,
            [
                (
                    m.id,
                    f"{m.received_at:%Y-%m-%d %H:%M}",
                    m.sender,
                    m.subject,
                    m.outcome,
                    m.subject_key,
                    m.reason,
                )
                for m in rows
            ],
        ),
    )


@app.command("counts")
def counts(as_json: bool = JsonOption) -> None:
    """How many mails came to each outcome."""
    with unit_of_work() as session:
        found = service.counts(session, actor=actor(session))
    emit(found, as_json, lambda: table("Inbound mail", ("outcome", "mails"), list(found.items())))


@app.command("accept")
def accept(
    mail_id: int,
    organisation: str = typer.Option(..., help="the sender's organisation"),
    about: str | None = typer.Option(
        None, "--service", "-s", help="the service it is about (default: OPSROOM_MAIL_SERVICE)"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Open a ticket from a held mail."""
    data = schemas.AcceptIn(organisation=organisation, service=about)
    with unit_of_work(write=True) as session:
        row = _read(service.accept(session, actor=actor(session), mail_id=mail_id, data=data))
    emit(row, as_json, lambda: out.print(f"mail {row.id} accepted as {row.subject_key}"))


@app.command("discard")
def discard(mail_id: int, as_json: bool = JsonOption) -> None:
    """Throw a held mail away."""
    with unit_of_work(write=True) as session:
        row = _read(service.discard(session, actor=actor(session), mail_id=mail_id))
    emit(row, as_json, lambda: out.print(f"mail {row.id} discarded"))
