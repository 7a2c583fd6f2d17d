"""A small fake Patrol server for the client-side tests (agent/api_client, spool, cli_tickets).

It speaks issue 4's API contract over real HTTP on 127.0.0.1 (a free port, a thread), with the
contract's status codes and bodies (FastAPI's shape: {"detail": "reason"}, 422 with
{"detail": [{loc, msg, type}]}). Results are stored by id, so a batch sent twice is counted as
duplicates, like the real server. Not the real server (server/app.py): only what the client
side needs, plus knobs to misbehave.

    server = FakePatrolServer(tokens={"tok-eng": "engineer"}).start()
    server.url                          # http://127.0.0.1:PORT
    server.results                      # id -> result, each stored once
    server.posts                        # every POST /api/v1/results body's ids, in order
    server.forced = [503, 413]          # answer the next POSTs of results with these statuses
    server.max_batch = 10               # 413 above it
    server.forbidden_devices = {"x"}    # 403 for a batch holding one of these devices
    server.before_commit / after_commit = fn(n)   # called for the n-th results POST (1-based)
    server.stop()
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ROLES = ("viewer", "engineer", "admin", "agent")
RANK = {"viewer": 0, "agent": 0, "engineer": 1, "admin": 2}
ACTIVE = ("open", "acknowledged", "dispatched", "on_site")
NOW = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        detail: Any,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


def where(loc: list[Any], prefix: str = "") -> str:
    """["reporter", "name"] -> reporter.name; [3, "status"], "results" -> results[3].status"""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def field_errors(problems: list[tuple[list[Any], str]], prefix: str = "") -> HttpError:
    """The real server's 422: a readable detail naming every field, plus `errors`."""
    lines = [f"{where(loc, prefix)}: {msg}" if where(loc, prefix) else msg for loc, msg in problems]
    errors = [{"loc": ["body", *loc], "msg": msg} for loc, msg in problems]
    return HttpError(422, "; ".join(lines), extra={"errors": errors})


def field_error(loc: list[Any], msg: str) -> HttpError:
    return field_errors([(loc, msg)])


class FakePatrolServer:
    def __init__(
        self,
        tokens: dict[str, str] | None = None,
        *,
        agent_customer: str = "fzbank",
        devices: dict[str, str] | None = None,
    ):
        self.tokens = dict(tokens or {"tok-eng": "engineer"})
        self.agent_customer = agent_customer
        # device -> customer: the server's inventory
        self.inventory = dict(devices or {})
        self.results: dict[str, dict[str, Any]] = {}
        self.posts: list[list[str]] = []
        self.forced: list[int] = []
        self.max_batch = 5000
        self.forbidden_devices: set[str] = set()
        self.before_commit: Callable[[int], None] | None = None
        self.after_commit: Callable[[int], None] | None = None
        self.tickets: dict[str, dict[str, Any]] = {}
        self.auth_headers: list[str | None] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.scheme = "http"

    # --- lifecycle ---

    def start(self, ssl_context: ssl.SSLContext | None = None) -> FakePatrolServer:
        """Serve on 127.0.0.1 (https with `ssl_context`)."""
        fake = self
        self.scheme = "https" if ssl_context is not None else "http"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if ssl_context is not None:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def add_ticket(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            ticket_id = f"T-{len(self.tickets) + 1}"
            ticket = {
                "id": ticket_id,
                "customer": "fzbank",
                "site": "fz-hq",
                "zone": "urban",
                "device": "fz-hq-core-01",
                "check": "snmp.reachability",
                "item": None,
                "level": 1,
                "state": "open",
                "summary": "no SNMP answer",
                "opened_at": iso(NOW),
                "response_due": iso(NOW + timedelta(hours=2)),
                "onsite_due": iso(NOW + timedelta(hours=2)),
                "escalation_step": 1,
                "breaches": [],
                "events": [{"at": iso(NOW), "kind": "opened", "actor": "monitoring", "note": ""}],
            }
            ticket.update(fields)
            self.tickets[ticket_id] = ticket
            return ticket

    # --- HTTP ---

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body: Any = None
        try:
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length) if length else b""
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise HttpError(422, "the body is not JSON") from None
            with self.lock:
                self.auth_headers.append(handler.headers.get("Authorization"))
                self.requests.append((method, handler.path, body))
            status, answer = self._route(handler, method, path, query, body)
            headers: dict[str, str] = {}
        except HttpError as exc:
            status, headers = exc.status, exc.headers
            answer = {"detail": exc.detail, **exc.extra}
        data = json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client went away (killed mid-request): nothing to answer

    def _role(self, handler: BaseHTTPRequestHandler) -> str:
        header = handler.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise HttpError(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
        role = self.tokens.get(header[len("Bearer ") :])
        if role is None:
            raise HttpError(401, "invalid or revoked token", {"WWW-Authenticate": "Bearer"})
        return role

    def _route(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
    ) -> tuple[int, Any]:
        if path == "/healthz" and method == "GET":
            return 200, {"status": "ok"}
        if not path.startswith("/api/v1/"):
            raise HttpError(404, "Not Found")
        role = self._role(handler)
        route = path[len("/api/v1") :]
        if route == "/results" and method == "POST":
            return 200, self._results(role, body)
        if route == "/devices" and method == "GET":
            return 200, self._devices()
        match = re.fullmatch(r"/devices/([^/]+)", route)
        if match and method == "GET":
            name = unquote(match.group(1))
            found = [d for d in self._devices() if d["name"] == name]
            if not found:
                raise HttpError(404, f"no device {name}")
            return 200, found[0]
        if route == "/tickets" and method == "GET":
            return 200, self._list(query)
        if route == "/tickets" and method == "POST":
            self._need(role, "engineer")
            return 201, self._register(body)
        match = re.fullmatch(r"/tickets/([^/]+)", route)
        if match and method == "GET":
            return 200, self._ticket(unquote(match.group(1)))
        match = re.fullmatch(r"/tickets/([^/]+)/([a-z]+)", route)
        if match and method == "POST":
            self._need(role, "engineer")
            return 200, self._transition(unquote(match.group(1)), match.group(2), body or {})
        if route == "/agents/me/config" and method == "GET":
            if role != "agent":
                raise HttpError(403, "only an agent token has an agent configuration")
            return 200, {"customer": self.agent_customer, "devices": [], "schedule": {}}
        raise HttpError(404, "Not Found")

    @staticmethod
    def _need(role: str, wanted: str) -> None:
        if role == "agent" or RANK[role] < RANK[wanted]:
            raise HttpError(403, f"a {role} token may not do this (needs {wanted})")

    # --- results ---

    def _results(self, role: str, body: Any) -> dict[str, int]:
        if role == "viewer":
            raise HttpError(403, "a viewer token may not post results")
        if not isinstance(body, list):
            raise field_error([], "expected a JSON array of results")
        if len(body) > self.max_batch:
            raise HttpError(413, f"{len(body)} results in one batch; the limit is {self.max_batch}")
        problems = [
            ([index, key], "Field required")
            for index, result in enumerate(body)
            for key in ("id", "device", "check", "status")
            if not isinstance(result, dict) or not isinstance(result.get(key), str)
        ]
        if problems:
            raise field_errors(problems, "results")
        for result in body:
            device = result["device"]
            if device in self.forbidden_devices:
                raise HttpError(403, f"device {device} is not in the inventory")
            owner = self.inventory.get(device)
            if role == "agent" and owner is not None and owner != self.agent_customer:
                raise HttpError(403, f"device {device} belongs to another customer")
        with self.lock:
            self.posts.append([r["id"] for r in body])
            number = len(self.posts)
            if self.forced:
                status = self.forced.pop(0)
                raise HttpError(status, f"forced {status}")
        if self.before_commit is not None:
            self.before_commit(number)
        with self.lock:
            accepted = duplicates = 0
            for result in body:
                if result["id"] in self.results:
                    duplicates += 1
                else:
                    self.results[result["id"]] = result
                    accepted += 1
        if self.after_commit is not None:
            self.after_commit(number)
        return {"accepted": accepted, "duplicates": duplicates}

    def _devices(self) -> list[dict[str, Any]]:
        with self.lock:
            latest: dict[str, dict[str, Any]] = {}
            for result in self.results.values():
                device = latest.setdefault(
                    result["device"], {"name": result["device"], "checks": {}}
                )
                device["checks"][result["check"]] = result["status"]
            return list(latest.values())

    # --- tickets ---

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        with self.lock:
            out = list(self.tickets.values())
        for key in ("device", "customer", "state"):
            if key in query:
                out = [t for t in out if t.get(key) == query[key]]
        if "level" in query:
            out = [t for t in out if str(t.get("level")) == query["level"]]
        return out

    def _ticket(self, ticket_id: str) -> dict[str, Any]:
        with self.lock:
            ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise HttpError(404, f"no ticket {ticket_id}")
        return ticket

    def _register(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise field_error([], "expected an object")
        if not body.get("device") and not body.get("site"):
            raise field_error(["device"], "name the device or the site")
        reporter = body.get("reporter") or {}
        if not reporter.get("name"):
            raise field_error(["reporter", "name"], "Field required")
        if body.get("channel") not in ("phone", "email", "fax", "web"):
            raise field_error(["channel"], "Input should be 'phone', 'email', 'fax' or 'web'")
        if not body.get("symptom"):
            raise field_error(["symptom"], "Field required")
        level = body.get("level") or 2
        return self.add_ticket(
            device=body.get("device"),
            site=body.get("site") or "fz-hq",
            check=None,
            level=level,
            summary=body["symptom"],
            reporter=reporter,
            channel=body["channel"],
            events=[
                {"at": iso(NOW), "kind": "registered", "actor": "eng", "note": body["symptom"]}
            ],
        )

    def _transition(self, ticket_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        ticket = self._ticket(ticket_id)
        state = ticket["state"]

        def need(*allowed: str, doing: str) -> None:
            if state not in allowed:
                raise HttpError(409, f"cannot {doing} ticket {ticket_id}: it is {state}")

        note = str(body.get("note") or "")
        if action == "ack":
            need("open", doing="acknowledge")
            new, kind = "acknowledged", "acknowledged"
        elif action == "dispatch":
            need("open", "acknowledged", "dispatched", doing="dispatch an engineer for")
            if not body.get("engineer"):
                raise field_error(["engineer"], "Field required")
            eta = body.get("eta")
            try:
                when = datetime.fromisoformat(str(eta).replace("Z", "+00:00"))
            except ValueError:
                raise field_error(["eta"], "Input should be a valid datetime") from None
            ticket["dispatch"] = {"engineer": body["engineer"], "eta": iso(when)}
            new, kind, note = "dispatched", "dispatched", f"{body['engineer']}, ETA {iso(when)}"
        elif action == "arrive":
            if state in ("open", "acknowledged"):
                raise HttpError(
                    409,
                    f"cannot record an arrival on ticket {ticket_id}: nobody was dispatched "
                    f"(dispatch an engineer first)",
                )
            need("dispatched", doing="record an arrival on")
            new, kind = "on_site", "arrived"
        elif action == "resolve":
            need(*ACTIVE, doing="resolve")
            if not body.get("notes"):
                raise field_error(["notes"], "Field required")
            ticket["charges"] = {
                "base_fee": 300.0,
                "parts": body.get("parts", []),
                "labour_hours": body.get("labour_hours", 0.0),
                "currency": "CNY",
                "total": 300.0 + sum(p["qty"] * p["price"] for p in body.get("parts", [])),
            }
            new, kind, note = "resolved", "resolved", body["notes"]
        elif action == "confirm":
            need("resolved", doing="confirm")
            score = body.get("satisfaction")
            if not isinstance(score, int) or not 1 <= score <= 5:
                raise field_error(["satisfaction"], "Input should be between 1 and 5")
            ticket["satisfaction"] = score
            new, kind = "confirmed", "confirmed"
        elif action == "comment":
            if not note:
                raise field_error(["note"], "Field required")
            new, kind = state, "comment"
        elif action == "escalate":
            need(*ACTIVE, doing="escalate")
            ticket["escalation_step"] = min(3, ticket["escalation_step"] + 1)
            new, kind = state, "escalated"
        elif action == "satisfaction":
            need("resolved", "confirmed", doing="record satisfaction on")
            ticket["satisfaction"] = body.get("satisfaction")
            new, kind = state, "satisfaction"
        elif action == "complaint":
            if not body.get("text"):
                raise field_error(["text"], "Field required")
            new, kind, note = state, "complaint", body["text"]
        else:
            raise HttpError(404, "Not Found")
        with self.lock:
            ticket["state"] = new
            ticket["events"].append({"at": iso(NOW), "kind": kind, "actor": "eng", "note": note})
        return ticket
