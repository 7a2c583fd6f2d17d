"""Shared pytest fixtures. Keep them generic and documented; add new ones below.

SHARED_FIXTURES       Path of ../shared/fixtures (real device recordings, read-only)
free_udp_port()       a UDP port on 127.0.0.1 nobody listens on right now
V3User                an SNMPv3 USM user for snmpsim (snmpsim's protocol names)
snmpsim               factory fixture: start snmpsim-command-responder on loopback
db_url, server, pg_url, pg_schema_url   server tests on SQLite and PostgreSQL (server_support.py)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port that was free a moment ago (the caller binds it right away)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class V3User:
    """An SNMPv3 user as snmpsim's CLI names things: auth MD5|SHA|SHA224|SHA256|SHA384|SHA512,
    priv DES|3DES|AES|AES128|AES192|AES192BLMT|AES256|AES256BLMT (keys longer than 8 chars)."""

    user: str
    auth_key: str
    priv_key: str | None = None
    auth_protocol: str = "SHA"
    priv_protocol: str = "AES"

    def args(self) -> list[str]:
        out = [
            f"--v3-user={self.user}",
            f"--v3-auth-key={self.auth_key}",
            f"--v3-auth-proto={self.auth_protocol}",
        ]
        if self.priv_key is not None:
            out += [f"--v3-priv-key={self.priv_key}", f"--v3-priv-proto={self.priv_protocol}"]
        else:
            out += ["--v3-priv-proto=NONE"]
        return out


def _snmpsim_binary() -> str | None:
    beside = Path(sys.executable).with_name("snmpsim-command-responder")
    return str(beside) if beside.exists() else shutil.which("snmpsim-command-responder")


def _answers(host: str, port: int, community: str) -> bool:
    """True once the agent answers one v2c GET (any answer, noSuchObject included)."""
    from agent import snmp_ber

    message = snmp_ber.encode_request(
        community.encode(), snmp_ber.GET_REQUEST, 1, ["1.3.6.1.2.1.1.3.0"]
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        try:
            sock.sendto(message, (host, port))
            snmp_ber.decode_response(sock.recv(65535))
        except (OSError, snmp_ber.BerError):
            return False
    return True


SnmpsimFactory = Callable[..., tuple[str, int]]


@pytest.fixture
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpsimFactory]:
    """Start snmpsim on 127.0.0.1 at a free port; returns (host, port); stopped after the test.

        endpoint = snmpsim({"public": SHARED_FIXTURES / "snmp/vrp_5720.snmprec"},
                           v3_users=[V3User("patrol", "auth-key-1", "priv-key-1")])

    `recordings` maps a v2c community to an .snmprec file, linked (never copied) into a temp
    data dir. SNMPv3 requests pick a recording by contextName = its community (SnmpTarget's
    `context`): snmpsim 1.2.2 unregisters the empty context, so a v3 request without a
    contextName gets no answer. Skips the test when snmpsim is not installed. Waits (up to
    60 s) until the agent answers.
    """
    binary = _snmpsim_binary()
    procs: list[subprocess.Popen[bytes]] = []

    def start(
        recordings: Mapping[str, Path | str],
        v3_users: Sequence[V3User] = (),
    ) -> tuple[str, int]:
        if binary is None:
            pytest.skip("snmpsim-command-responder is not installed (pip install '.[lab]')")
        if not recordings:
            raise ValueError("snmpsim needs at least one recording")
        base = tmp_path_factory.mktemp("snmpsim")
        data, links = base / "data", base / "links"
        data.mkdir()
        links.mkdir()
        served = {name: Path(path).resolve() for name, path in recordings.items()}
        for name, path in served.items():
            # snmpsim 1.2.2 names a symlinked recording after the path its link points at,
            # cut at the data dir's depth: so data/NAME -> links/NAME (same depth) -> the file.
            (links / f"{name}.snmprec").symlink_to(path)
            (data / f"{name}.snmprec").symlink_to(links / f"{name}.snmprec")
        host = "127.0.0.1"
        env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
        log = base / "snmpsim.log"
        for _ in range(3):  # the free port may be taken between choosing and binding it
            port = free_udp_port(host)
            args = [
                binary,
                "--v3-engine-id=auto",
                f"--data-dir={data}",
                f"--cache-dir={base / 'cache'}",
                f"--agent-udpv4-endpoint={host}:{port}",
                "--log-level=error",
                f"--logging-method=file:{log}",
            ]
            for user in v3_users:
                args += user.args()
            with open(base / "snmpsim.out", "ab") as out:
                proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
            procs.append(proc)
            community = next(iter(recordings))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if _answers(host, port, community):
                    return host, port
                time.sleep(0.1)
            proc.kill()
            proc.wait()
        output = (base / "snmpsim.out").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"snmpsim did not start answering:\n{output}")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


LAB_ADDRESSES = (*(f"127.0.1.{i}" for i in range(1, 8)), "127.0.2.1", "127.0.2.2")


def free_lab_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free on every lab address (UDP for SNMP, SOCK_STREAM for SSH), chosen at run
    time, so a test lab never collides with a running demo or another test's lab."""
    import random

    rng = random.Random()
    for _ in range(100):
        port = rng.randrange(20000, 60000)
        socks: list[socket.socket] = []
        try:
            for address in LAB_ADDRESSES:
                sock = socket.socket(socket.AF_INET, kind)
                socks.append(sock)
                sock.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free port on the lab addresses")


# --- server tests (tests/server_support.py) ---------------------------------------------------
# db_url runs each server test on SQLite and on PostgreSQL ($PATROL_TEST_PG_URL); the header and
# the summary say whether the PostgreSQL ones ran or were skipped, and why.
from tests import server_support  # noqa: E402
from tests.server_support import (  # noqa: E402, F401
    db_url,
    pg_schema_url,
    pg_session_url,
    pg_url,
    server,
    sqlite_template,
)


def pytest_report_header(config: pytest.Config) -> str:
    return server_support.report_header()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    server_support.terminal_summary(terminalreporter)
