"""A client of `sspe serve-env` (python/PROTOCOL.md): JSON lines over a child's stdio, or loopback TCP.

`Client.spawn(scenario)` starts the server as a child process and owns it;
`Client.connect(host, port)` talks to one that is already listening. Either
way `request(op, **fields)` sends one request and returns its `result`, and
`pipeline([...])` sends several before reading their answers (one round trip).
An `ok: false` answer raises ServerError with the server's code and message;
the server keeps serving, so the client stays usable.

A spawned server never outlives its client: `close()` closes stdin (the
protocol's "stdin closing ends the server"), waits, then terminates and kills;
a client that is garbage-collected or still open at interpreter exit is
closed the same way (weakref.finalize runs at both).
"""

from __future__ import annotations

import itertools
import json
import os
import select
import socket
import subprocess
import tempfile
import time
import weakref
from typing import IO, Any, Callable, Iterable, Sequence

from .errors import ServerError, ServerExitedError, SspeError
from .locate import resolve_scenario, server_command

PROTOCOL_VERSION = 1
#: How long close() waits for the server to exit after stdin closes, before terminating it.
CLOSE_GRACE_S = 5.0
#: How much of the server's stderr an error quotes.
STDERR_TAIL_CHARS = 2000


KIND_NAMES = {"single": "a single-agent server", "parallel": "a multi-agent server (serve-env --agents …)"}


def open_client(scenario: str | os.PathLike[str] | None, client: "Client | None", kind: str, **spawn: Any) -> "tuple[Client, bool]":
    """The client an environment talks through: `client`, or a server spawned for `scenario` (spawn's keywords),
    checked to serve `kind`; and whether the environment owns it (closes it with itself)."""
    if (scenario is None) == (client is None):
        raise ValueError("expected exactly one of scenario (start a server) and client (use a running one)")
    owns = client is None
    opened = client if client is not None else Client.spawn(scenario, **spawn)  # type: ignore[arg-type]
    if opened.kind != kind:
        if owns:
            opened.close()
        raise SspeError(f"expected {KIND_NAMES[kind]}, got kind {opened.kind!r} ({opened.description})")
    return opened, owns


class _LineChannel:
    """Newline-delimited bytes over a file descriptor, with an optional read deadline."""

    def __init__(self, read_fd: int) -> None:
        self._read_fd = read_fd
        self._buffer = bytearray()

    def read_line(self, timeout_s: float | None) -> bytes | None:
        """The next line without its newline, or None at end of stream."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                return line
            if deadline is not None:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([self._read_fd], [], [], max(0.0, left))
                if not ready:
                    raise TimeoutError(f"expected a response line within {timeout_s} s, got none")
            chunk = self._read_chunk()
            if chunk == b"":
                return None
            self._buffer.extend(chunk)

    def _read_chunk(self) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _PipeChannel(_LineChannel):
    def __init__(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        super().__init__(stdout.fileno())
        self._stdin = stdin
        self._stdout = stdout

    def _read_chunk(self) -> bytes:
        return os.read(self._read_fd, 1 << 16)

    def write(self, data: bytes) -> None:
        self._stdin.write(data)
        self._stdin.flush()

    def close(self) -> None:
        for stream in (self._stdin, self._stdout):
            try:
                stream.close()
            except OSError:
                pass  # A broken pipe on close means the server has already gone: what close wants.


class _SocketChannel(_LineChannel):
    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock.fileno())
        self._socket = sock

    def _read_chunk(self) -> bytes:
        return self._socket.recv(1 << 16)

    def write(self, data: bytes) -> None:
        self._socket.sendall(data)

    def close(self) -> None:
        try:
            self._socket.close()
        except OSError:
            pass


class _Resources:
    """What a client must release; separate from Client so that its finalizer holds no reference to the client."""

    def __init__(self, channel: _LineChannel, process: "subprocess.Popen[bytes] | _ProcessWithPipe | None", stderr: IO[bytes] | None) -> None:
        self.channel = channel
        self.process = process
        self.stderr = stderr

    def release(self, grace_s: float = CLOSE_GRACE_S) -> int | None:
        """Close the channel and end the process (stdin closed → wait → SIGTERM → SIGKILL); its exit code."""
        self.channel.close()
        code = None
        if self.process is not None:
            code = _end_any(self.process, grace_s)
        if self.stderr is not None:
            self.stderr.close()
        return code


def _end_process(process: subprocess.Popen[bytes], grace_s: float) -> int:
    try:
        return process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.terminate()
    return _wait_or_kill(process, grace_s)


def _wait_or_kill(process: Any, grace_s: float) -> int:
    """The exit code, once the process ends by itself within grace_s or after SIGKILL."""
    try:
        return process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


class Client:
    """One connection to a server: request/response with ids, structured errors, owned process if spawned."""

    def __init__(
        self,
        channel: _LineChannel,
        *,
        process: "subprocess.Popen[bytes] | _ProcessWithPipe | None" = None,
        stderr: IO[bytes] | None = None,
        response_timeout_s: float | None = None,
        description: str = "sspe serve-env",
    ) -> None:
        self._resources = _Resources(channel, process, stderr)
        self._finalizer = weakref.finalize(self, _Resources.release, self._resources)
        self._ids = itertools.count(1)
        self.response_timeout_s = response_timeout_s
        self.description = description
        self.closed = False
        try:
            #: The server's hello: protocol, server, scenario, kind.
            self.server_info: dict[str, Any] = self.request("hello", protocol=PROTOCOL_VERSION)
        except BaseException:
            self.close()
            raise
        if self.server_info.get("protocol") != PROTOCOL_VERSION:
            found = self.server_info.get("protocol")
            self.close()
            raise SspeError(f"expected protocol {PROTOCOL_VERSION} from {description}, got {found!r}")

    @classmethod
    def spawn(
        cls,
        scenario: str | os.PathLike[str],
        *,
        agents: str | Sequence[str] | None = None,
        encoding: str | None = None,
        command: Sequence[str] | None = None,
        tcp: bool = False,
        response_timeout_s: float | None = None,
        startup_timeout_s: float = 120.0,
        cwd: str | os.PathLike[str] | None = None,
    ) -> "Client":
        """Start `sspe serve-env <scenario>` as a child (stdio; with tcp=True over --port 0) and connect to it."""
        path = resolve_scenario(scenario)
        argv = [*(command if command is not None else server_command()), "serve-env", str(path)]
        if agents is not None:
            argv += ["--agents", agents if isinstance(agents, str) else ",".join(agents)]
        if encoding is not None:
            argv += ["--encoding", encoding]
        if tcp:
            argv += ["--port", "0"]
        stderr = tempfile.TemporaryFile()
        try:
            process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd)
        except OSError as error:
            stderr.close()
            raise SspeError(f"expected to start {argv!r}, got {error}") from error
        description = " ".join(argv)
        pipe = _PipeChannel(process.stdin, process.stdout)  # type: ignore[arg-type]
        if not tcp:
            return cls(pipe, process=process, stderr=stderr, response_timeout_s=startup_timeout_s, description=description)._after_startup(response_timeout_s)
        try:
            line = pipe.read_line(startup_timeout_s)
            event = _parse_line(line, description, lambda: _stderr_tail(stderr), process)
            if event.get("event") != "listening" or not isinstance(event.get("port"), int):
                raise ServerExitedError(f"expected {{\"event\":\"listening\",…}} from {description}, got {event!r}")
            sock = socket.create_connection((str(event.get("host", "127.0.0.1")), event["port"]), timeout=startup_timeout_s)
            sock.settimeout(None)
        except BaseException:
            _Resources(pipe, process, stderr).release(grace_s=0.5)
            raise
        # Over TCP the child's stdin stays open (closing it would end the server) and its stdout is unused.
        return cls(_SocketChannel(sock), process=_ProcessWithPipe(process, pipe), stderr=stderr,
                   response_timeout_s=startup_timeout_s, description=description)._after_startup(response_timeout_s)

    @classmethod
    def connect(cls, host: str, port: int, *, response_timeout_s: float | None = None, connect_timeout_s: float = 10.0) -> "Client":
        """Talk to a server already listening (`sspe serve-env … --port N`); closing ends only this connection's environments."""
        sock = socket.create_connection((host, port), timeout=connect_timeout_s)
        sock.settimeout(None)
        return cls(_SocketChannel(sock), response_timeout_s=response_timeout_s, description=f"sspe serve-env at {host}:{port}")

    def _after_startup(self, response_timeout_s: float | None) -> "Client":
        self.response_timeout_s = response_timeout_s
        return self

    @property
    def kind(self) -> str:
        """"single" or "parallel", as the server's hello says."""
        return str(self.server_info.get("kind"))

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The spawned server, or None for a connected client."""
        owned = self._resources.process
        return owned.process if isinstance(owned, _ProcessWithPipe) else owned

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request; its result, or ServerError."""
        return self.pipeline([(op, fields)])[0]

    def pipeline(self, requests: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Send every request, then read every answer (in order); raises the first error after reading them all."""
        if self.closed:
            raise SspeError(f"expected an open client, got one already closed ({self.description})")
        sent: list[tuple[int, str]] = []
        payload = bytearray()
        for op, fields in requests:
            request_id = next(self._ids)
            payload += json.dumps({"id": request_id, "op": op, **fields}, separators=(",", ":"), allow_nan=False).encode()
            payload += b"\n"
            sent.append((request_id, op))
        try:
            self._resources.channel.write(bytes(payload))
        except OSError as error:
            raise self._exited(f"expected to send {len(sent)} request(s), the connection failed: {error}") from error
        results: list[dict[str, Any]] = []
        first_error: ServerError | None = None
        for request_id, op in sent:
            response = self._read_response(op)
            if response.get("id") != request_id:
                raise self._exited(f"expected a response to id {request_id} ({op}), got one to id {response.get('id')!r}")
            if response.get("ok") is True:
                result = response.get("result")
                if not isinstance(result, dict):
                    raise self._exited(f"expected an object as the result of {op}, got {result!r}")
                results.append(result)
            else:
                error = response.get("error") or {}
                failure = ServerError(str(error.get("code", "unknown")), str(error.get("message", response)), op=op, request_id=request_id)
                first_error = first_error or failure
                results.append({})
        if first_error is not None:
            raise first_error
        return results

    def _read_response(self, op: str) -> dict[str, Any]:
        try:
            line = self._resources.channel.read_line(self.response_timeout_s)
        except OSError as error:
            raise self._exited(f"expected a response to {op}, the connection failed: {error}") from error
        return _parse_line(line, self.description, self._stderr_tail, self.process)

    def _exited(self, message: str) -> ServerExitedError:
        return ServerExitedError(_with_stderr(f"{message} ({self.description})", self._stderr_tail()))

    def _stderr_tail(self) -> str:
        return _stderr_tail(self._resources.stderr)

    def close(self, grace_s: float = CLOSE_GRACE_S) -> int | None:
        """End the connection, and the server if this client spawned it; the server's exit code (None if not spawned)."""
        if self.closed:
            return None
        self.closed = True
        self._finalizer.detach()
        return self._resources.release(grace_s)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ProcessWithPipe:
    """A TCP server's process: its stdin pipe stays open while connected; ending it closes the pipe, then signals."""

    def __init__(self, process: subprocess.Popen[bytes], pipe: _PipeChannel) -> None:
        self.process = process
        self.pipe = pipe

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout=timeout)

    def poll(self) -> int | None:
        return self.process.poll()

    def terminate(self) -> None:
        self.process.terminate()

    def kill(self) -> None:
        self.process.kill()


def _end_any(process: Any, grace_s: float) -> int:
    if isinstance(process, _ProcessWithPipe):
        # A TCP server keeps listening until SIGTERM (PROTOCOL.md "Lifetime"); closing stdin first does no harm.
        process.pipe.close()
        process.terminate()
        return _wait_or_kill(process, grace_s)
    return _end_process(process, grace_s)


def _stderr_tail(stderr: IO[bytes] | None) -> str:
    if stderr is None or stderr.closed:
        return ""
    try:
        stderr.flush()
        size = stderr.seek(0, os.SEEK_END)
        stderr.seek(max(0, size - STDERR_TAIL_CHARS))
        return stderr.read().decode("utf-8", errors="replace").strip()
    except (OSError, ValueError):
        return ""


def _with_stderr(message: str, stderr: str) -> str:
    return message if stderr == "" else f"{message}; its stderr ends:\n{stderr}"


def _parse_line(line: bytes | None, description: str, stderr: Callable[[], str], process: Any) -> dict[str, Any]:
    """The JSON object on `line`; ServerExitedError (quoting `stderr()`, read only then) when there is none."""
    if line is None:
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=1.0)  # Its stdout closed: it is exiting, or has; name how.
            except subprocess.TimeoutExpired:
                code = None
        status = "" if code is None else f", exit code {code}"
        raise ServerExitedError(_with_stderr(f"expected a response line from {description}, the stream ended{status}", stderr()))
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError as error:
        raise ServerExitedError(f"expected a JSON line from {description}, got {line[:200]!r}") from error
    if not isinstance(parsed, dict):
        raise ServerExitedError(f"expected a JSON object from {description}, got {line[:200]!r}")
    return parsed

