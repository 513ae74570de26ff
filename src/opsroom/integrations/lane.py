"""The ingest lane: `opsroom serve` answers accepted ingest requests in uvicorn's HTTP
protocol itself, ahead of the ASGI app. An alert storm is thousands of small requests a
second, and the app's per-request machinery (a task, the ASGI messages, middleware and
routing) costs more than an ingest request's own checks and commit together.

The lane takes the common case alone: a POST to an ingest endpoint with a declared length
within the ingest limit, whose body passes its source's checks and whose integration key
this process already knows. It hands the request to the group commit and writes the 202
once the commit holds it. Anything else (a body failing its checks, an unknown key, a
refusal or a failure at the commit, a chunked body, `Expect: 100-continue`) goes on to the
app as if the lane were not there, and the app answers it in its source's own words. A
request refused at the commit (or failed there) goes on with that outcome, which the app
answers without taking the request to the commit again."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from opsroom.infra.config import Settings
from opsroom.infra.middleware import security_headers
from opsroom.integrations.api import LANE, MAX_INGEST_BYTES, REFUSED_AT_COMMIT, Checked, Endpoint
from opsroom.integrations.group_commit import Outcome, keys, writer

BEARER = b"bearer "
ACCEPTED = STATUS_LINE[202]


class IngestProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the ingest lane. Use `IngestProtocol.serving`."""

    settings: ClassVar[Settings]
    answer_headers: ClassVar[bytes]  # the 202's headers but uvicorn's, its length and close

    @classmethod
    def serving(cls, settings: Settings) -> type[IngestProtocol]:
        """The protocol class for uvicorn's `http` option, serving `settings`' database."""
        headers = [(b"content-type", b"application/json"), *security_headers(settings.uses_tls)]
        fixed = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        return type(cls.__name__, (cls,), {"settings": settings, "answer_headers": fixed})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: tuple[RequestResponseCycle, Any, Endpoint] | None = None  # reading its body

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        endpoint = self._lane_endpoint(cycle, app)
        if endpoint is None:
            super()._start_asgi_task(cycle, app)
        elif cycle.more_body:
            self.held = (cycle, app, endpoint)
        else:
            self._take(cycle, app, endpoint)

    def _lane_endpoint(self, cycle: RequestResponseCycle, app: Any) -> Endpoint | None:
        scope = cycle.scope
        endpoint = LANE.get(scope["path"]) if scope["method"] == "POST" else None
        if endpoint is None or app is not self.app or cycle.waiting_for_100_continue:
            return None
        declared = dict(scope["headers"]).get(b"content-length", b"")
        return endpoint if declared.isdigit() and int(declared) <= MAX_INGEST_BYTES else None

    def on_body(self, body: bytes) -> None:
        if self.held is not None and self.held[0] is self.cycle:
            self.cycle.body += body  # within its declared length: no need to pause reading
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self.held is not None and self.held[0] is self.cycle:
            cycle, app, endpoint = self.held
            self.held = None
            self._take(cycle, app, endpoint)

    def _take(self, cycle: RequestResponseCycle, app: Any, endpoint: Endpoint) -> None:
        """Keep the request and answer it, or leave it to the app."""
        body = bytes(cycle.body)
        try:
            checked = endpoint.check(body)
        except Exception:  # the app finds the same problem and answers it
            super()._start_asgi_task(cycle, app)
            return
        key = checked.key or _bearer(cycle)
        known = keys.known(key) if key else None
        if known is None:
            super()._start_asgi_task(cycle, app)
            return
        pending = endpoint.pending(known, checked, body)

        def settle(outcome: Outcome) -> None:
            if outcome is None:
                self._accepted(cycle, checked)
            else:  # the app answers the refusal in the source's words
                cycle.scope[REFUSED_AT_COMMIT] = outcome  # type: ignore[literal-required]
                super(IngestProtocol, self)._start_asgi_task(cycle, app)

        writer(self.settings).submit(pending, settle)

    def _accepted(self, cycle: RequestResponseCycle, checked: Checked) -> None:
        """Write the 202 and complete the request, as uvicorn completes one."""
        content = orjson.dumps(checked.answer)
        head = [ACCEPTED]
        head.extend(
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        )
        head.append(self.answer_headers)
        head.append(b"content-length: %d\r\n" % len(content))
        if not cycle.keep_alive:
            head.append(b"connection: close\r\n")
        head.extend((b"\r\n", content))
        if not cycle.disconnected and not self.transport.is_closing():
            self.transport.write(b"".join(head))
        cycle.response_complete = True
        cycle.message_event.set()
        if not cycle.keep_alive:
            self.transport.close()
        cycle.on_response()


def _bearer(cycle: RequestResponseCycle) -> str:
    """The key of the request's (first) `Authorization: Bearer <key>` header, else ''."""
    for name, value in cycle.scope["headers"]:
        if name == b"authorization":
            bearer = value[: len(BEARER)].lower() == BEARER
            return value[len(BEARER) :].strip().decode("latin-1") if bearer else ""
    return ""
