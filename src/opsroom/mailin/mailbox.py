"""The mailbox the worker fetches on a durable timer. A round marks as seen (or moves to the
done folder) only the mail an earlier round kept (and so committed), and receives the rest: a crash between the two, or a
second worker, never loses a mail nor makes a ticket twice (the Message-ID is kept once)."""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import settings_of
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.mailin import domain
from opsroom.mailin.service import known, receive

FETCH_TIMER = "mail.fetch"
MAILBOX = "imap"
TIMEOUT_SECONDS = 30.0
log = logging.getLogger("opsroom.mail")


class MailboxError(Exception):
    """The mailbox cannot be reached, or refused what was asked of it."""


def start(session: Session) -> None:
    """Fetch the configured mailbox from now on (the worker calls this as it starts)."""
    if settings_of(session).imap_host:
        _again(session, clock.now())


def _again(session: Session, due_at: datetime) -> None:
    jobs.schedule(session, kind=FETCH_TIMER, subject=MAILBOX, due_at=due_at, dedup_key=FETCH_TIMER)


def fetch(session: Session, timer: Due) -> None:
    """The timer's round: fetch, then fetch again after the configured interval."""
    settings = settings_of(session)
    if not settings.imap_host:
        return  # no longer configured
    try:
        fetch_now(session)
    except MailboxError as exc:
        log.warning("mailbox %s not fetched: %s", settings.imap_host, exc)
    _again(session, clock.now() + timedelta(seconds=settings.imap_poll_seconds))


def fetch_now(session: Session) -> int:
    """One round; returns how many mails were new."""
    settings = settings_of(session)
    if not settings.imap_host:
        raise MailboxError("no mailbox is configured (OPSROOM_IMAP_HOST)")
    try:
        with _connected(settings) as box:
            _check(box.select(_quoted(settings.imap_folder)))
            done = partial(_done, box, settings.imap_done_folder)
            return sum(_take(session, box, uid, done) for uid in _unseen(box))
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(f"{type(exc).__name__}: {exc}") from exc


def _take(session: Session, box: imaplib.IMAP4, uid: str, done: Callable[[str], None]) -> bool:
    raw = _message(box, uid)
    if known(session, domain.message_id_of(raw)):
        done(uid)
        return False
    receive(session, raw, via=MAILBOX)
    return True


def _done(box: imaplib.IMAP4, folder: str | None, uid: str) -> None:
    """Handled mail leaves the unseen mail fetched: moved away, or marked seen."""
    if folder:
        _check(box.uid("MOVE", uid, _quoted(folder)))
    else:
        _check(box.uid("STORE", uid, "+FLAGS", "(\\Seen)"))


def _unseen(box: imaplib.IMAP4) -> list[str]:
    data = _check(box.uid("SEARCH", "UNSEEN"))
    return data[0].decode().split() if data and data[0] else []


def _message(box: imaplib.IMAP4, uid: str) -> bytes:
    for part in _check(box.uid("FETCH", uid, "(BODY.PEEK[])")):
        if isinstance(part, tuple):
            return bytes(part[1])
    raise MailboxError(f"message {uid} came without a body")


def _check(answer: tuple[str, list[Any]]) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise MailboxError(f"the server answered {status}: {data!r}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connected(settings: Settings) -> imaplib.IMAP4:
    host, port = str(settings.imap_host), settings.imap_port
    if settings.imap_security == "ssl":
        context = ssl.create_default_context()
        box: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            host, port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    else:
        box = imaplib.IMAP4(host, port, timeout=TIMEOUT_SECONDS)
        if settings.imap_security == "starttls":
            box.starttls(ssl.create_default_context())
    password = settings.imap_password.get_secret_value() if settings.imap_password else ""
    try:
        box.login(str(settings.imap_username), password)
    except imaplib.IMAP4.error:
        box.shutdown()
        raise
    return box
