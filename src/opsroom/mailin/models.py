from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class InboundMail(Base):
    """Every mail received, kept raw with what became of it; the Message-ID makes a mail
    received twice (a retried delivery, a mailbox fetched again) count once."""

    __tablename__ = "inbound_mail"
    __table_args__ = (Index("ix_inbound_mail_sender", "sender", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    via: Mapped[str] = mapped_column(String(10))  # smtp or imap
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why held, a loop, or refused files
    subject_key: Mapped[str | None] = mapped_column(String(40), nullable=True)  # TKT-3, ENG-2
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    handled_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
