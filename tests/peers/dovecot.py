"""A real IMAP server on loopback for tests: Debian's Dovecot (dovecot-imapd) with a config
file of its own, one mailbox user from a passwd-file, mail in a throw-away Maildir, plain
IMAP on a free port. Tests APPEND mail to it over IMAP, as a delivering server would."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import missing_peer
from tests.peers.alertmanager import free_port

DOVECOT = shutil.which("dovecot", path="/usr/sbin:/usr/bin")
INSTALL = "no Dovecot IMAP server: apt-get install -y dovecot-imapd"
STARTUP_SECONDS = 15
USER, PASSWORD = "desk", "mailbox-password"

CONFIG = """
base_dir = {home}/run
state_dir = {home}/state
instance_name = opsroom-test-{port}
log_path = {home}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{home}/mail/%u
first_valid_uid = {uid}
{privileges}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {home}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/mail/%u
}}
"""


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    def append(self, raw: bytes) -> None:
        """Deliver a message into INBOX, unseen."""
        with imaplib.IMAP4(self.host, self.port) as box:
            box.login(self.user, self.password)
            status, answer = box.append("INBOX", None, None, raw)
            assert status == "OK", answer

    def unseen(self, folder: str = "INBOX") -> int:
        return len(self._search(folder, "UNSEEN"))

    def held(self, folder: str) -> int:
        """How many messages `folder` holds."""
        return len(self._search(folder, "ALL"))

    def create(self, folder: str) -> None:
        with imaplib.IMAP4(self.host, self.port) as box:
            box.login(self.user, self.password)
            box.create(folder)

    def _search(self, folder: str, criterion: str) -> list[bytes]:
        with imaplib.IMAP4(self.host, self.port) as box:
            box.login(self.user, self.password)
            box.select(folder, readonly=True)
            found: list[bytes] = box.uid("SEARCH", criterion)[1][0].split()
            return found


def _owner() -> tuple[pwd.struct_passwd, str]:
    """Whom the mail belongs to: as root, `nobody` (Dovecot keeps mail from root); as anyone
    else, themselves, with Dovecot's own processes run as them too."""
    if os.geteuid() == 0:
        return pwd.getpwnam("nobody"), ""
    me = pwd.getpwuid(os.geteuid())
    own = "\n".join(
        f"{name} = {me.pw_name}"
        for name in ("default_internal_user", "default_login_user", "default_internal_group")
    )
    return me, own


@contextmanager
def dovecot() -> Iterator[Mailbox]:
    if DOVECOT is None:
        missing_peer(INSTALL)
    home = Path(tempfile.mkdtemp(prefix="opsroom-dovecot-"))
    owner, privileges = _owner()
    try:
        home.chmod(0o755)
        (home / "mail").mkdir()
        os.chown(home / "mail", owner.pw_uid, owner.pw_gid)
        (home / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port = free_port()
        config = CONFIG.format(
            home=home, port=port, uid=owner.pw_uid, gid=owner.pw_gid, privileges=privileges
        )
        (home / "dovecot.conf").write_text(config)
        server = subprocess.Popen([DOVECOT, "-F", "-c", str(home / "dovecot.conf")])
        try:
            _wait(port, server, home)
            yield Mailbox("127.0.0.1", port, USER, PASSWORD)
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _wait(port: int, server: subprocess.Popen[bytes], home: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    log = home / "dovecot.log"
    raise RuntimeError(f"Dovecot did not start: {log.read_text() if log.exists() else ''}")
