"""agent/api_client.py: where the server URL and token come from, the refusal of unsafe setups,
every endpoint of issue 4's contract over real HTTP (a fake server on loopback), each error
mapped to a readable reason, and the token never shown."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.api_client import (
    ApiClient,
    ApiError,
    ClientConfigError,
    ServerUnreachable,
    default_config_path,
    normalise_base_url,
    resolve_settings,
)
from tests.fake_patrol_server import FakePatrolServer

TOKEN = "tok-eng-5ecret-value"


@pytest.fixture
def fake() -> Iterator[FakePatrolServer]:
    server = FakePatrolServer(tokens={TOKEN: "engineer", "tok-view": "viewer"}).start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakePatrolServer) -> Iterator[ApiClient]:
    with ApiClient(fake.url, TOKEN, timeout=5) as api:
        yield api


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def result(n: int, device: str = "fz-hq-core-01", status: str = "OK") -> dict[str, object]:
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "device": device,
        "check": "snmp.uptime",
        "status": status,
        "summary": "up 3 days",
        "observed_at": "2025-03-03T08:00:00.000Z",
        "duration_ms": 1.0,
        "metrics": [],
        "items": [],
    }


# --- settings -------------------------------------------------------------------------------


class TestResolveSettings:
    def test_environment_first(self, tmp_path: Path) -> None:
        config = write_config(tmp_path / "patrol/config.yaml", "server: https://b\ntoken: t-file\n")
        env = {"PATROL_SERVER": "https://a:8443", "PATROL_TOKEN": "t-env"}
        settings = resolve_settings(environ=env, config_path=config)
        assert (settings.server, settings.token, settings.token_source) == (
            "https://a:8443",
            "t-env",
            "PATROL_TOKEN",
        )

    def test_argument_beats_environment(self) -> None:
        env = {"PATROL_SERVER": "https://a", "PATROL_TOKEN": "t"}
        assert resolve_settings(server="https://c", environ=env).server == "https://c"

    def test_config_file_under_xdg_config_home(self, tmp_path: Path) -> None:
        write_config(
            tmp_path / "patrol/config.yaml", "server: https://b\ntoken: t-file\ntimeout: 3\n"
        )
        env = {"XDG_CONFIG_HOME": str(tmp_path)}
        assert default_config_path(env) == tmp_path / "patrol/config.yaml"
        settings = resolve_settings(environ=env)
        assert (settings.server, settings.token, settings.timeout) == ("https://b", "t-file", 3.0)
        assert settings.token_source == f"token in {tmp_path / 'patrol/config.yaml'}"

    def test_config_file_under_home_without_xdg(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        write_config(tmp_path / ".config/patrol/config.yaml", "server: https://h\ntoken: t\n")
        assert default_config_path({}) == tmp_path / ".config/patrol/config.yaml"
        assert resolve_settings(environ={}).server == "https://h"
        # A relative XDG_CONFIG_HOME is invalid (XDG spec) and ignored.
        assert default_config_path({"XDG_CONFIG_HOME": "rel"}) == default_config_path({})

    def test_env_token_with_server_from_file(self, tmp_path: Path) -> None:
        config = write_config(tmp_path / "c.yaml", "server: https://b\n", mode=0o644)
        settings = resolve_settings(environ={"PATROL_TOKEN": "t-env"}, config_path=config)
        assert (settings.server, settings.token) == ("https://b", "t-env")

    def test_inline_token_needs_mode_0600(self, tmp_path: Path) -> None:
        config = write_config(tmp_path / "c.yaml", f"server: https://b\ntoken: {TOKEN}\n", 0o644)
        with pytest.raises(ClientConfigError) as caught:
            resolve_settings(environ={}, config_path=config)
        message = str(caught.value)
        assert "mode 0644" in message and f"chmod 600 {config}" in message
        assert TOKEN not in message
        # also when PATROL_TOKEN is set: the file still exposes a token
        with pytest.raises(ClientConfigError, match="chmod 600"):
            resolve_settings(environ={"PATROL_TOKEN": "t"}, config_path=config)

    def test_token_from_env_reference(self, tmp_path: Path) -> None:
        config = write_config(
            tmp_path / "c.yaml", "server: https://b\ntoken: {env: MY_TOK}\n", 0o644
        )
        settings = resolve_settings(environ={"MY_TOK": "t-ref"}, config_path=config)
        assert (settings.token, settings.token_source) == ("t-ref", "MY_TOK")
        with pytest.raises(ClientConfigError, match="MY_TOK is not set"):
            resolve_settings(environ={}, config_path=config)

    def test_token_from_file_reference(self, tmp_path: Path) -> None:
        config = write_config(tmp_path / "c.yaml", "server: https://b\ntoken: {file: tok}\n", 0o644)
        token_file = write_config(tmp_path / "tok", "t-in-file\n")
        settings = resolve_settings(environ={}, config_path=config)
        assert settings.token == "t-in-file"
        token_file.chmod(0o640)
        with pytest.raises(ClientConfigError, match=f"chmod 600 {token_file}"):
            resolve_settings(environ={}, config_path=config)
        token_file.unlink()
        with pytest.raises(ClientConfigError, match="does not exist"):
            resolve_settings(environ={}, config_path=config)

    def test_nothing_configured(self, tmp_path: Path) -> None:
        missing = tmp_path / "none.yaml"
        with pytest.raises(ClientConfigError, match="set PATROL_SERVER"):
            resolve_settings(environ={}, config_path=missing)
        with pytest.raises(ClientConfigError, match="no token: set PATROL_TOKEN"):
            resolve_settings(environ={"PATROL_SERVER": "https://a"}, config_path=missing)

    def test_bad_config_files(self, tmp_path: Path) -> None:
        unknown = write_config(tmp_path / "u.yaml", "server: https://a\ntokn: x\n")
        with pytest.raises(ClientConfigError, match=r"unknown key.*tokn"):
            resolve_settings(environ={}, config_path=unknown)
        broken = write_config(tmp_path / "b.yaml", "server: https://a\ntoken: [x\n")
        with pytest.raises(ClientConfigError, match=rf"{broken}:\d+"):
            resolve_settings(environ={}, config_path=broken)
        odd = write_config(tmp_path / "o.yaml", "server: https://a\ntoken: {vault: x}\n")
        with pytest.raises(ClientConfigError, match="env: VARIABLE"):
            resolve_settings(environ={}, config_path=odd)

    def test_insecure_from_environment(self) -> None:
        env = {"PATROL_SERVER": "http://10.0.0.5", "PATROL_TOKEN": "t"}
        assert not resolve_settings(environ=env).insecure
        assert resolve_settings(environ=env | {"PATROL_INSECURE": "1"}).insecure

    def test_settings_repr_hides_the_token(self) -> None:
        settings = resolve_settings(environ={"PATROL_SERVER": "https://a", "PATROL_TOKEN": TOKEN})
        assert TOKEN not in repr(settings) and TOKEN not in str(settings)


class TestServerUrl:
    def test_plain_http_only_on_loopback(self) -> None:
        for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
            assert normalise_base_url(url) == url
        with pytest.raises(ClientConfigError, match=r"in clear.*--insecure"):
            normalise_base_url("http://patrol.bank.example")
        assert normalise_base_url("http://10.0.0.5", insecure=True) == "http://10.0.0.5"
        assert normalise_base_url("https://patrol.bank.example") == "https://patrol.bank.example"

    def test_client_refuses_plain_http_unless_insecure(self) -> None:
        with pytest.raises(ClientConfigError, match="PATROL_INSECURE=1"):
            ApiClient("http://10.0.0.5:8000", TOKEN)
        env = {"PATROL_SERVER": "http://10.0.0.5", "PATROL_TOKEN": TOKEN, "PATROL_INSECURE": "1"}
        assert ApiClient.from_env_or_config(environ=env).base_url == "http://10.0.0.5"

    def test_normalised(self) -> None:
        assert normalise_base_url("https://p.example/patrol/api/v1/") == "https://p.example/patrol"
        with pytest.raises(ClientConfigError, match="not an http"):
            normalise_base_url("ftp://p.example")
        with pytest.raises(ClientConfigError, match="must not hold credentials"):
            normalise_base_url("https://user:pw@p.example")


# --- the endpoints --------------------------------------------------------------------------


@pytest.mark.integration
class TestEndpoints:
    def test_post_results_is_idempotent(self, client: ApiClient, fake: FakePatrolServer) -> None:
        batch = [result(1), result(2)]
        assert client.post_results(batch) == {"accepted": 2, "duplicates": 0}
        assert client.post_results(batch) == {"accepted": 0, "duplicates": 2}
        assert set(fake.results) == {r["id"] for r in batch}
        assert fake.auth_headers[-1] == f"Bearer {TOKEN}"

    def test_every_path(self, client: ApiClient, fake: FakePatrolServer) -> None:
        client.post_results([result(1, device="fz hq/01")])
        assert client.devices()[0]["name"] == "fz hq/01"
        assert client.device("fz hq/01")["checks"] == {"snmp.uptime": "OK"}
        ticket = client.register_ticket(
            reporter={"name": "Li Wei", "organisation": "FZ Bank", "phone": "", "email": ""},
            symptom="branch printer offline",
            channel="phone",
            site="fz-br-01",
        )
        assert client.ticket(ticket["id"])["summary"] == "branch printer offline"
        assert [t["id"] for t in client.tickets(site=None, state="open")] == [ticket["id"]]
        tid = ticket["id"]
        assert client.ack(tid, {"note": "on it"})["state"] == "acknowledged"
        client.dispatch(tid, {"engineer": "Chen", "eta": "2025-03-03T10:00:00Z"})
        assert client.arrive(tid)["state"] == "on_site"
        client.resolve(tid, {"notes": "replaced PSU", "parts": [], "labour_hours": 1})
        client.comment(tid, {"note": "customer informed"})
        client.complaint(tid, {"text": "late"})
        assert client.confirm(tid, {"satisfaction": 4})["state"] == "confirmed"
        paths = [(m, p) for m, p, _ in fake.requests]
        assert paths == [
            ("POST", "/api/v1/results"),
            ("GET", "/api/v1/devices"),
            ("GET", "/api/v1/devices/fz%20hq%2F01"),
            ("POST", "/api/v1/tickets"),
            ("GET", f"/api/v1/tickets/{tid}"),
            ("GET", "/api/v1/tickets?state=open"),
            ("POST", f"/api/v1/tickets/{tid}/ack"),
            ("POST", f"/api/v1/tickets/{tid}/dispatch"),
            ("POST", f"/api/v1/tickets/{tid}/arrive"),
            ("POST", f"/api/v1/tickets/{tid}/resolve"),
            ("POST", f"/api/v1/tickets/{tid}/comment"),
            ("POST", f"/api/v1/tickets/{tid}/complaint"),
            ("POST", f"/api/v1/tickets/{tid}/confirm"),
        ]
        assert fake.requests[3][2] == {
            "reporter": {"name": "Li Wei", "organisation": "FZ Bank", "phone": "", "email": ""},
            "symptom": "branch printer offline",
            "channel": "phone",
            "site": "fz-br-01",
        }

    def test_agent_config_and_health(self, fake: FakePatrolServer) -> None:
        fake.tokens["tok-agent"] = "agent"
        with ApiClient(fake.url, "tok-agent") as agent:
            assert agent.agent_config()["customer"] == "fzbank"
            assert agent.healthz() == {"status": "ok"}
        assert fake.auth_headers[-1] is None  # /healthz goes without the token


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.integration
class TestErrors:
    def refusal(self, call: object) -> ApiError:
        with pytest.raises(ApiError) as caught:
            call()  # type: ignore[operator]
        return caught.value

    def test_401(self, fake: FakePatrolServer) -> None:
        with ApiClient(fake.url, "wrong-token") as api:
            error = self.refusal(api.tickets)
        assert error.status == 401
        assert (
            error.reason == "the server refused the token (PATROL_TOKEN): invalid or revoked token"
        )
        assert "wrong-token" not in repr(error)

    def test_403(self, fake: FakePatrolServer) -> None:
        with ApiClient(fake.url, "tok-view") as api:
            error = self.refusal(lambda: api.post_results([result(1)]))
        assert (error.status, error.reason) == (
            403,
            "not allowed: a viewer token may not post results",
        )

    def test_404(self, client: ApiClient) -> None:
        error = self.refusal(lambda: client.ticket("T-99"))
        assert (error.status, error.reason) == (404, "no ticket T-99")

    def test_409_carries_the_reason(self, client: ApiClient, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        error = self.refusal(lambda: client.arrive("T-1"))
        assert error.status == 409
        assert error.reason == (
            "cannot record an arrival on ticket T-1: nobody was dispatched "
            "(dispatch an engineer first)"
        )

    def test_413(self, client: ApiClient, fake: FakePatrolServer) -> None:
        fake.max_batch = 1
        error = self.refusal(lambda: client.post_results([result(1), result(2)]))
        assert error.status == 413
        assert error.reason.startswith("the batch is too large for the server: 2 results")

    def test_422_names_the_fields(self, client: ApiClient) -> None:
        bad = result(1)
        del bad["status"]
        error = self.refusal(lambda: client.post_results([result(2), bad]))
        assert (error.status, error.reason) == (
            422,
            "the server rejected the input: results[1].status: Field required",
        )
        fake_ticket = self.refusal(lambda: client.confirm("T-404", {"satisfaction": 9}))
        assert fake_ticket.status == 404

    def test_5xx(self, client: ApiClient, fake: FakePatrolServer) -> None:
        fake.forced = [503]
        error = self.refusal(lambda: client.post_results([result(1)]))
        assert (error.status, error.reason) == (503, "the server failed (503): forced 503")

    def test_connection_refused(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # bound, never listening: refused
            with ApiClient(f"http://127.0.0.1:{port}", TOKEN, timeout=2) as api:
                error = self.refusal(api.tickets)
        assert isinstance(error, ServerUnreachable) and error.status is None
        assert error.reason == (
            f"cannot reach the Patrol server at http://127.0.0.1:{port}: "
            f"connection refused (is patrol-server running?)"
        )

    def test_timeout(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(1)  # accepts in the kernel, never answers
            port = sock.getsockname()[1]
            with ApiClient(f"http://127.0.0.1:{port}", TOKEN, timeout=0.3) as api:
                error = self.refusal(api.tickets)
        assert isinstance(error, ServerUnreachable)
        assert error.reason.endswith("no answer within 0.3 s")

    def test_redirects_are_not_followed(self) -> None:
        seen: list[str | None] = []

        class Redirect(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                seen.append(self.headers.get("Authorization"))
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.2:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        try:
            with ApiClient(f"http://127.0.0.1:{httpd.server_address[1]}", TOKEN) as api:
                error = self.refusal(api.tickets)
        finally:
            httpd.shutdown()
            httpd.server_close()
        assert error.status == 302 and "http://127.0.0.2:9/elsewhere" in error.reason
        assert len(seen) == 1  # asked once; the redirect target never got the token

    def test_token_never_shown(self, caplog: pytest.LogCaptureFixture) -> None:
        """Even a server that echoes the Authorization header in its error gets it scrubbed,
        and nothing logs it (urllib3/requests debug logging on)."""

        class Echo(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = f'{{"detail": "bad header {self.headers.get("Authorization")}"}}'.encode()
                self.send_response(401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        caplog.set_level(logging.DEBUG)
        try:
            api = ApiClient(f"http://127.0.0.1:{httpd.server_address[1]}", TOKEN)
            error = self.refusal(api.tickets)
        finally:
            httpd.shutdown()
            httpd.server_close()
        texts = [str(error), repr(error), error.reason, repr(api), str(api), caplog.text]
        assert all(TOKEN not in text for text in texts)
        assert "<token>" in error.reason


@pytest.mark.integration
def test_from_env_or_config_uses_the_environment(
    fake: FakePatrolServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATROL_SERVER", fake.url)
    monkeypatch.setenv("PATROL_TOKEN", TOKEN)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PATROL_INSECURE", raising=False)
    api = ApiClient.from_env_or_config()
    assert api.base_url == fake.url and api.tickets() == []
    assert os.environ["PATROL_TOKEN"] not in repr(api)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "patrol test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.integration
def test_https_with_the_service_centre_ca(tmp_path: Path) -> None:
    import ssl

    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = FakePatrolServer(tokens={TOKEN: "engineer"}).start(ssl_context=context)
    try:
        assert server.url.startswith("https://127.0.0.1:")
        with (
            ApiClient(server.url, TOKEN, timeout=5) as untrusting,
            pytest.raises(ServerUnreachable, match=r"TLS failed \(self-signed certificate\)"),
        ):
            untrusting.tickets()
        config = write_config(
            tmp_path / "config.yaml",
            f"server: {server.url}\ntoken: {TOKEN}\nca_file: {cert_file}\n",
        )
        with ApiClient.from_env_or_config(environ={}, config_path=config) as trusting:
            assert trusting.tickets() == []
        assert server.auth_headers[-1] == f"Bearer {TOKEN}"
    finally:
        server.stop()


def test_the_client_side_never_imports_the_server() -> None:
    """DESIGN.md: the CLI talks to the server only over HTTP."""
    from tests.test_import_rule import imported_modules

    agent = Path(__file__).resolve().parents[1] / "agent"
    for name in ("api_client.py", "spool.py", "cli_tickets.py"):
        modules = [m for _, m in imported_modules(agent / name)]
        assert modules and not [m for m in modules if m.split(".")[0] == "server"], name
