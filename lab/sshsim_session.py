"""One interactive CLI session of a simulated device, without any I/O (bytes in, bytes out).

The SSH server feeds the session what the client types and sends back what `feed()` returns:
the character echo, CR LF line ends, the vendor's answers, paging prompts and the prompt, as the
device's terminal does. The same object answers exec requests (`run_exec`). Keeping the terminal
logic free of sockets lets the unit tests drive it directly.

Test knobs (`Mode`, shared with the running simulator so they apply to live sessions too):
`hang_after_bytes=N` sends only the first N bytes of a command's output and then nothing at all;
`no_prompt=True` never prints a prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lab.sshsim_hosts import ExecResult, Interpreter
from lab.sshsim_outputs import DeviceOutputs
from lab.sshsim_platforms import (
    ParseError,
    Platform,
    apply_filters,
    build_tree,
    render_error,
    resolve,
)


@dataclass
class Mode:
    """Failure knobs of one device; changed at run time by `CliSimulator.set_mode`."""

    hang_after_bytes: int | None = None
    no_prompt: bool = False


class Session:
    def __init__(
        self,
        platform: Platform,
        outputs: DeviceOutputs,
        hostname: str,
        mode: Mode,
        clock: Callable[[], datetime],
        record: Callable[[str], None],
        interpreter: Interpreter | None = None,
    ) -> None:
        self.platform = platform
        self.outputs = outputs
        self.hostname = hostname
        self.mode = mode
        self.clock = clock
        self.record = record  # every command line received goes here
        self.interpreter = interpreter
        self.tree = (
            build_tree(platform.tree, outputs.commands) if platform.kind == "network" else None
        )
        self.page_lines = platform.page_lines if platform.more else 0
        self.closed = False  # the user logged out: the server closes the channel
        self.hung = False  # hang_after_bytes struck: never send anything again
        self._line = ""
        self._skip_lf = False
        self._pending: list[str] = []  # output lines still to page through
        self._paging = False

    # -------------------------------------------------------------- terminal I/O

    @property
    def prompt(self) -> str:
        if self.mode.no_prompt:
            return ""
        return self.platform.prompt.format(hostname=self.hostname)

    def start(self) -> bytes:
        """What the device prints once the shell opens: its banner, then the prompt."""
        login_time = self.clock().astimezone(self.outputs.tz)
        motd = self.platform.motd.format(
            hostname=self.hostname, login_time=login_time.strftime(self.platform.login_time_format)
        )
        return (motd + self.prompt).encode()

    def feed(self, data: bytes) -> bytes:
        """Consume what the client sent; return what the device sends back."""
        if self.hung or self.closed:
            self._record_lines_while_dead(data)
            return b""
        out: list[str] = []
        for ch in data.decode("utf-8", "replace"):
            if self.hung or self.closed:
                break
            if self._paging:
                out.append(self._paging_key(ch))
                continue
            if ch == "\n" and self._skip_lf:
                self._skip_lf = False
                continue
            self._skip_lf = ch == "\r"
            if ch in "\r\n":
                line, self._line = self._line, ""
                out.append("\r\n")
                out.append(self._enter(line))
            elif ch in "\x08\x7f":
                if self._line:
                    self._line = self._line[:-1]
                    out.append("\b \b")
            elif ch == "\x03":
                self._line = ""
                out.append("^C\r\n" + self.prompt)
            elif ch == "\x15":
                out.append("\b \b" * len(self._line))
                self._line = ""
            elif ch >= " " or ch == "\t":
                self._line += ch
                out.append(ch)
            # other control characters (NUL keepalives, ESC) are swallowed, as a CLI does
        return "".join(out).encode()

    def _record_lines_while_dead(self, data: bytes) -> None:
        # A hung device still receives what is typed: keep the record complete.
        for ch in data.decode("utf-8", "replace"):
            if ch in "\r\n":
                if self._line.strip():
                    self.record(self._line.strip())
                self._line = ""
            elif ch >= " ":
                self._line += ch

    def _enter(self, line: str) -> str:
        if line.strip():
            self.record(line.strip())
        if self.platform.kind == "network":
            lines, paged = self._network(line)
        else:
            lines, paged = self._shell(line), False
        if self.closed:
            return ""
        return self._emit(lines, paged)

    def _emit(self, lines: list[str], paged: bool) -> str:
        body = "\r\n".join(lines)
        limit = self.mode.hang_after_bytes
        if limit is not None and len(body.encode()) > limit:
            self.hung = True
            return body.encode()[:limit].decode("utf-8", "ignore")
        per_page = self.page_lines - 1
        if paged and per_page > 0 and len(lines) > per_page:
            self._pending = lines[per_page:]
            self._paging = True
            return "\r\n".join(lines[:per_page]) + "\r\n" + self.platform.more
        return (body + "\r\n" if lines else "") + self.prompt

    def _paging_key(self, ch: str) -> str:
        if ch == "\n" and self._skip_lf:
            self._skip_lf = False
            return ""
        self._skip_lf = ch == "\r"
        erase = self.platform.more_erase
        if ch == " ":
            count = self.page_lines - 1
        elif ch in "\r\n":
            count = 1
        else:  # any other key ends the listing, as on the device
            self._pending, self._paging = [], False
            return erase + self.prompt
        chunk, self._pending = self._pending[:count], self._pending[count:]
        if self._pending:
            return erase + "\r\n".join(chunk) + "\r\n" + self.platform.more
        self._paging = False
        return erase + "\r\n".join(chunk) + "\r\n" + self.prompt

    # -------------------------------------------------------------- answering

    def _network(self, line: str) -> tuple[list[str], bool]:
        """(output lines, subject to paging) of one line typed at a network CLI."""
        assert self.tree is not None
        result = resolve(self.tree, self.platform, line)
        if isinstance(result, ParseError):
            text = render_error(self.platform, result, line, self.prompt)
            return _lines(text), False
        if not result.command:
            return [], False
        action = self.platform.actions.get(result.pattern)
        if action == "logout":
            self.closed = True
            return [], False
        if action == "paging":
            self.page_lines = result.params[0]
            return _lines(self.platform.silent_info.get("paging", "")), False
        if action == "noop":
            return [], False
        text = self.outputs.render(result.command, self.clock())
        if text is None:
            return [], False  # a real command we hold no recording for: it prints nothing
        if text.endswith("\n"):
            text = text[:-1]
        if result.filters:
            text = apply_filters(text, result.filters)
        no_more = any(k == "no-more" for k, _ in result.filters)
        return (text.split("\n") if text else []), not no_more

    def _shell(self, line: str) -> list[str]:
        if not line.strip():
            return []
        if line.strip() in ("exit", "logout", "quit"):
            self.closed = True
            return []
        result = self.run_exec(line)
        text = result.stdout + result.stderr
        if text.endswith("\n"):
            text = text[:-1]
        return text.split("\n") if text else []

    def run_exec(self, command: str) -> ExecResult:
        """Answer an SSH exec request (the caller records the command)."""
        if self.interpreter is not None:
            return self.interpreter.run(command)
        # Network CLIs that take exec requests run one command with paging off.
        lines, _ = self._network(command)
        text = "\r\n".join(lines)
        return ExecResult(text + "\r\n" if lines else "", "", 0)


def _lines(text: str) -> list[str]:
    if text.endswith("\r\n"):
        text = text[:-2]
    return text.split("\r\n") if text else []
