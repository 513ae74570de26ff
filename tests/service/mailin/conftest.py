"""What the inbound mail tests share: settings that take tickets by email (tests/mail.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.mail import desk_by_mail


@pytest.fixture
def mail_settings(settings: Settings) -> Settings:
    return desk_by_mail(settings)


@pytest.fixture
def db(mail_settings: Settings) -> Iterator[Session]:
    with session_scope(mail_settings) as s:
        yield s
