"""A real SMS gateway on loopback for tests: Debian's Kannel (bearerbox and smsbox) with the
fake operator `fakesmsc` from kannel-extras, on throw-away configuration and free ports.
MT messages reach the operator's fakesmsc, whose log is read back; a phone's reply is
injected by a second fakesmsc on its own SMSC connection."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from tests.conftest import missing_peer
from tests.peers.alertmanager import free_port

BEARERBOX, SMSBOX = (
    shutil.which("bearerbox", path="/usr/sbin"),
    shutil.which("smsbox", path="/usr/sbin"),
)
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
INSTALL = "no Kannel SMS gateway: apt-get install -y kannel kannel-extras"
STARTUP_SECONDS = 20
PASSWORD = "gateway-password"
# fakesmsc logs what the gateway hands the operator as: Got message 1: <from to text body>
# fakesmsc writes its own log file (-F) line by line: its standard output is block-buffered.
RECEIVED = re.compile(r"Got message \d+: <(\S+) (\S+) text (.*)>")
T = TypeVar("T")

CONFIG = """
group = core
admin-port = {admin}
admin-password = {password}
admin-interface = 127.0.0.1
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
dlr-storage = internal
log-level = 1

group = smsc
smsc = fake
smsc-id = operator
port = {operator}
connect-allow-ip = 127.0.0.1

group = smsc
smsc = fake
smsc-id = phone
allowed-smsc-id = phone
port = {phone}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-level = 1

group = sendsms-user
username = opsroom
password = {password}
max-messages = 1

group = sms-service
keyword = default
catch-all = true
get-url = "{replies}?secret={secret}&from=%p&text=%a"
max-messages = 1
"""


@dataclass(frozen=True)
class Gateway:
    sendsms_url: str
    password: str
    workdir: Path
    phone: list[str]  # fakesmsc on the phone's own SMSC connection

    def received(self) -> list[tuple[str, str, str]]:
        """(sender, number, text) of every SMS the gateway has handed on so far. Kannel hands
        a message to any SMSC connection that is up: the operator's or a phone's."""
        logs = [self.workdir / "operator.log", *sorted(self.workdir.glob("phone-*.log"))]
        return [
            found for log in logs for found in RECEIVED.findall(log.read_text(errors="replace"))
        ]

    def reply(self, number: str, text: str) -> list[str]:
        """Send `text` from the phone `number` (injected on the phone's own SMSC connection);
        the texts the gateway then hands on for that number: opsroom's answer."""
        seen = Counter(self.received())
        log = self.workdir / f"phone-{len(list(self.workdir.glob('phone-*.log'))):03d}.log"
        phone = subprocess.Popen(
            [*self.phone, "-F", str(log), "-m", "1", "-i", "0.1", f"{number} 4000 text {text}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return wait_for(lambda: self._to(number, self._since(seen)), "answer to the phone")
        finally:
            phone.terminate()
            phone.wait(timeout=STARTUP_SECONDS)

    def _since(self, seen: Counter[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """What was handed on since `seen` (the logs are read whole: new lines land in any)."""
        return list((Counter(self.received()) - seen).elements())

    @staticmethod
    def _to(number: str, messages: list[tuple[str, str, str]]) -> list[str]:
        return [body for _, receiver, body in messages if receiver == number]


def wait_for(found: Callable[[], T], what: str) -> T:
    """Poll until `found` returns something truthy (processes outside the test answer)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {STARTUP_SECONDS}s")


@contextmanager
def running(workdir: Path, *, replies_url: str, secret: str) -> Iterator[Gateway]:
    """bearerbox, smsbox and the operator's fakesmsc, until the block ends."""
    if BEARERBOX is None or SMSBOX is None or not FAKESMSC.exists():
        missing_peer(INSTALL)
    ports = {name: free_port() for name in ("admin", "smsbox", "operator", "phone", "sendsms")}
    config = workdir / "kannel.conf"
    config.write_text(CONFIG.format(password=PASSWORD, replies=replies_url, secret=secret, **ports))
    status = f"http://127.0.0.1:{ports['admin']}/status.txt?password={PASSWORD}"
    url = f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms"
    # fakesmsc needs a message to be given even when it sends none (-m 0)
    operator = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(ports["operator"])]
    with ExitStack() as stack:
        stack.enter_context(_process([BEARERBOX, str(config)], workdir / "bearerbox.log"))
        wait_for(lambda: _answer(status), "Kannel bearerbox")
        stack.enter_context(_process([SMSBOX, str(config)], workdir / "smsbox.log"))
        stack.enter_context(
            _process(
                [*operator, "-F", str(workdir / "operator.log"), "-m", "0", "0 0 text none"],
                workdir / "operator.out",
            )
        )
        wait_for(lambda: re.search(r"operator\[.*online", _answer(status)), "operator connection")
        wait_for(lambda: _answer(url), "Kannel sendsms interface")
        phone = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(ports["phone"])]
        yield Gateway(url, PASSWORD, workdir, phone)


def _answer(url: str) -> str:
    """The body at `url`, or nothing while nothing listens there."""
    try:
        return httpx.get(url, timeout=1).text or " "
    except httpx.TransportError:
        return ""


@contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_SECONDS)
