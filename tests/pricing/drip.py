"""A server on 127.0.0.1 that answers as slowly as a bad day: it drips its answer a byte at a time, or stalls."""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time

STATUS_LINE = b"HTTP/1.1 200 OK\r\n"
HEADERS = b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


class DripServer:
    """`with DripServer(mode, every=2) as url:` serves every request on `url` in one of three ways:

    - "body": the status and headers at once, then one byte of the body every `every` seconds;
    - "headers": the status line, then the headers one byte every `every` seconds;
    - "stall": the status and headers at once, then nothing.

    Each answer stops after `longest` seconds (a test that fails must not hang), or when the client hangs up.
    """

    def __init__(self, mode: str, *, every: float = 2.0, longest: float = 60.0) -> None:
        self.mode, self.every, self.longest = mode, every, longest
        self.requests = 0
        self._stopping = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server.requests += 1
                self.request.recv(65536)  # the request; its content does not matter
                with contextlib.suppress(OSError):  # the client gave up: what a drip server is for
                    server._answer(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    def _answer(self, sock) -> None:
        ends = time.monotonic() + self.longest
        if self.mode == "headers":
            sock.sendall(STATUS_LINE)
            drip = HEADERS
        else:
            sock.sendall(STATUS_LINE + HEADERS)
            drip = b'{"gpt-4o": {}}' + b" " * 100000 if self.mode == "body" else b""
        for byte in drip:
            if self._stopping.wait(self.every) or time.monotonic() > ends:
                return
            sock.sendall(bytes([byte]))
        self._stopping.wait(max(0.0, ends - time.monotonic()))

    def __enter__(self) -> str:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/feed.json"

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
