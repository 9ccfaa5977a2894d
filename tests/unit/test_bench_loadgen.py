"""The bench's load generator: a keep-alive connection the server dropped is not a lost report."""

from __future__ import annotations

import asyncio
import socket
import struct

from tests.bench.loadgen import Connection


def test_a_post_on_a_connection_the_server_reset_goes_again_on_a_new_one() -> None:
    """The first connection is reset once the request reached it (as a server does to a keep-alive
    connection it already closed); the POST is sent again, with its Idempotency-Key, on a new one.
    Before: ConnectionResetError ended the generator, and the bench's step with it."""
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections))
        await reader.readuntil(b"\r\n\r\n")
        if len(connections) == 1:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()  # an RST, not a FIN
            return
        body = b'{"report_id": "r1"}'
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    async def main() -> tuple[int, bytes]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            conn = await Connection.open(f"http://127.0.0.1:{port}")
            try:
                return await conn.post("/v1/reports", b"{}", {"Idempotency-Key": "k1"})
            finally:
                conn.close()

    assert asyncio.run(main()) == (201, b'{"report_id": "r1"}')
    assert len(connections) == 2
