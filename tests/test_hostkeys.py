"""Host keys: the known_hosts store, and unknown / changed / trusted keys against a real server."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from agent.hostkeys import (
    HostKeyChanged,
    HostKeyUnknown,
    KnownHosts,
    RefuseUnknownHost,
    VerifyingSSHClient,
    default_known_hosts_path,
    fetch_host_key,
    fingerprint,
    host_entry,
    verify_host_key,
)
from tests.sshserver import TinySSHServer

FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")


@pytest.fixture
def server() -> Iterator[TinySSHServer]:
    with TinySSHServer({"uptime": "up 12 days\n"}) as srv:
        yield srv


def _connect(client: paramiko.SSHClient, srv: TinySSHServer, password: str = "") -> None:
    host, port = srv.address
    client.connect(
        host,
        port=port,
        username=srv.username,
        password=password or srv.password,
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
    )


def test_fingerprint_is_openssh_sha256() -> None:
    key = paramiko.ECDSAKey.generate()
    assert FINGERPRINT.fullmatch(fingerprint(key))
    assert fingerprint(key) == key.fingerprint  # paramiko's own OpenSSH-style rendering


def test_entries_are_keyed_like_openssh(tmp_path: Path) -> None:
    assert host_entry("10.1.1.1", 22) == "10.1.1.1"
    assert host_entry("127.0.1.6", 2222) == "[127.0.1.6]:2222"
    store = KnownHosts(tmp_path / "cfg" / "known_hosts")
    key = paramiko.ECDSAKey.generate()
    store.add("127.0.1.6", 2222, key)
    store.add("10.1.1.1", 22, key)
    lines = store.path.read_text().splitlines()
    assert lines[0].startswith("[127.0.1.6]:2222 ecdsa-sha2-nistp256 ")
    assert lines[1].startswith("10.1.1.1 ecdsa-sha2-nistp256 ")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    again = KnownHosts(store.path)
    assert again.lookup("127.0.1.6", 2222) == {"ecdsa-sha2-nistp256": key}
    assert again.lookup("127.0.1.6", 22) == {}
    assert again.lookup("127.0.1.7", 2222) == {}


def test_add_replaces_and_remove_forgets(tmp_path: Path) -> None:
    store = KnownHosts(tmp_path / "known_hosts")
    old, new = paramiko.ECDSAKey.generate(), paramiko.ECDSAKey.generate()
    store.add("127.0.0.1", 2222, old)
    store.add("127.0.0.2", 2222, old)
    store.add("127.0.0.1", 2222, new)
    assert KnownHosts(store.path).lookup("127.0.0.1", 2222) == {"ecdsa-sha2-nistp256": new}
    assert KnownHosts(store.path).lookup("127.0.0.2", 2222) == {"ecdsa-sha2-nistp256": old}
    assert store.remove("127.0.0.1", 2222)
    assert not store.remove("127.0.0.1", 2222)
    assert KnownHosts(store.path).lookup("127.0.0.1", 2222) == {}
    assert len(store.path.read_text().splitlines()) == 1


def test_hashed_entries_written_by_openssh_are_understood(tmp_path: Path) -> None:
    key = paramiko.ECDSAKey.generate()
    hashed = paramiko.HostKeys.hash_host("[127.0.0.1]:2222")
    path = tmp_path / "known_hosts"
    path.write_text(f"{hashed} {key.get_name()} {key.get_base64()}\n")
    store = KnownHosts(path)
    assert store.lookup("127.0.0.1", 2222) == {key.get_name(): key}
    store.add("127.0.0.1", 2222, paramiko.ECDSAKey.generate())  # replaces the hashed line
    assert len(path.read_text().splitlines()) == 1


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATROL_KNOWN_HOSTS", str(tmp_path / "kh"))
    assert default_known_hosts_path() == tmp_path / "kh"
    assert KnownHosts().path == tmp_path / "kh"
    assert KnownHosts(tmp_path / "param").path == tmp_path / "param"
    monkeypatch.delenv("PATROL_KNOWN_HOSTS")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert default_known_hosts_path() == tmp_path / "cfg" / "patrol" / "known_hosts"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_known_hosts_path() == tmp_path / "home" / ".config" / "patrol" / "known_hosts"


def test_verify_host_key_without_a_connection(tmp_path: Path) -> None:
    store = KnownHosts(tmp_path / "known_hosts")
    key, other = paramiko.ECDSAKey.generate(), paramiko.ECDSAKey.generate()
    with pytest.raises(HostKeyUnknown):
        verify_host_key(store, "127.0.0.1", 22, key, "dev")
    store.add("127.0.0.1", 22, key)
    verify_host_key(store, "127.0.0.1", 22, key, "dev")
    with pytest.raises(HostKeyChanged) as caught:
        verify_host_key(store, "127.0.0.1", 22, other, "dev")
    assert fingerprint(key) in str(caught.value) and fingerprint(other) in str(caught.value)


@pytest.mark.integration
def test_unknown_key_is_refused_with_fingerprint_and_the_trust_command(
    server: TinySSHServer, tmp_path: Path
) -> None:
    store = KnownHosts(tmp_path / "known_hosts")
    client = VerifyingSSHClient(store, "fz-hq-aix-01")
    with pytest.raises(HostKeyUnknown) as caught:
        _connect(client, server)
    message = str(caught.value)
    assert fingerprint(server.host_key) in message
    assert "ecdsa-sha2-nistp256" in message
    assert "`patrol ssh trust fz-hq-aix-01`" in message
    assert not isinstance(caught.value, paramiko.SSHException)  # netmiko must not rewrap it
    assert server.auth_attempts == []  # the password never left the machine
    assert not store.path.exists()  # and nothing was recorded behind the operator's back


@pytest.mark.integration
def test_changed_key_is_refused_loudly_with_both_fingerprints(
    server: TinySSHServer, tmp_path: Path
) -> None:
    host, port = server.address
    store = KnownHosts(tmp_path / "known_hosts")
    recorded = paramiko.ECDSAKey.generate()
    store.add(host, port, recorded)
    client = VerifyingSSHClient(store, "fz-hq-aix-01")
    with pytest.raises(HostKeyChanged) as caught:
        _connect(client, server)
    message = str(caught.value)
    assert "HAS CHANGED" in message
    assert fingerprint(recorded) in message
    assert fingerprint(server.host_key) in message
    assert caught.value.expected == recorded and caught.value.key == server.host_key
    assert server.auth_attempts == []
    assert KnownHosts(store.path).lookup(host, port) == {"ecdsa-sha2-nistp256": recorded}


@pytest.mark.integration
def test_trusted_key_is_accepted(server: TinySSHServer, tmp_path: Path) -> None:
    host, port = server.address
    store = KnownHosts(tmp_path / "known_hosts")
    store.add(host, port, server.host_key)
    client = VerifyingSSHClient(store, "fz-hq-aix-01")
    try:
        _connect(client, server)
        _, stdout, _ = client.exec_command("uptime")
        assert stdout.read() == b"up 12 days\n"
    finally:
        client.close()
    assert server.auth_attempts == ["patrol"]


@pytest.mark.integration
def test_the_recorded_key_type_is_the_one_asked_for(tmp_path: Path) -> None:
    """A server with two host keys: the type on record is negotiated, so it verifies."""
    rsa = paramiko.RSAKey.generate(2048)
    ecdsa = paramiko.ECDSAKey.generate()
    with TinySSHServer({"uptime": "up\n"}, host_key=ecdsa, extra_host_keys=[rsa]) as srv:
        host, port = srv.address
        for recorded in (rsa, ecdsa):
            store = KnownHosts(tmp_path / f"known_hosts.{recorded.get_name()}")
            store.add(host, port, recorded)
            client = VerifyingSSHClient(store, "dev")
            try:
                _connect(client, srv)
                transport = client.get_transport()
                assert transport is not None
                assert transport.get_remote_server_key() == recorded
            finally:
                client.close()


@pytest.mark.integration
def test_the_client_never_accepts_a_permissive_policy(
    server: TinySSHServer, tmp_path: Path
) -> None:
    client = VerifyingSSHClient(KnownHosts(tmp_path / "known_hosts"), "dev")
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # what netmiko would do
    with pytest.raises(HostKeyUnknown):
        _connect(client, server)


@pytest.mark.integration
def test_the_policy_alone_refuses_unknown_hosts(server: TinySSHServer, tmp_path: Path) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(RefuseUnknownHost("dev", KnownHosts(tmp_path / "kh")))
    with pytest.raises(HostKeyUnknown, match="patrol ssh trust dev"):
        _connect(client, server)
    client.close()


@pytest.mark.integration
def test_fetch_host_key_reads_the_key_without_logging_in(server: TinySSHServer) -> None:
    host, port = server.address
    key = fetch_host_key(host, port, timeout=5)
    assert key == server.host_key
    assert server.auth_attempts == []
