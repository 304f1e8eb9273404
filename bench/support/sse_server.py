"""A streaming chat-completions server written apart from monitoring/fake_provider.py (raw asyncio, no aiohttp),
so that the probe benchmark measures the probe against a server that shares none of the fake's code. HTTP/1.1
with keep-alive and chunked server-sent events in the OpenAI shape: its first token TTFT ms and its last event
TOTAL ms after the request's first byte arrived. With LOG, it appends a line per answer saying how late it was
itself (ms after the planned moment that its first token and its end were written), so that a benchmark can tell
a late server on a busy machine from an error of the probe.

    python bench/support/sse_server.py PORT TTFT TOTAL [LOG]
"""

from __future__ import annotations

import asyncio
import json
import sys

TOKENS = 5


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _event(payload: dict | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return _chunk(f"data: {data}\n\n".encode())


async def _read_request(reader: asyncio.StreamReader) -> float | None:
    """Read one request; return the loop time its first byte arrived, or None at the end of the connection."""
    first = await reader.read(1)
    if not first:
        return None
    arrived = asyncio.get_running_loop().time()
    head = first + await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return arrived


async def _serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ttft: float, total: float, log: str | None
) -> None:
    loop = asyncio.get_running_loop()
    try:
        while (arrived := await _read_request(reader)) is not None:

            async def at(ms: float, arrived: float = arrived) -> None:
                await asyncio.sleep(max(0.0, arrived + ms / 1000 - loop.time()))

            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: keep-alive\r\n\r\n"
            )
            await writer.drain()
            gap = (total - ttft) / TOKENS
            late = []
            for index in range(TOKENS):
                await at(ttft + gap * index)
                writer.write(_event({"choices": [{"index": 0, "delta": {"content": f"w{index} "}}]}))
                await writer.drain()
                if index == 0:
                    late.append((loop.time() - arrived) * 1000 - ttft)
            await at(total)
            writer.write(_event({"choices": [], "usage": {"completion_tokens": TOKENS}}))
            writer.write(_event("[DONE]") + b"0\r\n\r\n")
            await writer.drain()
            late.append((loop.time() - arrived) * 1000 - total)
            if log:
                with open(log, "a") as file:
                    file.write(f"{late[0]:.3f} {late[1]:.3f}\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int, ttft: float, total: float, log: str | None = None) -> None:
    server = await asyncio.start_server(
        lambda reader, writer: _serve(reader, writer, ttft, total, log), "127.0.0.1", port, backlog=512
    )
    print(f"SSE server on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:5]))
