"""A webhook receiver in its own process that notes when each post arrived, so a benchmark
measures the moment a page reaches its channel without the receiver competing with the
worker for the interpreter.

`POST /<anything>` answers 200 and records (path, arrival time); `GET /arrivals` answers
them all as JSON `[[path, unix seconds], ...]`. HTTP/1.1 keep-alive, nothing else.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, arrivals: list[tuple[str, float]]
) -> None:
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            length = _content_length(head)
            if length:
                await reader.readexactly(length)
            if method == "POST":
                arrivals.append((path, time.time()))
                writer.write(OK)
            else:
                body = json.dumps(arrivals).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _main(ready: Connection) -> None:
    arrivals: list[tuple[str, float]] = []
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(r, w, arrivals), "127.0.0.1", 0
    )
    ready.send(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def _run(ready: Connection) -> None:
    asyncio.run(_main(ready))


@contextmanager
def arrivals_receiver() -> Iterator[str]:
    """Start the receiver process; yields its base URL."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_run, args=(child,), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{parent.recv()}"
    finally:
        process.terminate()
        process.join()


def arrivals(url: str) -> list[tuple[str, float]]:
    with urllib.request.urlopen(f"{url}/arrivals") as answer:
        return [(path, at) for path, at in json.loads(answer.read())]
