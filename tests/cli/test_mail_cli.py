"""`opsroom mail` from the terminal: the mail received, held mail accepted or discarded, and
a mailbox fetched on demand."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.mailin import service
from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import run_json
from tests.mail import desk_by_mail, written


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    ready = desk_by_mail(settings)
    with session_scope(ready) as s:
        service.receive(s, written(sender="carl@newco.example"), via="smtp")
        service.receive(s, written(sender="spam@junk.example"), via="smtp")
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPSROOM_MAIL_SERVICE", "checkout")
    return CliRunner()


def test_held_mail_is_accepted_or_discarded(opsroom: CliRunner) -> None:
    held = run_json(opsroom, "mail", "list", "--outcome", "held")
    assert [m["sender"] for m in held] == ["spam@junk.example", "carl@newco.example"]
    spam, carl = (m["id"] for m in held)
    accepted = run_json(opsroom, "mail", "accept", str(carl), "--organisation", "NewCo")
    assert (accepted["outcome"], accepted["subject_key"]) == ("accepted", "TKT-1")
    assert run_json(opsroom, "mail", "discard", str(spam))["outcome"] == "discarded"
    counts = run_json(opsroom, "mail", "counts")
    assert (counts["accepted"], counts["discarded"], counts["held"]) == (1, 1, 0)
    shown = opsroom.invoke(app, ["mail", "list"])
    assert shown.exit_code == 0 and "TKT-1" in shown.stdout


def test_refusals_exit_non_zero_with_the_reason(opsroom: CliRunner) -> None:
    [first, *_] = run_json(opsroom, "mail", "list")
    run_json(opsroom, "mail", "discard", str(first["id"]))
    again = opsroom.invoke(app, ["mail", "discard", str(first["id"])])
    assert again.exit_code != 0
    assert f"mail {first['id']} is discarded, not held" in again.output
    unfetched = opsroom.invoke(app, ["mail", "fetch"])
    assert unfetched.exit_code == 1
    assert "no mailbox is configured (OPSROOM_IMAP_HOST)" in unfetched.output
