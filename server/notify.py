"""Notifications: one message to the people of its roles, by webhook (JSON POST) and e-mail (SMTP).

PUBLIC API (used by the server's config loader, the outbox sender loop and tests):
    NotificationsConfig     the `notifications:` section of server.yaml; `NotificationsConfig()` =
                            defaults (no targets, no SMTP server)
    SmtpConfig, RetryPolicy, EmailTarget, WebhookTarget, Target = EmailTarget | WebhookTarget
    parse_notifications(node_or_dict, file, path="notifications", *, base_dir=None,
                        check_secrets=False) -> NotificationsConfig
                            raises NotificationsError whose .issues each str() as
                            "file:line: notifications.field.path: message"
    Message(ticket_id, roles, subject, body, reason, ticket=None, key=None)
    Message.from_notify(notify, ticket_dict=None, *, tz=None)    from a server.tickets.Notify
    Notifier(config)
        .targets_for(message) -> list[Target]     every target of the message's roles, each once
        .unrouted_roles(message) -> tuple[str, ...]   roles of the message with no target at all
        .target(label) -> Target | None           a target by the label stored with its attempts
        .deliver(message, target) -> DeliveryAttempt     ONE attempt to ONE target; never raises
        .deliver_all(message) -> list[DeliveryAttempt]   one attempt to each target, in order
        .message(notify, ticket_dict=None) -> Message    from_notify in the configured time zone
    DeliveryAttempt(target, ok, error, at, status_code)  status_code: HTTP status, SMTP reply code
    next_retry_at(attempt_no, now, config=None) -> datetime | None
                            when to try a target again after `attempt_no` failed attempts
    webhook_payload(message) -> dict, sign(body, key) -> "sha256=<hex>", email_text(message, tz)

Delivery is synchronous and holds no state between calls (no connection pool, no queue): the
server core keeps the outbox and a sender loop that calls `deliver` per target, records each
attempt on the ticket's timeline and asks `next_retry_at` when to try again - never on the ingest
path. Secrets ({env: VAR} / {file: path}) are read at delivery time and never appear in an error,
a log line, an attempt or a repr; errors are written here, not copied from the libraries (whose
messages carry URLs, query strings and sometimes credentials). docs/notifications.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import smtplib
import socket
import ssl
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml

from checks import yamlnodes as yn
from checks.secrets import Secret, SecretError
from checks.yamlcheck import Issue, IssueError, NodeReader
from checks.yamlcheck import join as _join
from server.problems import from_iso, require_aware
from server.tickets import Notify

log = logging.getLogger("patrol.notify")

SIGNATURE_HEADER = "X-Patrol-Signature"
USER_AGENT = "patrol-notify/1"
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 300.0
# Headers Patrol sets itself; a configured header must not replace them.
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "Content-Type",
        "Content-Length",
        "Host",
        "User-Agent",
        SIGNATURE_HEADER,
        "X-Patrol-Event",
        "X-Patrol-Ticket",
        "X-Patrol-Delivery",
    )
)
_ERROR_SNIPPET = 200  # characters of a failing receiver's answer kept in the error


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    """The mail server; `host` None means no e-mail can be sent (config rejects e-mail targets)."""

    host: str | None = None
    port: int = 25  # 587 when starttls is on and no port is written
    starttls: bool = False
    username: str | None = None
    password: Secret | None = None
    sender: str = ""  # `from:` in server.yaml, e.g. "Patrol <patrol@example.cn>"
    timeout: float = DEFAULT_TIMEOUT_S
    ca_file: str | None = None  # trust this CA (PEM) for STARTTLS instead of the system's
    tls_verify: bool = True
    helo: str | None = None  # the name given in EHLO; None: the machine's FQDN

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


@dataclass(frozen=True)
class EmailTarget:
    address: str
    role: str = ""  # the first role it was configured under (for messages only)

    @property
    def label(self) -> str:
        """The stable name of this target in attempts and on the timeline."""
        return f"email:{self.address}"

    @property
    def key(self) -> str:
        return f"email:{self.address.lower()}"


@dataclass(frozen=True)
class WebhookTarget:
    url: str | Secret  # a Secret when the URL itself carries a token
    headers: tuple[tuple[str, str | Secret], ...] = ()
    secret: Secret | None = None  # HMAC-SHA256 key for the X-Patrol-Signature header
    timeout: float = DEFAULT_TIMEOUT_S
    name: str | None = None
    ca_file: str | None = None
    tls_verify: bool = True
    proxy: str | None = None  # environment proxies are ignored; name one here if needed
    role: str = ""

    def __repr__(self) -> str:
        # Not the dataclass repr: a URL may carry a token in its query or user part.
        signed = ", signed" if self.secret is not None else ""
        return f"WebhookTarget({self.label!r}, role={self.role!r}{signed})"

    @property
    def label(self) -> str:
        """The stable name of this target: its name, else its URL without credentials or query."""
        if self.name:
            return f"webhook:{self.name}"
        if isinstance(self.url, Secret):
            source = f"env:{self.url.env}" if self.url.env else f"file:{self.url.file}"
            return f"webhook:{source}"
        return f"webhook:{redact_url(self.url)}"

    @property
    def key(self) -> str:
        if isinstance(self.url, Secret):
            return f"webhook:{self.url.env or self.url.file}"
        return f"webhook:{self.url}"


Target = EmailTarget | WebhookTarget


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 30.0
    max_s: float = 3600.0


@dataclass(frozen=True)
class NotificationsConfig:
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    roles: Mapping[str, tuple[Target, ...]] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timezone: str | None = None  # IANA name for times in messages; None: the server's own zone

    @property
    def tz(self) -> tzinfo | None:
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else None


def redact_url(url: str) -> str:
    """scheme://host[:port]/path: no user or password, no query, no fragment (they carry tokens).

    A query is replaced by `?…#<hash>` so two URLs that differ only there keep distinct labels.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    text = f"{parts.scheme}://{host}{port}{parts.path}"
    if parts.query or parts.fragment:
        text += "?…#" + hashlib.sha256(url.encode()).hexdigest()[:6]
    return text


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyIssue(Issue):
    """One problem of `notifications:`; line 0 when unknown (a dict rather than YAML text)."""


class NotificationsError(IssueError[NotifyIssue]):
    pass


NOTIFICATIONS_KEYS = ("smtp", "roles", "retry", "timezone")
SMTP_KEYS = (
    "host",
    "port",
    "starttls",
    "username",
    "password",
    "from",
    "timeout",
    "ca_file",
    "tls_verify",
    "helo",
)
EMAIL_KEYS = ("email",)
WEBHOOK_KEYS = ("webhook", "headers", "secret", "timeout", "name", "ca_file", "tls_verify", "proxy")
RETRY_KEYS = ("max_attempts", "base_s", "max_s")
MAX_ATTEMPTS = 100
_ROLE = re.compile(r"[a-z][a-z0-9_]*")
# Deliberately strict: one address, no display name, nothing that could start a second header.
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SECRET_HEADER = re.compile(r"auth|token|key|secret|cookie|password|signature", re.IGNORECASE)
_HOSTNAME = re.compile(r"[A-Za-z0-9._:\[\]-]+")


def parse_notifications(
    node: yn.Node | Mapping[str, Any] | None,
    file: str = "server.yaml",
    path: str = "notifications",
    *,
    base_dir: str | Path | None = None,
    check_secrets: bool = False,
) -> NotificationsConfig:
    """The NotificationsConfig of a composed `notifications:` node (or a plain dict).

    Relative file paths (ca_file, {file: ...} secrets) are taken from `base_dir`, by default the
    folder of `file`. `check_secrets=True` also reads every secret now and reports the unusable
    ones (a `config check` command); by default they are read when a message is sent.
    Raises NotificationsError listing every problem at once, each with its line.
    """
    located = True
    if node is not None and not isinstance(node, yn.Node):
        if not isinstance(node, Mapping):
            raise NotificationsError(
                [NotifyIssue(file, 0, path, f"expected a mapping, got {type(node).__name__}")]
            )
        # Lines of a dumped dict mean nothing to the person who wrote the dict: drop them.
        node = yn.compose(yaml.safe_dump(dict(node), sort_keys=False))
        located = False
    base = Path(base_dir) if base_dir is not None else Path(file).absolute().parent
    reader = _Reader(file, base, located=located, check_secrets=check_secrets)
    config = reader.notifications(node, path)
    if reader.issues:
        raise NotificationsError(reader.sorted_issues())
    return config


class _Reader(NodeReader[NotifyIssue]):
    """Walks the `notifications:` node once, building the config and collecting every issue."""

    issue_type = NotifyIssue
    inline_secret = "secrets are never written inline"

    def __init__(self, file: str, base_dir: Path, *, located: bool, check_secrets: bool):
        super().__init__(file, base_dir, located=located, check_secrets=check_secrets)
        self.smtp_given = False  # an smtp section with errors: no second issue per e-mail target

    # --- shapes (mapping, fields, value, text, secret: checks.yamlcheck.NodeReader) ---

    def boolean(self, node: yn.Node, path: str) -> bool | None:
        value = self.value(node, path)
        if isinstance(value, bool):
            return value
        self.add(node, path, f"expected true or false, got {yn.describe(node)}")
        return None

    def number(
        self, node: yn.Node, path: str, low: float, high: float, what: str, integer: bool = False
    ) -> float | None:
        value = self.value(node, path)
        kinds = int if integer else (int, float)
        if isinstance(value, kinds) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.add(node, path, f"expected {what} from {low:g} to {high:g}, got {yn.describe(node)}")
        return None

    def timeout(self, node: yn.Node, path: str) -> float | None:
        return self.number(node, path, 0.01, MAX_TIMEOUT_S, "a timeout in seconds")

    def file_path(self, node: yn.Node, path: str, what: str) -> str | None:
        text = self.text(node, path, f"the path of {what}")
        if text is None:
            return None
        full = Path(self.path_value(text))
        if not full.is_file():
            self.add(node, path, f"{what} {full} does not exist")
            return None
        return str(full)

    # --- sections ---

    def notifications(self, node: yn.Node | None, path: str) -> NotificationsConfig:
        if node is None or yn.is_null(node):
            return NotificationsConfig()
        found = self.fields(node, path, NOTIFICATIONS_KEYS)
        self.smtp_given = "smtp" in found and not yn.is_null(found["smtp"])
        smtp = (
            self.smtp(found["smtp"], _join(path, "smtp"))
            if "smtp" in found and not yn.is_null(found["smtp"])
            else SmtpConfig()
        )
        retry = (
            self.retry(found["retry"], _join(path, "retry")) if "retry" in found else RetryPolicy()
        )
        timezone = None
        if "timezone" in found:
            timezone = self.text(found["timezone"], _join(path, "timezone"), "a time zone name")
            if timezone is not None:
                try:
                    zoneinfo.ZoneInfo(timezone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    self.add(
                        found["timezone"],
                        _join(path, "timezone"),
                        f"unknown time zone {timezone!r}; write an IANA name such as "
                        "Asia/Shanghai or UTC",
                    )
                    timezone = None
        roles: dict[str, tuple[Target, ...]] = {}
        if "roles" in found and not yn.is_null(found["roles"]):
            roles = self.roles(found["roles"], _join(path, "roles"), smtp)
        return NotificationsConfig(smtp=smtp, roles=roles, retry=retry, timezone=timezone)

    def smtp(self, node: yn.Node, path: str) -> SmtpConfig:
        found = self.fields(node, path, SMTP_KEYS)
        kwargs: dict[str, Any] = {}
        if "host" in found:
            host = self.text(found["host"], _join(path, "host"), "a host name or address")
            if host is not None and not _HOSTNAME.fullmatch(host):
                self.add(found["host"], _join(path, "host"), f"not a host name: {host!r}")
            elif host is not None:
                kwargs["host"] = host
        else:
            self.add(node, _join(path, "host"), "required field is missing")
        starttls = False
        if "starttls" in found:
            starttls = bool(self.boolean(found["starttls"], _join(path, "starttls")))
        kwargs["starttls"] = starttls
        kwargs["port"] = 587 if starttls else 25
        if "port" in found:
            port = self.number(found["port"], _join(path, "port"), 1, 65535, "a port", True)
            if port is not None:
                kwargs["port"] = int(port)
        if "username" in found:
            username = self.text(found["username"], _join(path, "username"), "a user name")
            if username is not None:
                kwargs["username"] = username
                if not starttls:
                    self.add(
                        found["username"],
                        _join(path, "username"),
                        "logging in needs starttls: true (the password would cross the "
                        "network in clear text)",
                    )
                if "password" not in found:
                    self.add(node, _join(path, "password"), "a username needs a password")
        if "password" in found:
            password = self.secret(found["password"], _join(path, "password"))
            if password is not None:
                kwargs["password"] = password
            if "username" not in found:
                self.add(found["password"], _join(path, "password"), "a password needs a username")
        if "from" in found:
            sender = self.text(found["from"], _join(path, "from"), "a sender address")
            if sender is not None:
                address = parseaddr(sender)[1]
                if not _ADDRESS.fullmatch(address) or "\n" in sender or "\r" in sender:
                    self.add(
                        found["from"],
                        _join(path, "from"),
                        f"expected an address such as patrol@example.cn or "
                        f'"Patrol <patrol@example.cn>", got {sender!r}',
                    )
                else:
                    kwargs["sender"] = sender
        else:
            self.add(node, _join(path, "from"), "required field is missing (the sender address)")
        if "timeout" in found:
            timeout = self.timeout(found["timeout"], _join(path, "timeout"))
            if timeout is not None:
                kwargs["timeout"] = float(timeout)
        if "tls_verify" in found:
            verify = self.boolean(found["tls_verify"], _join(path, "tls_verify"))
            if verify is not None:
                kwargs["tls_verify"] = verify
        if "ca_file" in found:
            ca_file = self.file_path(found["ca_file"], _join(path, "ca_file"), "CA file")
            if ca_file is not None:
                kwargs["ca_file"] = ca_file
            if kwargs.get("tls_verify") is False:
                self.add(
                    found["ca_file"],
                    _join(path, "ca_file"),
                    "ca_file has no effect with tls_verify: false",
                )
        if ("ca_file" in found or "tls_verify" in found) and not starttls:
            key = "ca_file" if "ca_file" in found else "tls_verify"
            self.add(found[key], _join(path, key), "TLS settings need starttls: true")
        if "helo" in found:
            helo = self.text(found["helo"], _join(path, "helo"), "a host name")
            if helo is not None and _HOSTNAME.fullmatch(helo):
                kwargs["helo"] = helo
            elif helo is not None:
                self.add(found["helo"], _join(path, "helo"), f"not a host name: {helo!r}")
        return SmtpConfig(**kwargs)

    def retry(self, node: yn.Node, path: str) -> RetryPolicy:
        found = self.fields(node, path, RETRY_KEYS)
        defaults = RetryPolicy()
        max_attempts = defaults.max_attempts
        if "max_attempts" in found:
            value = self.number(
                found["max_attempts"],
                _join(path, "max_attempts"),
                1,
                MAX_ATTEMPTS,
                "a number of attempts",
                True,
            )
            max_attempts = int(value) if value is not None else max_attempts
        base_s, max_s = defaults.base_s, defaults.max_s
        day = 86400
        if "base_s" in found:
            value = self.number(found["base_s"], _join(path, "base_s"), 1, day, "seconds")
            base_s = float(value) if value is not None else base_s
        if "max_s" in found:
            value = self.number(found["max_s"], _join(path, "max_s"), 1, 7 * day, "seconds")
            max_s = float(value) if value is not None else max_s
        if max_s < base_s:
            at = found.get("max_s") or found.get("base_s") or node
            self.add(
                at,
                _join(path, "max_s"),
                f"the longest wait ({max_s:g} s) is shorter than the first one ({base_s:g} s)",
            )
        return RetryPolicy(max_attempts=max_attempts, base_s=base_s, max_s=max_s)

    def roles(self, node: yn.Node, path: str, smtp: SmtpConfig) -> dict[str, tuple[Target, ...]]:
        roles: dict[str, tuple[Target, ...]] = {}
        # The sender loop tracks attempts per target label: two targets must not share one.
        labels: dict[str, str] = {}
        for entry in self.mapping(node, path) or []:
            role_path = _join(path, entry.key)
            if not _ROLE.fullmatch(entry.key):
                self.add(
                    entry.key_node,
                    role_path,
                    "a role name is lowercase letters, digits and _ (cs_manager)",
                )
                continue
            if not isinstance(entry.value, yn.SequenceNode) or not entry.value.value:
                self.add(
                    entry.value,
                    role_path,
                    "expected a list of targets ({email: address} or {webhook: url}), "
                    f"got {yn.describe(entry.value)}",
                )
                continue
            targets: list[Target] = []
            for index, child in enumerate(entry.value.value):
                target = self.target(child, f"{role_path}[{index}]", entry.key, smtp)
                if target is None:
                    continue
                if labels.setdefault(target.label, target.key) != target.key:
                    self.add(
                        child,
                        f"{role_path}[{index}]",
                        f"another target is also called {target.label!r}: give one a name",
                    )
                    continue
                targets.append(target)
            roles[entry.key] = tuple(targets)
        return roles

    def target(self, node: yn.Node, path: str, role: str, smtp: SmtpConfig) -> Target | None:
        if not isinstance(node, yn.MappingNode):
            self.add(
                node,
                path,
                f"expected {{email: address}} or {{webhook: url}}, got {yn.describe(node)}",
            )
            return None
        keys = {entry.key for entry in yn.entries(node)[0]}
        if ("email" in keys) == ("webhook" in keys):
            self.add(node, path, "a target is exactly one of {email: address} or {webhook: url}")
            return None
        if "email" in keys:
            return self.email(node, path, role, smtp)
        return self.webhook(node, path, role)

    def email(self, node: yn.Node, path: str, role: str, smtp: SmtpConfig) -> EmailTarget | None:
        found = self.fields(node, path, EMAIL_KEYS)
        address = self.text(found["email"], _join(path, "email"), "an e-mail address")
        if address is None:
            return None
        if not _ADDRESS.fullmatch(address):
            self.add(
                found["email"],
                _join(path, "email"),
                f"expected one address such as duty@example.cn, got {address!r}",
            )
            return None
        if smtp.host is None and not self.smtp_given:
            self.add(
                found["email"],
                _join(path, "email"),
                "e-mail needs a mail server: set notifications.smtp (host, from)",
            )
            return None
        return EmailTarget(address=address, role=role)

    def webhook(self, node: yn.Node, path: str, role: str) -> WebhookTarget | None:
        found = self.fields(node, path, WEBHOOK_KEYS)
        url_node = found["webhook"]
        url: str | Secret | None
        if isinstance(url_node, yn.MappingNode):
            url = self.secret(url_node, _join(path, "webhook"))
        else:
            url = self.text(url_node, _join(path, "webhook"), "an http:// or https:// URL")
            if url is not None:
                problem = _url_problem(url)
                if problem is None and urlsplit(url).password:
                    problem = "a password in a URL is a secret: write webhook: {env: VARIABLE}"
                if problem is not None:
                    # The URL may hold a token: show only its redacted form.
                    self.add(url_node, _join(path, "webhook"), problem)
                    url = None
        ok = url is not None
        kwargs: dict[str, Any] = {"role": role}
        if "headers" in found:
            headers = self.headers(found["headers"], _join(path, "headers"))
            ok = ok and headers is not None
            kwargs["headers"] = headers or ()
        if "secret" in found:
            secret = self.secret(found["secret"], _join(path, "secret"))
            ok = ok and secret is not None
            kwargs["secret"] = secret
        if "timeout" in found:
            timeout = self.timeout(found["timeout"], _join(path, "timeout"))
            ok = ok and timeout is not None
            kwargs["timeout"] = float(timeout or DEFAULT_TIMEOUT_S)
        if "name" in found:
            name = self.text(found["name"], _join(path, "name"), "a short name")
            ok = ok and name is not None
            kwargs["name"] = name
        if "tls_verify" in found:
            verify = self.boolean(found["tls_verify"], _join(path, "tls_verify"))
            ok = ok and verify is not None
            kwargs["tls_verify"] = verify if verify is not None else True
        if "ca_file" in found:
            ca_file = self.file_path(found["ca_file"], _join(path, "ca_file"), "CA file")
            ok = ok and ca_file is not None
            kwargs["ca_file"] = ca_file
            if kwargs.get("tls_verify") is False:
                self.add(
                    found["ca_file"],
                    _join(path, "ca_file"),
                    "ca_file has no effect with tls_verify: false",
                )
        if "proxy" in found:
            proxy = self.text(found["proxy"], _join(path, "proxy"), "a proxy URL")
            if proxy is not None and _url_problem(proxy) is not None:
                self.add(found["proxy"], _join(path, "proxy"), "expected an http:// proxy URL")
                proxy = None
            elif proxy is not None and urlsplit(proxy).password:
                self.add(
                    found["proxy"],
                    _join(path, "proxy"),
                    "a proxy that needs a password is not supported (it would be inline)",
                )
                proxy = None
            ok = ok and proxy is not None
            kwargs["proxy"] = proxy
        if not ok or url is None:
            return None
        return WebhookTarget(url=url, **kwargs)

    def headers(self, node: yn.Node, path: str) -> tuple[tuple[str, str | Secret], ...] | None:
        entries = self.mapping(node, path)
        if entries is None:
            return None
        out: list[tuple[str, str | Secret]] = []
        before = len(self.issues)
        for entry in entries:
            where = _join(path, entry.key)
            if not _HEADER_NAME.fullmatch(entry.key):
                self.add(entry.key_node, where, "not a valid HTTP header name")
                continue
            if entry.key.lower() in RESERVED_HEADERS:
                self.add(entry.key_node, where, "Patrol sets this header itself")
                continue
            if isinstance(entry.value, yn.MappingNode):
                secret = self.secret(entry.value, where)
                if secret is not None:
                    out.append((entry.key, secret))
                continue
            if _SECRET_HEADER.search(entry.key) and not yn.is_null(entry.value):
                # Not echoed: it is most likely a credential.
                self.add(
                    entry.value,
                    where,
                    "this header carries a credential: write {env: VARIABLE} or {file: path}",
                )
                continue
            value = self.text(entry.value, where, "a header value or {env: VARIABLE}")
            if value is not None:
                if "\n" in value or "\r" in value:
                    self.add(entry.value, where, "a header value is one line")
                else:
                    out.append((entry.key, value))
        return tuple(out) if len(self.issues) == before else None


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an http:// or https:// URL, got {redact_url(url)!r}"
    if any(c.isspace() for c in url):
        return "a URL has no spaces"
    return None


# --- the message -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One notification: who (roles), what (subject, body), about which ticket and why.

    `ticket` is the ticket as a dict (Ticket.to_dict()) as it was right after the change that
    caused the message; `key` identifies the message across retries (the outbox row's id): it
    becomes the webhook's X-Patrol-Delivery header and the e-mail's Message-ID, so a receiver
    can drop a duplicate when an answer was lost and the same message is sent again.
    """

    ticket_id: str
    roles: tuple[str, ...]
    subject: str
    body: str
    reason: str
    ticket: dict[str, Any] | None = None
    key: str | None = None

    @classmethod
    def from_notify(
        cls,
        notify: Notify,
        ticket_dict: Mapping[str, Any] | None = None,
        *,
        tz: tzinfo | None = None,
        key: str | None = None,
        at: datetime | None = None,
    ) -> Message:
        """The message of a server.tickets.Notify action; with the ticket, a subject made to be
        read on a phone: "[Patrol] L1 fz-hq-core-01 huawei.fans — escalated to step 2 (response
        deadline 10:30 missed)", times in `tz` (default: the server's zone). `at` (the outbox
        row's creation) decides which times need their date; by default the ticket's latest."""
        ticket = dict(ticket_dict) if ticket_dict is not None else None
        if ticket is not None:
            step = _body_step(notify.body)
            subject = phone_subject(notify.reason, ticket, tz, step=step, at=at)
        else:
            subject = _one_line(f"[Patrol] {notify.subject}")
        return cls(
            ticket_id=notify.ticket_id,
            roles=tuple(notify.roles),
            subject=subject,
            body=notify.body,
            reason=notify.reason,
            ticket=ticket,
            key=key,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "roles": list(self.roles),
            "subject": self.subject,
            "body": self.body,
            "reason": self.reason,
            "ticket": self.ticket,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            ticket_id=str(data["ticket_id"]),
            roles=tuple(data["roles"]),
            subject=str(data["subject"]),
            body=str(data["body"]),
            reason=str(data["reason"]),
            ticket=data.get("ticket"),
            key=data.get("key"),
        )


def _one_line(text: str, limit: int = 200) -> str:
    """A header-safe line: a subject with a newline would start a second header."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_STEP_LINE = re.compile(r"^Escalation:\s+step (\d+)\b", re.MULTILINE)


def _body_step(body: str) -> int | None:
    """The escalation step a Notify was written at (server.tickets writes it in its body); the
    ticket dict may be later than the message when two deadlines passed in the same minute."""
    match = _STEP_LINE.search(body)
    return int(match.group(1)) if match else None


def local_time(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def short_time(moment: datetime, tz: tzinfo | None, reference: datetime | None = None) -> str:
    """`10:30` when on the reference's day (in the reader's zone), else `11 Jan 10:30`."""
    local = local_time(moment, tz)
    ref = local_time(reference, tz) if reference is not None else None
    if ref is not None and ref.date() == local.date():
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"


def long_time(moment: datetime, tz: tzinfo | None) -> str:
    """`2025-01-06 10:30`; the zone is named once, in the heading of the facts."""
    return local_time(moment, tz).strftime("%Y-%m-%d %H:%M")


def _problem_label(ticket: Mapping[str, Any]) -> str:
    where = ticket.get("device") or f"site {ticket.get('site', '?')}"
    what = " ".join(str(p) for p in (ticket.get("check"), ticket.get("item")) if p)
    return f"{where} {what}".strip()


_MOMENTS = ("opened_at", "raised_at", "responded_at", "arrived_at", "resolved_at", "confirmed_at")


def _reference(ticket: Mapping[str, Any]) -> datetime | None:
    """About when the change that caused the message happened: the latest moment the ticket
    records (the outbox's snapshot may leave the events out)."""
    texts = [ticket.get(key) for key in _MOMENTS]
    texts += [e.get("at") for e in ticket.get("events") or [] if isinstance(e, Mapping)]
    texts += [b.get("at") for b in ticket.get("breaches") or [] if isinstance(b, Mapping)]
    moments: list[datetime] = []
    for text in texts:
        with contextlib.suppress(TypeError, ValueError):
            if isinstance(text, str) and (moment := from_iso(text)) is not None:
                moments.append(moment)
    return max(moments, default=None)


def phone_subject(
    reason: str,
    ticket: Mapping[str, Any],
    tz: tzinfo | None,
    step: int | None = None,
    at: datetime | None = None,
) -> str:
    """A subject short enough for a phone's notification: level, what, and what happened.

    [Patrol] L1 fz-hq-core-01 huawei.fans — escalated to step 2 (response deadline 10:30 missed)
    """
    ref = at or _reference(ticket)

    def at(text: Any) -> str:
        moment = from_iso(text) if isinstance(text, str) else None
        return short_time(moment, tz, ref) if moment else "?"

    response = at(ticket.get("response_due"))
    if reason == "opened":
        phrase = f"new fault, response due {response}"
    elif reason == "registered":
        how = ticket.get("channel") or "hand"
        how = f"by {how}" if how != "web" else "on the web"
        phrase = f"reported {how}, response due {response}"
    elif reason == "escalated":
        step = step or int(ticket.get("escalation_step") or 0) or None
        breach = next(
            (b for b in reversed(ticket.get("breaches") or []) if b.get("step") == step), None
        )
        phrase = f"escalated to step {step}" if step else "escalated"
        if breach is not None:
            kind = "on-site" if breach.get("kind") == "onsite" else breach.get("kind", "")
            phrase += f" ({kind} deadline {at(breach.get('due'))} missed)"
    elif reason == "level_raised":
        phrase = f"level raised to L{ticket.get('level')}"
    elif reason == "resolved":
        by = ticket.get("resolved_by")
        phrase = "recovered, follow-up watch begins" if by == "monitoring" else f"resolved by {by}"
    elif reason == "reopened":
        phrase = f"relapsed, reopened, response due {response}"
    elif reason == "complaint":
        phrase = "customer complaint"
    elif reason == "follow_up_due":
        phrase = "follow-up due"
    else:
        phrase = reason.replace("_", " ")
    return _one_line(f"[Patrol] L{ticket.get('level', '?')} {_problem_label(ticket)} — {phrase}")


def ticket_facts(ticket: Mapping[str, Any], tz: tzinfo | None) -> list[str]:
    """The facts a manager needs on a phone, times in the reader's zone."""
    breaches = ticket.get("breaches") or []
    missed = {(b.get("kind"), b.get("due")) for b in breaches}

    def due(kind: str) -> str:
        text = ticket.get(f"{kind}_due")
        moment = from_iso(text) if isinstance(text, str) else None
        if moment is None:
            return "not required"
        mark = " — MISSED" if (kind, text) in missed else ""
        return long_time(moment, tz) + mark

    lines = [
        f"Ticket:    {ticket.get('id')} ({ticket.get('state')})",
        f"Level:     L{ticket.get('level')}",
        f"Customer:  {ticket.get('customer')}, site {ticket.get('site')} ({ticket.get('zone')})",
        f"Device:    {ticket.get('device') or '(whole site)'}",
    ]
    if ticket.get("check"):
        item = f" {ticket['item']}" if ticket.get("item") else ""
        lines.append(f"Check:     {ticket['check']}{item}")
    lines += [
        f"Summary:   {ticket.get('summary')}",
        f"Response:  {due('response')}",
        f"On site:   {due('onsite')}",
        f"Escalation: step {ticket.get('escalation_step')}",
    ]
    dispatch = ticket.get("dispatch")
    if isinstance(dispatch, Mapping):
        eta = from_iso(dispatch.get("eta")) if dispatch.get("eta") else None
        lines.append(
            f"Engineer:  {dispatch.get('engineer')}"
            + (f", expected {long_time(eta, tz)}" if eta else "")
        )
    reporter = ticket.get("reporter")
    if isinstance(reporter, Mapping) and reporter.get("name"):
        contact = ", ".join(
            str(reporter[k]) for k in ("organisation", "phone", "email") if reporter.get(k)
        )
        lines.append(f"Reporter:  {reporter['name']}" + (f" ({contact})" if contact else ""))
    return lines


def email_text(message: Message, tz: tzinfo | None = None) -> str:
    """The plain-text e-mail: the message body, then the ticket's facts in the reader's zone."""
    text = message.body.rstrip()
    if message.ticket:
        zone = getattr(tz, "key", None) or local_time(datetime.now(UTC), tz).strftime("%Z")
        text += f"\n\n-- Ticket facts (times in {zone}) --\n"
        text += "\n".join(ticket_facts(message.ticket, tz))
    return text + "\n\n-- \nPatrol: sent automatically; replies are not read.\n"


def webhook_payload(message: Message) -> dict[str, Any]:
    return {
        "ticket_id": message.ticket_id,
        "roles": list(message.roles),
        "subject": message.subject,
        "body": message.body,
        "reason": message.reason,
        "ticket": message.ticket,
    }


def sign(body: bytes, key: str) -> str:
    """The X-Patrol-Signature value: HMAC-SHA256 of the exact request body, hex."""
    return "sha256=" + hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


# --- delivery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryAttempt:
    target: str  # the target's label: "email:duty@example.cn", "webhook:https://host/path"
    ok: bool
    error: str | None
    at: datetime
    status_code: int | None = None  # HTTP status (webhook) or SMTP reply code (e-mail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "error": self.error,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "status_code": self.status_code,
        }


class _Failed(Exception):
    """A delivery failure with its readable reason (and the reply code when there was one)."""

    def __init__(self, reason: str, status_code: int | None = None):
        self.reason = reason
        self.status_code = status_code
        super().__init__(reason)


def _scrub(text: str, secrets: Iterable[str]) -> str:
    # Longest first: a URL is replaced whole before the query it contains.
    for value in sorted(secrets, key=len, reverse=True):
        if value and len(value) >= 3:
            text = text.replace(value, "***")
    return text


# The secrets of the deliveries in progress (each a list that grows as secrets are read), so
# that a library's own debug logging (urllib3 logs every request line, query included) can be
# scrubbed too.
_in_flight: dict[int, list[str]] = {}
_in_flight_lock = threading.Lock()


class _ScrubSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        with _in_flight_lock:
            secrets = [value for values in _in_flight.values() for value in values]
        if not secrets:
            return True
        record.msg = _scrub(str(record.msg), secrets)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _scrub(a, secrets) if isinstance(a, str) else a for a in record.args
            )
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_ScrubSecrets())


class Notifier:
    """Sends messages to the targets of their roles; one attempt per call, no retry loop."""

    def __init__(
        self,
        config: NotificationsConfig | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ):
        self.config = config or NotificationsConfig()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tz = self.config.tz

    # --- routing ---

    def targets_for(self, message: Message) -> list[Target]:
        seen: set[str] = set()
        out: list[Target] = []
        for role in message.roles:
            for target in self.config.roles.get(role, ()):
                if target.key not in seen:
                    seen.add(target.key)
                    out.append(target)
        return out

    def unrouted_roles(self, message: Message) -> tuple[str, ...]:
        return tuple(r for r in message.roles if not self.config.roles.get(r))

    def target(self, label: str) -> Target | None:
        for targets in self.config.roles.values():
            for target in targets:
                if target.label == label:
                    return target
        return None

    def message(
        self,
        notify: Notify,
        ticket_dict: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        at: datetime | None = None,
    ) -> Message:
        """Message.from_notify in the configured time zone."""
        return Message.from_notify(notify, ticket_dict, tz=self._tz, key=key, at=at)

    # --- sending ---

    def deliver_all(self, message: Message) -> list[DeliveryAttempt]:
        return [self.deliver(message, target) for target in self.targets_for(message)]

    def deliver(self, message: Message, target: Target) -> DeliveryAttempt:
        """One attempt to one target. Never raises: a failure is an attempt with its reason."""
        at = self._clock()
        secrets: list[str] = []
        with _in_flight_lock:
            _in_flight[id(secrets)] = secrets
        try:
            if isinstance(target, EmailTarget):
                code = self._send_email(message, target, at, secrets)
            else:
                code = self._post_webhook(message, target, secrets)
            attempt = DeliveryAttempt(target.label, True, None, at, code)
        except _Failed as failed:
            error = _scrub(failed.reason, secrets)
            attempt = DeliveryAttempt(target.label, False, error, at, failed.status_code)
        except SecretError as exc:
            # Its message names where the secret is referenced, never its value.
            attempt = DeliveryAttempt(target.label, False, f"secret unusable: {exc}", at, None)
        except Exception as exc:  # a library surprise costs this attempt, not the sender loop
            reason = _scrub(f"unexpected {type(exc).__name__}: {exc}", secrets)
            attempt = DeliveryAttempt(target.label, False, _one_line(reason, 300), at, None)
        finally:
            with _in_flight_lock:
                del _in_flight[id(secrets)]
        if attempt.ok:
            log.info(
                "notification %s for %s sent to %s",
                message.reason,
                message.ticket_id,
                attempt.target,
            )
        else:
            log.warning(
                "notification %s for %s to %s failed: %s",
                message.reason,
                message.ticket_id,
                attempt.target,
                attempt.error,
            )
        return attempt

    # --- webhook ---

    def _post_webhook(self, message: Message, target: WebhookTarget, secrets: list[str]) -> int:
        label = target.label
        url = target.url.reveal() if isinstance(target.url, Secret) else target.url
        parts = urlsplit(url)
        if isinstance(target.url, Secret):
            # All of it is secret, the path too (chat services put their token there).
            secrets += [url, parts.path + (f"?{parts.query}" if parts.query else "")]
        if parts.password:
            secrets += [url, parts.password]
        if parts.query:
            secrets += [url, parts.query]
        # default=str: a ticket dict handed over with a datetime left in it still goes out.
        payload = json.dumps(webhook_payload(message), ensure_ascii=False, default=str)
        body = payload.encode("utf-8")
        headers: dict[str, str] = {}
        for name, value in target.headers:
            if isinstance(value, Secret):
                revealed = value.reveal()
                secrets.append(revealed)
                headers[name] = revealed
            else:
                headers[name] = value
        headers.update(
            {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "X-Patrol-Event": message.reason,
                "X-Patrol-Ticket": message.ticket_id,
            }
        )
        if message.key:
            headers["X-Patrol-Delivery"] = message.key
        if target.secret is not None:
            key = target.secret.reveal()
            secrets.append(key)
            headers[SIGNATURE_HEADER] = sign(body, key)
        verify: bool | str = (target.ca_file or True) if target.tls_verify else False
        proxies = {"http": target.proxy, "https": target.proxy} if target.proxy else None
        where = _host_port(parts)
        with requests.Session() as session:
            # No proxies, .netrc credentials or CA bundle from the environment: what is sent,
            # and where, is what server.yaml says.
            session.trust_env = False
            try:
                response = session.post(
                    url,
                    data=body,
                    headers=headers,
                    timeout=(target.timeout, target.timeout),
                    allow_redirects=False,
                    verify=verify,
                    proxies=proxies,
                    stream=True,
                )
            except requests.exceptions.ConnectTimeout:
                raise _Failed(f"no connection to {where} within {target.timeout:g} s") from None
            except requests.exceptions.ReadTimeout:
                raise _Failed(f"no answer from {where} within {target.timeout:g} s") from None
            except requests.exceptions.SSLError as exc:
                raise _Failed(_tls_reason(exc, where, "webhook")) from None
            except requests.exceptions.ConnectionError as exc:
                raise _Failed(_connection_reason(exc, where)) from None
            except requests.exceptions.RequestException as exc:
                raise _Failed(f"request to {label} failed: {type(exc).__name__}") from None
            with response:
                code = response.status_code
                if 200 <= code < 300:
                    return code
                snippet = _answer_snippet(response)
                what = f"HTTP {code} {response.reason or ''}".rstrip()
                if 300 <= code < 400:
                    reason = f"{what} from {where}: redirects are not followed; fix the URL"
                else:
                    reason = f"{what} from {where}" + (f": {snippet}" if snippet else "")
                raise _Failed(reason, code)

    # --- e-mail ---

    def _send_email(
        self, message: Message, target: EmailTarget, at: datetime, secrets: list[str]
    ) -> int:
        smtp = self.config.smtp
        if smtp.host is None:
            raise _Failed("no mail server configured (notifications.smtp)")
        where = f"mail server {smtp.host}:{smtp.port}"
        mail = self._email(message, target, at)
        password = None
        if smtp.username is not None and smtp.password is not None:
            password = smtp.password.reveal()
            secrets.append(password)
        try:
            with smtplib.SMTP(
                smtp.host, smtp.port, local_hostname=smtp.helo, timeout=smtp.timeout
            ) as client:
                if smtp.starttls:
                    client.starttls(context=self._tls_context())
                if smtp.username is not None and password is not None:
                    client.login(smtp.username, password)
                client.send_message(mail, from_addr=smtp.sender_address, to_addrs=[target.address])
        except smtplib.SMTPNotSupportedError as exc:
            text = str(exc).lower()
            if "starttls" in text:
                raise _Failed(f"{where} does not offer STARTTLS") from None
            if "auth" in text:
                raise _Failed(f"{where} does not offer login (AUTH)") from None
            raise _Failed(f"{where}: {_one_line(str(exc))}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise _Failed(
                f"{where} refused the login of user {smtp.username}: {_smtp_reply(exc)}",
                exc.smtp_code,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = list(exc.recipients.values())
            code, text = codes[0] if codes else (None, b"")
            reply = _smtp_reply_text(code, text)
            raise _Failed(
                f"{where} refused the recipient {target.address}: {reply}", code
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _Failed(
                f"{where} refused the sender {smtp.sender_address}: {_smtp_reply(exc)}",
                exc.smtp_code,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise _Failed(f"{where} answered {_smtp_reply(exc)}", exc.smtp_code) from None
        except smtplib.SMTPServerDisconnected:
            raise _Failed(f"{where} closed the connection") from None
        except ssl.SSLError as exc:
            raise _Failed(_tls_reason(exc, where, "smtp")) from None
        except TimeoutError:
            raise _Failed(f"{where} did not answer within {smtp.timeout:g} s") from None
        except ConnectionRefusedError:
            raise _Failed(f"{where}: connection refused") from None
        except socket.gaierror:
            raise _Failed(f"{where}: the host name does not resolve") from None
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            raise _Failed(f"{where}: {reason}") from None
        except smtplib.SMTPException as exc:
            raise _Failed(f"{where}: {type(exc).__name__}") from None
        return 250

    def _tls_context(self) -> ssl.SSLContext:
        smtp = self.config.smtp
        context = ssl.create_default_context(cafile=smtp.ca_file)
        if not smtp.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _email(self, message: Message, target: EmailTarget, at: datetime) -> EmailMessage:
        smtp = self.config.smtp
        domain = smtp.sender_address.rpartition("@")[2] or "patrol.invalid"
        mail = EmailMessage()
        mail["Subject"] = _one_line(message.subject, 250)
        mail["From"] = smtp.sender
        mail["To"] = target.address
        mail["Date"] = format_datetime(local_time(at, self._tz))
        if message.key:
            # The same Message-ID on every retry of this message to this address.
            digest = hashlib.sha256(f"{message.key}\0{target.key}".encode()).hexdigest()[:16]
            mail["Message-ID"] = f"<patrol.{digest}@{domain}>"
        else:
            mail["Message-ID"] = make_msgid("patrol", domain=domain)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies back to us
        mail["X-Patrol-Ticket"] = _one_line(message.ticket_id, 100)
        mail["X-Patrol-Event"] = _one_line(message.reason, 100)
        mail.set_content(email_text(message, self._tz))
        return mail


def _host_port(parts: Any) -> str:
    host = parts.hostname or "?"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = "?"
    return f"{host}:{port}"


def _answer_snippet(response: requests.Response) -> str:
    try:
        raw = response.raw.read(4096, decode_content=True) or b""
    except Exception:  # the answer is a courtesy; its absence is no reason to fail differently
        return ""
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    return _one_line(text, _ERROR_SNIPPET)


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """An exception, its arguments and its causes (requests wraps urllib3 wraps socket)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nested = getattr(current, attr, None)
            if isinstance(nested, BaseException):
                todo.append(nested)


def _connection_reason(exc: BaseException, where: str) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return f"{where}: connection refused"
        if isinstance(cause, socket.gaierror):
            return f"{where}: the host name does not resolve"
        if isinstance(cause, ConnectionResetError):
            return f"{where}: the connection was reset"
        if isinstance(cause, TimeoutError):
            return f"{where}: no answer in time"
    for cause in _causes(exc):
        if "RemoteDisconnected" in type(cause).__name__:
            return f"{where}: closed the connection without answering"
    return f"{where}: cannot connect ({type(exc).__name__})"


def _tls_reason(exc: BaseException, where: str, kind: str) -> str:
    hint = (
        "set notifications.smtp.ca_file to the CA that signed it"
        if kind == "smtp"
        else "set ca_file on the webhook to the CA that signed it"
    )
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or "verification failed"
            return f"{where}: TLS certificate not trusted ({detail}); {hint}"
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return f"{where}: TLS failed ({cause.reason.lower().replace('_', ' ')})"
    return f"{where}: TLS failed"


def _smtp_reply_text(code: int | None, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return _one_line(f"{code or ''} {text}".strip(), _ERROR_SNIPPET)


def _smtp_reply(exc: smtplib.SMTPResponseException) -> str:
    return _smtp_reply_text(exc.smtp_code, exc.smtp_error)


# --- retry schedule --------------------------------------------------------------------------


def next_retry_at(
    attempt_no: int,
    now: datetime,
    config: NotificationsConfig | RetryPolicy | None = None,
) -> datetime | None:
    """When to try a target again after its `attempt_no`-th failed attempt (1-based), or None
    once `max_attempts` attempts were made: base_s * 2**(attempt_no - 1), at most max_s.

    Deterministic (no jitter): the outbox stores the time, so processes agree on it, and the
    spread comes from the messages themselves being created at different moments.
    """
    require_aware(now)
    if isinstance(attempt_no, bool) or not isinstance(attempt_no, int) or attempt_no < 1:
        raise ValueError(f"attempt_no counts attempts made, from 1; got {attempt_no!r}")
    retry = config.retry if isinstance(config, NotificationsConfig) else config or RetryPolicy()
    if attempt_no >= retry.max_attempts:
        return None
    # min() before the power keeps a large attempt number from building a huge integer.
    exponent = min(attempt_no - 1, 64)
    delay = min(retry.base_s * 2.0**exponent, retry.max_s)
    return now + timedelta(seconds=delay)
