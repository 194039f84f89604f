"""The chat server's protocol, with no framework in it: options, lines and what the server says.

The protocol is one UTF-8 line per message, ended by ``\\n`` (a ``\\r``
before it is dropped).  The server names each client ``client-N`` in the
order they connect and sends every line a client says to every other client
as ``client-N: text``.  Lines from the server itself start with ``* ``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .validate import check_count, check_number

ENCODING = "utf-8"
NEWLINE = b"\n"


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    max_clients: int
    client_buffer: int
    shutdown_grace: float
    max_line: int


def check_options(
    host: object,
    port: object,
    max_clients: object,
    client_buffer: object,
    shutdown_grace: object,
    max_line: object,
) -> ServerOptions:
    """Check ``serve_chat``'s arguments (rule 3) before anything listens."""
    if not isinstance(host, str):
        raise TypeError(f"host must be a str, not {type(host).__name__}")
    if not host:
        raise ValueError("host must not be empty")
    port = check_count("port", port, minimum=0)
    if port > 65535:
        raise ValueError(f"port must be <= 65535, got {port!r}")
    return ServerOptions(
        host=host,
        port=port,
        max_clients=check_count("max_clients", max_clients, minimum=1),
        client_buffer=check_count("client_buffer", client_buffer, minimum=1),
        shutdown_grace=check_number("shutdown_grace", shutdown_grace, allow_inf=True),
        max_line=check_count("max_line", max_line, minimum=1),
    )


class BadLine(Exception):
    """A client sent a line the server will not pass on; the text says why, for that client."""


def decode(line: bytes | bytearray, max_line: int) -> str:
    """One line as received, its ``\\n`` included or not, as text.

    Raises:
        BadLine: longer than ``max_line`` bytes, or not UTF-8.
    """
    line = line.removesuffix(NEWLINE).removesuffix(b"\r")
    if len(line) > max_line:
        raise BadLine(too_long(max_line))
    try:
        return line.decode(ENCODING)
    except UnicodeDecodeError:
        raise BadLine(f"* that was not {ENCODING.upper()} text, goodbye") from None


def too_long(max_line: int) -> str:
    return f"* line longer than {max_line} bytes, goodbye"


class LineSplitter:
    """Bytes in, complete lines out: for a stream that has no line reader of its own (trio's)."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._buffer = bytearray()

    def feed(self, data: bytes | bytearray) -> list[str]:
        """Add ``data`` and return the lines it completed.

        Raises:
            BadLine: a line is too long (known before its end arrives) or
                not UTF-8.
        """
        self._buffer += data
        *complete, rest = self._buffer.split(NEWLINE)
        # +1: a line may end in "\r", which decode() drops.
        if len(rest) > self.max_line + 1:
            raise BadLine(too_long(self.max_line))
        self._buffer = bytearray(rest)
        return [decode(line, self.max_line) for line in complete]

    @property
    def pending(self) -> bool:
        """Whether part of a line is waiting for its end."""
        return bool(self._buffer)


def encode(text: str) -> bytes:
    return text.encode(ENCODING) + NEWLINE


def client_name(number: int) -> str:
    return f"client-{number}"


def welcome(name: str) -> str:
    return f"* welcome, you are {name}"


def said(name: str, text: str) -> str:
    return f"{name}: {text}"


def relayed(messages: Iterable[tuple[str, str]], to: str) -> bytes:
    """The ``(sender, text)`` messages that ``to`` hears (not its own), as one write."""
    return b"".join(encode(said(sender, text)) for sender, text in messages if sender != to)


def full(max_clients: int) -> str:
    return f"* server full ({max_clients} clients), try again later"


TOO_SLOW = "* you fell too far behind, goodbye"
GOODBYE = "* server shutting down, goodbye"
