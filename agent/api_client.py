"""The Patrol server's HTTP API, seen from the agent and the engineer's CLI (issue 4).

    client = ApiClient.from_env_or_config()          # PATROL_SERVER / PATROL_TOKEN, else the
                                                      # user config file (see resolve_settings)
    client.post_results([result_dict, ...])           # -> {"accepted": n, "duplicates": m}
    client.tickets(state="open"); client.ack("T-17", {"note": "on it"})

    ApiClient(base_url, token, timeout=10.0, *, insecure=False, verify=True, token_source=...)
    ApiError(status, reason)      any refusal; `status` is the HTTP status, None when unreachable
    ServerUnreachable(ApiError)   connection refused, DNS, TLS, timeout: nothing was answered
    ClientConfigError             no server/token configured, unsafe config file, plain http
    resolve_settings(...) -> Settings, default_config_path()

agent/ never imports server/: this module is the only way the CLI reaches the server. Paths are
issue 4's API contract under /api/v1. The token travels only in the Authorization header; it
never appears in an error, a log line or a repr, and it is never sent in clear: plain http is
refused unless the server is on loopback or the operator says --insecure / PATROL_INSECURE=1.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import yaml

_E = TypeVar("_E", bound=BaseException)

API = "/api/v1"
DEFAULT_TIMEOUT = 10.0
CONFIG_KEYS = ("server", "token", "timeout", "ca_file")
TRUE_WORDS = ("1", "true", "yes", "on")


class ClientConfigError(Exception):
    """The client cannot be set up (no server, no token, unsafe file, plain http): exit 2."""


class ApiError(Exception):
    """The server refused a request (`status`), or could not be reached (`status` None)."""

    def __init__(self, status: int | None, reason: str):
        self.status = status
        self.reason = reason
        super().__init__(reason)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, reason={self.reason!r})"


class ServerUnreachable(ApiError):
    """Nothing was answered: connection refused, host not found, TLS failure, timeout."""

    def __init__(self, reason: str):
        super().__init__(None, reason)


# --- settings: where the server URL and the token come from ---------------------------------


@dataclass(frozen=True)
class Settings:
    server: str
    token: str
    token_source: str  # "PATROL_TOKEN", "token in ~/.config/patrol/config.yaml", ...
    timeout: float = DEFAULT_TIMEOUT
    insecure: bool = False
    ca_file: str | None = None

    def __repr__(self) -> str:
        return (
            f"Settings(server={self.server!r}, token=<from {self.token_source}>, "
            f"timeout={self.timeout!r}, insecure={self.insecure!r}, ca_file={self.ca_file!r})"
        )

    __str__ = __repr__


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CONFIG_HOME/patrol/config.yaml, else ~/.config/patrol/config.yaml."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    # The XDG spec says a relative value is invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "patrol" / "config.yaml"


def _mode_problem(path: Path, what: str) -> str | None:
    """Why a file holding a token may not be used (group/other may read it)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return (
            f"{what} {path} is mode {mode:04o} and holds a token; it must be readable by its "
            f"owner only: chmod 600 {path}"
        )
    return None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientConfigError(f"{path}: cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ClientConfigError(f"{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ClientConfigError(f"{path}: expected a mapping with keys {', '.join(CONFIG_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in CONFIG_KEYS)
    if unknown:
        raise ClientConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(CONFIG_KEYS)})"
        )
    return data


def _config_token(value: object, path: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """The token of the config file's `token:` (inline, {env: VAR} or {file: path})."""
    if isinstance(value, str):
        problem = _mode_problem(path, "config file")
        if problem is not None:
            raise ClientConfigError(problem)
        if not value.strip():
            raise ClientConfigError(f"{path}: token is empty")
        return value.strip(), f"token in {path}"
    if isinstance(value, dict) and len(value) == 1 and "env" in value:
        var = str(value["env"])
        token = env.get(var, "").strip()
        if not token:
            raise ClientConfigError(
                f"{path}: token: environment variable {var} is not set or empty"
            )
        return token, var
    if isinstance(value, dict) and len(value) == 1 and "file" in value:
        token_path = Path(os.path.expanduser(str(value["file"])))
        if not token_path.is_absolute():
            token_path = path.parent / token_path
        if not token_path.is_file():
            raise ClientConfigError(f"{path}: token: file {token_path} does not exist")
        problem = _mode_problem(token_path, "token file")
        if problem is not None:
            raise ClientConfigError(problem)
        try:
            token = token_path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ClientConfigError(f"token file {token_path} cannot be read: {exc}") from None
        if not token:
            raise ClientConfigError(f"token file {token_path} is empty")
        return token, f"token file {token_path}"
    raise ClientConfigError(
        f"{path}: token: expected the token, {{env: VARIABLE}} or {{file: path}}"
    )


def resolve_settings(
    *,
    server: str | None = None,
    token: str | None = None,
    insecure: bool | None = None,
    timeout: float | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Where the client's server URL and token come from, first that is set:

    server:   the `server` argument (e.g. --server), PATROL_SERVER, `server:` in the config file
    token:    the `token` argument, PATROL_TOKEN, `token:` in the config file (inline: the file
              must be mode 0600; or {env: VAR}; or {file: path}, mode 0600, relative to the
              config file's folder)
    insecure: the argument (--insecure), PATROL_INSECURE=1
    The config file is `config_path`, else $XDG_CONFIG_HOME/patrol/config.yaml, else
    ~/.config/patrol/config.yaml; a missing file is fine when the environment has it all.
    """
    env = os.environ if environ is None else environ
    path = config_path or default_config_path(env)
    server = server or env.get("PATROL_SERVER") or None
    token_source = "the token given"
    if token is None and env.get("PATROL_TOKEN", "").strip():
        token, token_source = env["PATROL_TOKEN"].strip(), "PATROL_TOKEN"
    config: dict[str, Any] = {}
    if server is None or token is None or timeout is None:
        config = _read_config(path)
        if isinstance(config.get("token"), str):
            # Refused even when PATROL_TOKEN wins: a token others can read is already exposed.
            problem = _mode_problem(path, "config file")
            if problem is not None:
                raise ClientConfigError(problem)
    if server is None:
        server = config.get("server")
        if server is None:
            raise ClientConfigError(
                f"no Patrol server configured: set PATROL_SERVER "
                f"(e.g. https://patrol.example:8443) or `server:` in {path}"
            )
        if not isinstance(server, str) or not server.strip():
            raise ClientConfigError(f"{path}: server: expected a URL such as https://host:8443")
    if token is None:
        if "token" not in config:
            raise ClientConfigError(
                f"no token: set PATROL_TOKEN, or `token:` in {path} "
                f"(ask an admin: patrol-server token create --role engineer)"
            )
        token, token_source = _config_token(config["token"], path, env)
    if timeout is None:
        raw = config.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
            raise ClientConfigError(f"{path}: timeout: expected seconds > 0, got {raw!r}")
        timeout = float(raw)
    ca_file = config.get("ca_file")
    if ca_file is not None:
        ca_file = os.path.expanduser(str(ca_file))
    if insecure is None:
        insecure = env.get("PATROL_INSECURE", "").strip().lower() in TRUE_WORDS
    return Settings(
        server=server.strip(),
        token=token,
        token_source=token_source,
        timeout=timeout,
        insecure=insecure,
        ca_file=ca_file,
    )


# --- the client -----------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str, *, insecure: bool = False) -> str:
    """scheme://host[:port][/prefix] without a trailing slash or /api/v1; unsafe URLs refused."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientConfigError(
            f"Patrol server URL {url!r} is not an http(s) URL (e.g. https://patrol.example:8443)"
        )
    if parts.username or parts.password:
        raise ClientConfigError(
            "the Patrol server URL must not hold credentials; use PATROL_TOKEN or the config file"
        )
    if parts.query or parts.fragment:
        raise ClientConfigError(f"Patrol server URL {url!r} must not have a query or fragment")
    if parts.scheme == "http" and not insecure and not is_loopback_host(parts.hostname):
        raise ClientConfigError(
            f"refusing to send the token in clear to {parts.scheme}://{parts.netloc}: use https, "
            f"or --insecure / PATROL_INSECURE=1 on a network you trust"
        )
    path = parts.path.rstrip("/")
    if path.endswith(API):
        path = path[: -len(API)]
    return f"{parts.scheme}://{parts.netloc}{path}"


class _Bearer(requests.auth.AuthBase):
    """Sets the Authorization header; an auth object also keeps requests from applying ~/.netrc
    over ours."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(<hidden>)"


def _field_errors(detail: Sequence[Any]) -> str:
    """FastAPI's [{loc: ["body", 0, "status"], msg}] as "0.status: msg; ..."."""
    out = []
    for entry in detail:
        if not isinstance(entry, Mapping):
            out.append(str(entry))
            continue
        loc = [str(p) for p in entry.get("loc", []) if p not in ("body", "query", "path")]
        msg = str(entry.get("msg", "invalid"))
        out.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return "; ".join(out)


def server_detail(response: requests.Response) -> str:
    """The readable reason the server gave ({"detail": ...} or text), or ""."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        if text.startswith("<"):  # an HTML error page from a proxy: its title is enough
            return ""
        return text[:300]
    if isinstance(body, Mapping):
        for key in ("detail", "reason", "error", "message"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, list):
                return _field_errors(value)
            if isinstance(value, Mapping):
                inner = value.get("reason") or value.get("detail") or value.get("message")
                if inner:
                    return str(inner)
    if isinstance(body, list):
        return _field_errors(body)
    return str(body)[:300]


def _connection_reason(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        cert = _find(exc, ssl.SSLCertVerificationError)
        why = cert.verify_message if cert is not None and cert.verify_message else None
        why = why or _innermost(exc)
        return f"TLS failed ({why}); a private CA goes in `ca_file:` of the config"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    text = str(exc)
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused (is patrol-server running?)"
    if any(
        marker in text
        for marker in ("Name or service not known", "nodename nor servname", "name resolution")
    ):
        return "host name not found"
    return _innermost(exc)


def _find(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first `kind` among the exceptions requests and urllib3 wrap inside each other."""
    todo: list[object] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        todo += [*current.args, getattr(current, "reason", None)]
        todo += [current.__cause__, current.__context__]
    return None


def _innermost(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 wraps the useful part: "...: Failed to establish a new connection: [Errno 113] ..."
    for marker in ("Failed to establish a new connection: ", "SSLError("):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.rstrip(")'\"").strip()[:200] or type(exc).__name__


class ApiClient:
    """One Patrol server; every method is one HTTP request. Not thread-safe (one Session)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        insecure: bool = False,
        verify: bool | str = True,
        token_source: str = "PATROL_TOKEN",
        session: requests.Session | None = None,
    ):
        if not token or not token.strip():
            raise ClientConfigError("no token given")
        self.base_url = normalise_base_url(base_url, insecure=insecure)
        self.timeout = float(timeout)
        self.token_source = token_source
        self._token = token.strip()
        self._session = session or requests.Session()
        self._session.auth = _Bearer(self._token)
        # Passed on every request: a session-level value would lose to $REQUESTS_CA_BUNDLE.
        self._verify = verify
        self._session.headers["User-Agent"] = "patrol-agent"
        self._session.headers["Accept"] = "application/json"

    @classmethod
    def from_env_or_config(
        cls,
        *,
        server: str | None = None,
        insecure: bool | None = None,
        config_path: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ApiClient:
        """A client from PATROL_SERVER / PATROL_TOKEN, else the user config file
        (resolve_settings has the rules). ClientConfigError says what to set."""
        settings = resolve_settings(
            server=server, insecure=insecure, config_path=config_path, environ=environ
        )
        return cls.from_settings(settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiClient:
        return cls(
            settings.server,
            settings.token,
            settings.timeout,
            insecure=settings.insecure,
            verify=settings.ca_file or True,
            token_source=settings.token_source,
        )

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, token=<from {self.token_source}>)"

    __str__ = __repr__

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ---

    def _scrub(self, text: str) -> str:
        # A server or proxy may echo what it was sent. Tokens are long and random; a short test
        # token would only mangle the message (every "t" of it).
        if len(self._token) >= 8 and self._token in text:
            return text.replace(self._token, "<token>")
        return text

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        """One request; the decoded JSON answer, or ApiError / ServerUnreachable."""
        url = self.base_url + path
        try:
            response = self._session.request(
                method,
                url,
                json=body,
                params={k: v for k, v in (params or {}).items() if v is not None},
                timeout=self.timeout,
                # A redirect could carry the token elsewhere; and a POST must not turn into a GET.
                allow_redirects=False,
                verify=self._verify,
                auth=None if auth else _NoAuth(),
            )
        except requests.RequestException as exc:
            reason = self._scrub(_connection_reason(exc, self.timeout))
            raise ServerUnreachable(
                f"cannot reach the Patrol server at {self.base_url}: {reason}"
            ) from None
        if 200 <= response.status_code < 300:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ApiError(
                    response.status_code,
                    f"{self.base_url} answered {method} {path} with something that is not "
                    f"JSON: is it a Patrol server?",
                ) from None
        raise ApiError(response.status_code, self._scrub(self._reason(response, method, path)))

    def _reason(self, response: requests.Response, method: str, path: str) -> str:
        status = response.status_code
        detail = server_detail(response)
        if 300 <= status < 400:
            target = response.headers.get("Location", "elsewhere")
            return (
                f"the server redirects {path} to {target}; set PATROL_SERVER to the final URL "
                f"(redirects are not followed: they could carry the token elsewhere)"
            )
        if status == 401:
            text = f"the server refused the token ({self.token_source})"
            generic = ("", "Unauthorized", "Not authenticated")
            return text if detail in generic else f"{text}: {detail}"
        if status == 403:
            return f"not allowed: {detail}" if detail else "not allowed for this token's role"
        if status == 404:
            return detail if detail and detail != "Not Found" else f"not found: {method} {path}"
        if status == 409:
            return detail or "the ticket's state does not allow this"
        if status == 413:
            return f"the batch is too large for the server: {detail or 'over its limit'}"
        if status == 422:
            return f"the server rejected the input: {detail or 'invalid'}"
        if status == 429:
            after = response.headers.get("Retry-After")
            return "the server is busy (429)" + (f"; retry after {after} s" if after else "")
        if status >= 500:
            return f"the server failed ({status}): {detail or response.reason or 'no detail'}"
        return f"{status} {response.reason or ''}: {detail}".strip(": ")

    # --- the API (issue 4) ---

    def healthz(self) -> Any:
        return self.request("GET", "/healthz", auth=False)

    def post_results(self, results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """POST /api/v1/results -> {"accepted": n, "duplicates": m}, sent after the commit."""
        answer = self.request("POST", f"{API}/results", body=list(results))
        if (
            not isinstance(answer, Mapping)
            or not isinstance(answer.get("accepted"), int)
            or not isinstance(answer.get("duplicates"), int)
        ):
            raise ApiError(200, f"unexpected answer to POST {API}/results: {answer!r:.200}")
        return {"accepted": answer["accepted"], "duplicates": answer["duplicates"]}

    def devices(self) -> list[dict[str, Any]]:
        return _listing(self.request("GET", f"{API}/devices"), "devices")

    def device(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"{API}/devices/{quote(name, safe='')}")  # type: ignore[no-any-return]

    def tickets(self, **filters: Any) -> list[dict[str, Any]]:
        """GET /api/v1/tickets?device=&customer=&state=&level= (None filters are left out)."""
        return _listing(self.request("GET", f"{API}/tickets", params=filters), "tickets")

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        return self.request("GET", _ticket_path(ticket_id))  # type: ignore[no-any-return]

    def register_ticket(
        self,
        *,
        reporter: Mapping[str, str],
        symptom: str,
        channel: str,
        device: str | None = None,
        site: str | None = None,
        level: int | None = None,
        check: str | None = None,
    ) -> dict[str, Any]:
        """POST /api/v1/tickets: a ticket registered by hand (hotline, e-mail, fax, web)."""
        body: dict[str, Any] = {"reporter": dict(reporter), "symptom": symptom, "channel": channel}
        for key, value in (("device", device), ("site", site), ("level", level), ("check", check)):
            if value is not None:
                body[key] = value
        return self.request("POST", f"{API}/tickets", body=body)  # type: ignore[no-any-return]

    def _transition(
        self, ticket_id: str, action: str, body: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        return self.request(  # type: ignore[no-any-return]
            "POST", f"{_ticket_path(ticket_id)}/{action}", body=dict(body or {})
        )

    def ack(self, ticket_id: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """{note?}"""
        return self._transition(ticket_id, "ack", body)

    def dispatch(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{engineer, eta (ISO-8601 with zone), note?}"""
        return self._transition(ticket_id, "dispatch", body)

    def arrive(self, ticket_id: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """{note?}"""
        return self._transition(ticket_id, "arrive", body)

    def resolve(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{notes, parts: [{name, qty, price}], labour_hours}"""
        return self._transition(ticket_id, "resolve", body)

    def confirm(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{satisfaction 1-5, note?}"""
        return self._transition(ticket_id, "confirm", body)

    def comment(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{note}"""
        return self._transition(ticket_id, "comment", body)

    def complaint(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{text}: the customer's complaint, sent straight to the admin role."""
        return self._transition(ticket_id, "complaint", body)

    def escalate(self, ticket_id: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """{note?}: climb one step of the ladder by hand (not a breach)."""
        return self._transition(ticket_id, "escalate", body)

    def satisfaction(self, ticket_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """{satisfaction 1-5, note?}: the survey score, on a resolved or confirmed ticket."""
        return self._transition(ticket_id, "satisfaction", body)

    def agent_config(self) -> dict[str, Any]:
        """GET /api/v1/agents/me/config: an agent token's devices and schedule."""
        return self.request("GET", f"{API}/agents/me/config")  # type: ignore[no-any-return]


class _NoAuth(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


def _ticket_path(ticket_id: str) -> str:
    return f"{API}/tickets/{quote(str(ticket_id), safe='')}"


def _listing(answer: Any, key: str) -> list[dict[str, Any]]:
    """A bare JSON array, or {key: [...]} (a paginated envelope), as a list."""
    if isinstance(answer, list):
        return answer
    if isinstance(answer, Mapping) and isinstance(answer.get(key), list):
        return list(answer[key])
    raise ApiError(200, f"unexpected answer listing {key}: {answer!r:.200}")
