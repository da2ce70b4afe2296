"""The messages between a web worker and a query process: both lengths, then a JSON header and a byte
body. A query process says it has taken a query before it answers it: that first message is read
exactly, the answer then greedily (nothing follows it)."""

from __future__ import annotations

import json
import os
import select
import struct
import time

from polegraph.query.backend import QueryRequest

_LENGTHS = struct.Struct(">II")  # header length, body length
_READ_BYTES = 1 << 16


def write_message(fd: int, header: dict, body: bytes = b"") -> None:
    data = json.dumps(header).encode()
    view = memoryview(_LENGTHS.pack(len(data), len(body)) + data + body)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_message(fd: int, deadline: float | None, *, more_follows: bool = False) -> tuple[dict, bytes]:
    """The next message on `fd`: usually one wait and one read (`more_follows`: no byte past it is
    read). TimeoutError past `deadline`, EOFError when the other side has gone."""
    data, needed = bytearray(), _LENGTHS.size  # grows in place: a large answer comes in many reads
    while len(data) < needed:
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0 or not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError
        chunk = os.read(fd, needed - len(data) if more_follows else max(needed - len(data), _READ_BYTES))
        if not chunk:
            raise EOFError
        data += chunk
        if needed == _LENGTHS.size and len(data) >= needed:
            header_length, body_length = _LENGTHS.unpack_from(data)
            needed += header_length + body_length
    header_end = _LENGTHS.size + header_length
    return json.loads(data[_LENGTHS.size:header_end]), bytes(data[header_end:])


def send_request(fd: int, request: QueryRequest) -> None:
    fields = dict(vars(request))
    text = fields.pop("query").encode()  # as the body: no JSON escaping of a long text
    write_message(fd, fields, text)
