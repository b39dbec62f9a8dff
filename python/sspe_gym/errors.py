"""What the client raises: one base class, so `except SspeError` catches every failure of the bridge."""

from __future__ import annotations

from typing import Any

#: The error codes of PROTOCOL.md ("Messages").
ERROR_CODES = (
    "bad_json",
    "bad_request",
    "unknown_op",
    "unknown_env",
    "invalid_action",
    "not_reset",
    "protocol",
    "internal",
)


class SspeError(Exception):
    """Any failure talking to `sspe serve-env`."""


class ServerError(SspeError):
    """The server answered a request with `ok: false`; it keeps serving, and so can this client.

    `code` is one of ERROR_CODES (or whatever a newer server sends), `message`
    the server's one line, `op` and `request_id` the request it answered.
    """

    def __init__(self, code: str, message: str, *, op: str | None = None, request_id: Any = None) -> None:
        self.code = code
        self.message = message
        self.op = op
        self.request_id = request_id
        where = f" (op {op!r}, id {request_id!r})" if op is not None else ""
        super().__init__(f"{code}: {message}{where}")


class ServerNotFoundError(SspeError):
    """No way to start the server was found; the message names every place that was tried."""


class ServerExitedError(SspeError):
    """The server process or connection went away (or sent something that is not the protocol)."""
