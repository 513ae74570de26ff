"""Settings: environment variables prefixed OPSROOM_, or an optional opsroom.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PLACEHOLDER_SIGNING_SECRET = "change-me-in-production"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # every interface: links name this machine
PLACEHOLDER_WARNING = (
    "OPSROOM_SIGNING_SECRET is the shipped placeholder: anyone can forge webhook signatures, "
    "acknowledge links and calendar feed tokens. Set a long random secret of your own."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPSROOM_", toml_file="opsroom.toml", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///./var/opsroom.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public URL used in links; default: this host and port",
    )
    timezone: str = Field(
        default="UTC", description="Zone times are shown in when a viewer has none"
    )
    max_request_bytes: int = Field(default=1_048_576, description="Largest accepted request body")
    sql_echo: bool = False
    user: str | None = Field(default=None, description="CLI: act as this account (email)")
    token: SecretStr | None = Field(default=None, description="CLI: act with this API token")
    smtp_host: str = Field(default="127.0.0.1", description="Mail server for email pages")
    smtp_port: int = 25
    smtp_security: Literal["plain", "starttls", "ssl"] = Field(
        default="plain", description="plain, starttls (usually port 587) or ssl (usually 465)"
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="opsroom@localhost", description="Sender of email pages")
    signing_secret: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SIGNING_SECRET),
        description="Signs webhook bodies and one-click acknowledge links: set your own",
    )
    sms_gateway_url: str | None = Field(
        default=None,
        description="Kannel's sendsms URL for SMS pages (http://gateway:13013/cgi-bin/sendsms)",
    )
    sms_gateway_username: str = Field(default="opsroom", description="Kannel sendsms-user")
    sms_gateway_password: SecretStr | None = None
    sms_sender: str = Field(default="opsroom", description="Sender id or number of SMS pages")
    sms_gateway_addresses: list[str] = Field(
        default=["127.0.0.1"],
        description="Addresses the SMS gateway calls from; replies from elsewhere are refused",
    )
    sms_inbound_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret in the gateway's get-url and dlr-url; unset: no SMS replies",
    )
    twilio_account_sid: str | None = Field(
        default=None, description="Twilio account for voice pages and SMS when the gateway is down"
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Twilio auth token: authenticates the API and signs webhooks"
    )
    twilio_from: str | None = Field(default=None, description="Twilio number pages come from")
    twilio_api_url: str = Field(
        default="https://api.twilio.com", description="Twilio's REST API (a proxy's, or a test's)"
    )
    mail_listen_port: int | None = Field(
        default=None, description="opsroom serve also takes inbound mail by SMTP on this port"
    )
    mail_listen_host: str = Field(default="127.0.0.1", description="Where that listener binds")
    mail_service: str | None = Field(
        default=None, description="Service (slug) a ticket opened by email is about"
    )
    mail_attachment_max_bytes: int = Field(
        default=10_485_760, description="Largest file kept from an inbound mail"
    )
    mail_attachment_types: list[str] = Field(
        default=["application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"],
        description="Content types of the files kept from inbound mail",
    )
    mail_sender_limit_per_hour: int = Field(
        default=30, description="Mails a sender may send an hour before they count as a loop"
    )
    imap_host: str | None = Field(default=None, description="Mailbox the worker fetches mail from")
    imap_port: int = 993
    imap_security: Literal["plain", "starttls", "ssl"] = Field(
        default="ssl", description="plain, starttls (usually port 143) or ssl (usually 993)"
    )
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = Field(default="INBOX", description="Folder of the mailbox to fetch")
    imap_done_folder: str | None = Field(
        default=None, description="Folder handled mail is moved to; unset: it is marked seen"
    )
    imap_poll_seconds: int = Field(default=60, description="How often the mailbox is fetched")
    secure_cookies: bool | None = Field(
        default=None, description="Secure cookies; default: when base_url is https"
    )
    sns_url_pattern: str = Field(
        default=r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/",
        description="Where an Amazon SNS signing certificate or subscribe URL may be fetched",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _links_to_where_it_listens(self) -> Settings:
        """Unless a public URL is set, links (and integrations' configs) point at the host
        and port served, not at the default port."""
        if "base_url" not in self.model_fields_set:
            host = "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host
            self.base_url = f"http://{host}:{self.port}"
        return self

    @property
    def uses_tls(self) -> bool:
        return (
            self.secure_cookies
            if self.secure_cookies is not None
            else self.base_url.startswith("https://")
        )

    def warnings(self) -> list[str]:
        """What an operator must fix before this installation is safe to expose."""
        placeholder = self.signing_secret.get_secret_value() == PLACEHOLDER_SIGNING_SECRET
        return [PLACEHOLDER_WARNING] if placeholder else []

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        return None if raw in ("", ":memory:") else Path(raw)
