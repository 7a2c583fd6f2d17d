"""A tiny paramiko SSH server for transport tests: password login, canned answers, a log.

It answers exec requests (AIX/Linux/Storwize style) and, for netmiko, an interactive shell with
a prompt and echo (Cisco style by default). It records everything it receives, so a test can
prove that a refused command never reached it, and it can misbehave on purpose: stop in the
middle of an output, never print its prompt, ask netmiko a question at login.

    server = TinySSHServer(responses={"uptime": "up 3 days"})
    host, port = server.start()          # 127.0.0.1, a free port
    ...; server.received                 # every exec command and shell line, in order
    server.stop()

Not the lab's simulator (lab/sshsim.py): only what the unit tests of agent/ssh.py need.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import paramiko


@dataclass
class _Session:
    kind: str = ""  # "exec" | "shell"
    command: str = ""
    ready: threading.Event = field(default_factory=threading.Event)


class _Interface(paramiko.ServerInterface):
    def __init__(self, server: TinySSHServer):
        self.server = server
        self.sessions: dict[int, _Session] = {}
        self.lock = threading.Lock()

    def _session(self, chanid: int) -> _Session:
        with self.lock:
            return self.sessions.setdefault(chanid, _Session())

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        with self.server.lock:
            self.server.auth_attempts.append(username)
        if username == self.server.username and password == self.server.password:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel, term, width, height, pw, ph, modes) -> bool:  # type: ignore[no-untyped-def]
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        session = self._session(channel.get_id())
        session.kind = "shell"
        session.ready.set()
        return True

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        session = self._session(channel.get_id())
        session.kind = "exec"
        session.command = command.decode("utf-8", "replace")
        session.ready.set()
        return True


class TinySSHServer:
    def __init__(
        self,
        responses: Mapping[str, str] | None = None,
        *,
        host_key: paramiko.PKey | None = None,
        extra_host_keys: Sequence[paramiko.PKey] = (),
        username: str = "patrol",
        password: str = "test-password",
        prompt: str = "R1#",
        banner: str = "",
        hang: Mapping[str, str] | None = None,
        failures: Mapping[str, tuple[str, int]] | None = None,
        no_prompt: bool = False,
        login_question: str = "",
    ):
        self.responses = dict(responses or {})
        self.host_key = host_key or paramiko.ECDSAKey.generate()
        self.extra_host_keys = list(extra_host_keys)  # more key types, as OpenSSH offers
        self.username = username
        self.password = password
        self.prompt = prompt
        self.banner = banner
        self.hang = dict(hang or {})  # command -> partial output sent before going silent
        self.failures = dict(failures or {})  # exec command -> (stderr, exit status)
        self.no_prompt = no_prompt
        self.login_question = login_question
        self.received: list[str] = []
        self.auth_attempts: list[str] = []
        self.connections = 0
        self.active = 0
        self.max_active = 0  # the most connections open at once
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self.address = ("127.0.0.1", 0)

    def start(self) -> tuple[str, int]:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.05)
        self._listener = listener
        self.address = listener.getsockname()
        self._spawn(self._accept_loop)
        return self.address

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        for transport in list(self._transports):
            transport.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> TinySSHServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _log(self, text: str) -> None:
        with self.lock:
            self.received.append(text)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            self._spawn(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self._serve_transport(sock)
        finally:
            with self.lock:
                self.active -= 1

    def _serve_transport(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        self._transports.append(transport)
        for key in (self.host_key, *self.extra_host_keys):
            transport.add_server_key(key)
        interface = _Interface(self)
        try:
            transport.start_server(server=interface)
        except (paramiko.SSHException, EOFError, OSError):
            return
        while not self._stop.is_set() and transport.is_active():
            channel = transport.accept(timeout=0.05)
            if channel is not None:
                self._spawn(self._channel, interface, channel)

    def _channel(self, interface: _Interface, channel: paramiko.Channel) -> None:
        session = interface._session(channel.get_id())
        if not session.ready.wait(timeout=10):
            channel.close()
            return
        try:
            if session.kind == "exec":
                self._exec(channel, session.command)
            else:
                self._shell(channel)
        except (OSError, EOFError, paramiko.SSHException):
            pass

    def _exec(self, channel: paramiko.Channel, command: str) -> None:
        self._log(command)
        if command in self.hang:
            channel.sendall(self.hang[command].encode())
            self._stop.wait()  # silent, channel open, no exit status: the client must time out
            return
        if command in self.responses:
            channel.sendall(self.responses[command].encode())
            channel.send_exit_status(0)
        elif command in self.failures:
            stderr, status = self.failures[command]
            channel.sendall_stderr(stderr.encode())
            channel.send_exit_status(status)
        else:
            name = command.split()[0] if command.split() else command
            channel.sendall_stderr(f"ksh: {name}: not found.\n".encode())
            channel.send_exit_status(127)
        channel.close()

    def _shell(self, channel: paramiko.Channel) -> None:
        if self.banner:
            channel.sendall(self.banner.replace("\n", "\r\n").encode())
        if self.login_question:
            channel.sendall(self.login_question.encode())
        elif not self.no_prompt:
            channel.sendall(f"\r\n{self.prompt}".encode())
        line, prev = "", ""
        while not self._stop.is_set():
            data = channel.recv(1024)
            if not data:
                return
            for ch in data.decode("utf-8", "replace"):
                crlf, prev = prev == "\r" and ch == "\n", ch
                if crlf:
                    continue
                if ch not in "\r\n":
                    line += ch
                    channel.sendall(ch.encode())  # echo
                    continue
                command, line = line.strip(), ""
                channel.sendall(b"\r\n")
                if not command:
                    if not self.no_prompt and not self.login_question:
                        channel.sendall(self.prompt.encode())
                    continue
                self._log(command)
                if self.login_question:
                    return  # whatever the answer, this test server only logs it
                if command in ("exit", "quit"):
                    channel.close()
                    return
                if command in self.hang:
                    channel.sendall(self.hang[command].replace("\n", "\r\n").encode())
                    self._stop.wait()
                    return
                if self.no_prompt:
                    continue
                if command in self.responses:
                    text = self.responses[command].replace("\n", "\r\n")
                elif command.startswith("terminal "):
                    text = ""
                else:
                    text = "                 ^\r\n% Invalid input detected at '^' marker.\r\n"
                if text and not text.endswith("\r\n"):
                    text += "\r\n"
                channel.sendall(f"{text}{self.prompt}".encode())
