"""Notifications: the config (defaults, every field, located errors), the retry schedule, routing,
the phone-readable texts, and delivery against real servers on loopback - an aiosmtpd SMTP server
(plain, STARTTLS with a CA made here, AUTH over STARTTLS) and an http.server receiver (signed
posts, a receiver that fails first, a slow one, a refused port, a redirect) - with secrets kept
out of every attempt, error and log line."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import yamlnodes as yn
from server import tickets as t
from server.notify import (
    DeliveryAttempt,
    EmailTarget,
    Message,
    NotificationsConfig,
    NotificationsError,
    Notifier,
    RetryPolicy,
    SmtpConfig,
    WebhookTarget,
    email_text,
    next_retry_at,
    parse_notifications,
    redact_url,
    sign,
    webhook_payload,
)
from server.policy import Policy
from server.problems import DeviceContext, Fingerprint

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 1, 6, 0, 30, tzinfo=UTC)  # 08:30 in Fuzhou
SECRET_VALUE = "hmac-key-7f3a9c-never-shown"
TOKEN_VALUE = "bearer-token-51d2e8-never-shown"
PASSWORD_VALUE = "smtp-pass-0b8e44-never-shown"
QUERY_TOKEN = "qtok-9a8b7c-never-shown"


def compose_section(text: str, key: str = "notifications") -> yn.Node | None:
    root = yn.compose(text)
    assert isinstance(root, yn.MappingNode)
    for entry in yn.entries(root)[0]:
        if entry.key == key:
            return entry.value
    return None


def parse_text(text: str, **kwargs: Any) -> NotificationsConfig:
    return parse_notifications(compose_section(text), "server.yaml", **kwargs)


def issues_of(text: str, **kwargs: Any) -> list[str]:
    with pytest.raises(NotificationsError) as caught:
        parse_text(text, **kwargs)
    return [str(issue) for issue in caught.value.issues]


# --- a ticket and its messages, from the real ticket domain ------------------------------------


def escalated_ticket() -> tuple[t.Ticket, t.Notify, t.Notify]:
    """An L1 urban ticket opened at 08:30 Fuzhou time and escalated when 10:30 passed."""
    device = DeviceContext(
        name="fz-hq-core-01", customer="fz-bank", site="fz-hq", zone="urban", criticality="high"
    )
    policy = Policy()
    ticket, (opened,) = t.open_ticket(
        id="T-000042",
        fingerprint=Fingerprint("fz-hq-core-01", "huawei.fans"),
        level=1,
        summary="FAN 2 failed",
        device=device,
        policy=policy,
        now=T0,
    )
    ticket, actions = t.escalate(ticket, policy, T0 + timedelta(hours=2, minutes=1))
    escalated = next(a for a in actions if a.reason == "escalated")
    return ticket, opened, escalated


def sample_message(key: str | None = "outbox-17") -> Message:
    ticket, _, escalated = escalated_ticket()
    return Message.from_notify(escalated, ticket.to_dict(), tz=SHANGHAI, key=key)


# --- config ------------------------------------------------------------------------------------


FULL_CONFIG = """\
notifications:
  timezone: Asia/Shanghai
  smtp:
    host: mail.example.cn
    starttls: true
    username: patrol
    password: {env: PATROL_SMTP_PASSWORD}
    from: "Patrol <patrol@example.cn>"
    timeout: 5
  roles:
    engineer:
      - email: duty@example.cn
      - webhook: https://chat.example.cn/hooks/patrol?token=abc
        headers:
          Authorization: {env: CHAT_TOKEN}
          X-Team: noc
        secret: {env: PATROL_WEBHOOK_SECRET}
        timeout: 3
    cs_manager:
      - email: Duty@example.cn
      - email: manager@example.cn
    general_manager:
      - webhook: {env: GM_HOOK_URL}
        name: gm-chat
  retry: {max_attempts: 5, base_s: 10, max_s: 60}
"""


def test_defaults_have_no_targets() -> None:
    config = NotificationsConfig()
    assert config.roles == {}
    assert config.smtp.host is None
    assert config.retry == RetryPolicy(max_attempts=8, base_s=30, max_s=3600)
    assert parse_notifications(None) == NotificationsConfig()
    assert parse_text("notifications:\n") == NotificationsConfig()
    assert Notifier().deliver_all(sample_message()) == []


def test_full_config_parses() -> None:
    config = parse_text(FULL_CONFIG)
    assert config.timezone == "Asia/Shanghai"
    assert config.smtp.host == "mail.example.cn"
    assert config.smtp.port == 587  # starttls without a port
    assert config.smtp.starttls and config.smtp.tls_verify
    assert config.smtp.username == "patrol"
    assert config.smtp.password is not None and config.smtp.password.env == "PATROL_SMTP_PASSWORD"
    assert config.smtp.sender_address == "patrol@example.cn"
    assert config.smtp.timeout == 5
    engineer = config.roles["engineer"]
    assert engineer[0] == EmailTarget("duty@example.cn", role="engineer")
    hook = engineer[1]
    assert isinstance(hook, WebhookTarget)
    assert hook.timeout == 3
    assert [name for name, _ in hook.headers] == ["Authorization", "X-Team"]
    assert hook.secret is not None and hook.secret.env == "PATROL_WEBHOOK_SECRET"
    # The query (a token) never shows in the label the timeline stores.
    assert "abc" not in hook.label and hook.label.startswith("webhook:https://chat.example.cn/")
    gm = config.roles["general_manager"][0]
    assert gm.label == "webhook:gm-chat"
    assert config.retry == RetryPolicy(max_attempts=5, base_s=10, max_s=60)
    # Plain port 25 without STARTTLS.
    plain = parse_text("notifications:\n  smtp: {host: 127.0.0.1, from: p@example.cn}\n")
    assert plain.smtp.port == 25 and not plain.smtp.starttls


def test_a_dict_parses_too() -> None:
    config = parse_notifications(
        {
            "smtp": {"host": "127.0.0.1", "port": 2525, "from": "p@example.cn"},
            "roles": {"engineer": [{"email": "a@example.cn"}, {"webhook": "http://127.0.0.1/x"}]},
        },
        "settings",
    )
    assert config.smtp.port == 2525
    assert [t.label for t in config.roles["engineer"]] == [
        "email:a@example.cn",
        "webhook:http://127.0.0.1/x",
    ]
    with pytest.raises(NotificationsError) as caught:
        parse_notifications({"roles": {"engineer": [{"email": "nobody"}]}}, "settings")
    assert [str(i) for i in caught.value.issues] == [
        "settings: notifications.roles.engineer[0].email: expected one address such as "
        "duty@example.cn, got 'nobody'"
    ]


def test_config_errors_are_located_and_all_listed() -> None:
    text = """\
notifications:
  smtp:
    host: mail.example.cn
    port: 70000
    usrname: patrol
    from: not-an-address
  roles:
    engineer:
      - email: duty@example.cn
        webhook: http://127.0.0.1/x
      - webhook: ftp://files.example.cn/drop
      - webhook: http://127.0.0.1/y
        headers: {X-Patrol-Signature: forged}
        secret: plain-text-secret-value
    Bad-Role:
      - email: a@example.cn
    empty: []
  retry: {max_attempts: 0, base_s: 60, max_s: 30}
  timezone: Mars/Olympus
  colour: blue
"""
    assert issues_of(text) == [
        "server.yaml:4: notifications.smtp.port: expected a port from 1 to 65535, got 70000",
        "server.yaml:5: notifications.smtp.usrname: unknown key; did you mean 'username'? "
        "allowed keys: host, port, starttls, username, password, from, timeout, ca_file, "
        "tls_verify, helo",
        "server.yaml:6: notifications.smtp.from: expected an address such as patrol@example.cn "
        "or \"Patrol <patrol@example.cn>\", got 'not-an-address'",
        "server.yaml:9: notifications.roles.engineer[0]: a target is exactly one of "
        "{email: address} or {webhook: url}",
        "server.yaml:11: notifications.roles.engineer[1].webhook: expected an http:// or "
        "https:// URL, got 'ftp://files.example.cn/drop'",
        "server.yaml:13: notifications.roles.engineer[2].headers.X-Patrol-Signature: "
        "Patrol sets this header itself",
        "server.yaml:14: notifications.roles.engineer[2].secret: secrets are never written "
        "inline: write {env: VARIABLE} or {file: path} (a file of mode 0600)",
        "server.yaml:15: notifications.roles.Bad-Role: a role name is lowercase letters, "
        "digits and _ (cs_manager)",
        "server.yaml:17: notifications.roles.empty: expected a list of targets "
        "({email: address} or {webhook: url}), got a list",
        "server.yaml:18: notifications.retry.max_attempts: expected a number of attempts from "
        "1 to 100, got 0",
        "server.yaml:18: notifications.retry.max_s: the longest wait (30 s) is shorter than "
        "the first one (60 s)",
        "server.yaml:19: notifications.timezone: unknown time zone 'Mars/Olympus'; write an "
        "IANA name such as Asia/Shanghai or UTC",
        "server.yaml:20: notifications.colour: unknown key; allowed keys: smtp, roles, retry, "
        "timezone",
    ]


def test_config_rules_for_smtp_and_email() -> None:
    no_server = "notifications:\n  roles:\n    engineer:\n      - email: duty@example.cn\n"
    assert issues_of(no_server) == [
        "server.yaml:4: notifications.roles.engineer[0].email: e-mail needs a mail server: "
        "set notifications.smtp (host, from)"
    ]
    clear_login = """\
notifications:
  smtp:
    host: mail.example.cn
    from: p@example.cn
    username: patrol
"""
    assert issues_of(clear_login) == [
        "server.yaml:3: notifications.smtp.password: a username needs a password",
        "server.yaml:5: notifications.smtp.username: logging in needs starttls: true (the "
        "password would cross the network in clear text)",
    ]
    missing = "notifications:\n  smtp: {port: 25}\n"
    assert issues_of(missing) == [
        "server.yaml:2: notifications.smtp.host: required field is missing",
        "server.yaml:2: notifications.smtp.from: required field is missing (the sender address)",
    ]
    ca = """\
notifications:
  smtp:
    host: mail.example.cn
    from: p@example.cn
    starttls: true
    ca_file: nowhere/ca.pem
"""
    (found,) = issues_of(ca)
    assert found.startswith("server.yaml:6: notifications.smtp.ca_file: CA file ")
    assert found.endswith("nowhere/ca.pem does not exist")


def test_credentials_are_never_inline_and_labels_are_unique() -> None:
    text = f"""\
notifications:
  roles:
    engineer:
      - webhook: http://127.0.0.1/a
        headers: {{Authorization: "Bearer {TOKEN_VALUE}", X-Api-Key: {{env: API_KEY}}}}
      - webhook: "http://patrol:{PASSWORD_VALUE}@127.0.0.1/b"
      - webhook: http://127.0.0.1/c
        name: chat
    cs_manager:
      - webhook: http://127.0.0.1/d
        name: chat
      - webhook: http://127.0.0.1/c
        name: chat
"""
    assert issues_of(text) == [
        "server.yaml:5: notifications.roles.engineer[0].headers.Authorization: this header "
        "carries a credential: write {env: VARIABLE} or {file: path}",
        "server.yaml:6: notifications.roles.engineer[1].webhook: a password in a URL is a "
        "secret: write webhook: {env: VARIABLE}",
        "server.yaml:10: notifications.roles.cs_manager[0]: another target is also called "
        "'webhook:chat': give one a name",
    ]
    for issue in issues_of(text):
        assert TOKEN_VALUE not in issue and PASSWORD_VALUE not in issue


def test_a_secret_unset_is_reported_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATROL_TEST_NOPE", raising=False)
    text = """\
notifications:
  roles:
    engineer:
      - webhook: http://127.0.0.1/x
        secret: {env: PATROL_TEST_NOPE}
"""
    assert parse_text(text).roles["engineer"][0].secret is not None  # read when sending
    assert issues_of(text, check_secrets=True) == [
        "server.yaml:5: notifications.roles.engineer[0].secret: environment variable "
        "PATROL_TEST_NOPE is not set"
    ]


def test_an_inline_secret_is_never_echoed() -> None:
    text = f"""\
notifications:
  smtp:
    host: mail.example.cn
    from: p@example.cn
    starttls: true
    username: patrol
    password: {PASSWORD_VALUE}
"""
    (issue,) = issues_of(text)
    assert "never written inline" in issue
    assert PASSWORD_VALUE not in issue


# --- retry schedule ----------------------------------------------------------------------------


def test_retry_schedule_doubles_caps_and_stops() -> None:
    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    waits = [next_retry_at(n, now) for n in range(1, 9)]
    assert [w - now for w in waits[:7] if w] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 960, 1920)
    ]
    assert waits[7] is None  # the 8th attempt was the last
    capped = RetryPolicy(max_attempts=10, base_s=30, max_s=100)
    assert [next_retry_at(n, now, capped) - now for n in (1, 2, 3, 4)] == [  # type: ignore[operator]
        timedelta(seconds=s) for s in (30, 60, 100, 100)
    ]
    config = NotificationsConfig(retry=RetryPolicy(max_attempts=2, base_s=5, max_s=60))
    assert next_retry_at(1, now, config) == now + timedelta(seconds=5)
    assert next_retry_at(2, now, config) is None
    huge = RetryPolicy(max_attempts=10_000, base_s=30, max_s=3600)
    assert next_retry_at(5000, now, huge) == now + timedelta(hours=1)
    with pytest.raises(ValueError, match="from 1"):
        next_retry_at(0, now)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_retry_at(1, datetime(2025, 1, 6, 9, 0))


# --- routing and texts -------------------------------------------------------------------------


def test_targets_are_deduplicated_across_roles() -> None:
    config = parse_text(FULL_CONFIG)
    notifier = Notifier(config)
    message = Message("T-1", ("engineer", "cs_manager", "expert"), "s", "b", "escalated")
    labels = [target.label for target in notifier.targets_for(message)]
    assert labels[0] == "email:duty@example.cn"
    assert labels[2:] == ["email:manager@example.cn"]  # Duty@example.cn is duty@example.cn
    assert len(labels) == 3
    assert notifier.unrouted_roles(message) == ("expert",)
    assert notifier.target("email:manager@example.cn") == EmailTarget(
        "manager@example.cn", role="cs_manager"
    )
    assert notifier.target("email:nobody@example.cn") is None


def test_phone_subject_and_email_text() -> None:
    ticket, opened, escalated = escalated_ticket()
    message = Message.from_notify(escalated, ticket.to_dict(), tz=SHANGHAI)
    assert message.subject == (
        "[Patrol] L1 fz-hq-core-01 huawei.fans — escalated to step 2 "
        "(response deadline 10:30 missed)"
    )
    assert message.roles == ("cs_manager",)
    assert message.ticket_id == "T-000042" and message.reason == "escalated"
    assert message.body == escalated.body
    first = Message.from_notify(opened, ticket.to_dict(), tz=SHANGHAI)
    assert first.subject == "[Patrol] L1 fz-hq-core-01 huawei.fans — new fault, response due 10:30"
    bare = Message.from_notify(opened)
    assert bare.subject == f"[Patrol] {opened.subject}" and bare.ticket is None

    text = email_text(message, SHANGHAI)
    assert text.startswith(escalated.body)
    assert "-- Ticket facts (times in Asia/Shanghai) --" in text
    assert "Device:    fz-hq-core-01" in text
    assert "Level:     L1" in text
    assert "Response:  2025-01-06 10:30 — MISSED" in text
    assert "On site:   2025-01-06 10:30" in text
    assert email_text(bare, SHANGHAI).startswith(opened.body)
    assert "Ticket facts" not in email_text(bare, SHANGHAI)


def test_subjects_for_other_changes() -> None:
    policy = Policy()
    site = DeviceContext(name=None, customer="fz-bank", site="fz-br", zone="suburban")
    ticket, (registered,) = t.register(
        id="T-7",
        place=site,
        reporter={"name": "Lin Wei", "organisation": "fz-bank", "phone": "+86 591 0000 0000"},
        symptom="core switch beeping",
        channel="phone",
        actor="hotline",
        policy=policy,
        now=T0,
        level=2,
    )
    snapshot = ticket.to_dict()
    snapshot.pop("events")  # the outbox keeps the ticket without its timeline
    message = Message.from_notify(registered, snapshot, tz=SHANGHAI)
    assert message.subject == "[Patrol] L2 site fz-br — reported by phone, response due 12:30"
    # A message sent the next day shows the deadline's date.
    later = Message.from_notify(registered, snapshot, tz=SHANGHAI, at=T0 + timedelta(days=1))
    assert later.subject.endswith("response due 6 Jan 12:30")
    assert "Reporter:  Lin Wei (fz-bank, +86 591 0000 0000)" in email_text(message, SHANGHAI)

    monitored, _, _ = escalated_ticket()
    resolved, (note,) = t.resolve_by_monitoring(
        monitored, note="fans OK", policy=policy, now=T0 + 3 * timedelta(hours=1)
    )
    assert Message.from_notify(note, resolved.to_dict(), tz=SHANGHAI).subject == (
        "[Patrol] L1 fz-hq-core-01 huawei.fans — recovered, follow-up watch begins"
    )
    complained, (grumble,) = t.complaint(
        resolved,
        text="nobody came",
        actor="hotline",
        policy=policy,
        now=T0 + 4 * timedelta(hours=1),
    )
    assert grumble.roles == ("admin",)
    assert Message.from_notify(grumble, complained.to_dict(), tz=SHANGHAI).subject == (
        "[Patrol] L1 fz-hq-core-01 huawei.fans — customer complaint"
    )


def test_payload_and_signature() -> None:
    message = sample_message()
    payload = webhook_payload(message)
    assert set(payload) == {"ticket_id", "roles", "subject", "body", "reason", "ticket"}
    assert payload["roles"] == ["cs_manager"]
    assert payload["ticket"]["device"] == "fz-hq-core-01"
    body = b'{"a":1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sign(body, "k") == f"sha256={expected}"
    assert Message.from_dict(json.loads(json.dumps(message.to_dict()))) == message


def test_redacted_urls() -> None:
    assert redact_url("https://u:p@hooks.example.cn:8443/a/b?token=x#f").startswith(
        "https://hooks.example.cn:8443/a/b?…#"
    )
    assert redact_url("http://127.0.0.1/a") == "http://127.0.0.1/a"
    assert redact_url("http://h/a?x=1") != redact_url("http://h/a?x=2")


# --- a real HTTP receiver ----------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers each POST with the next planned reply."""

    url: str
    plan: list[tuple[int, float]]  # (status, seconds to stall first) per request; last repeats
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    servers: list[tuple[ThreadingHTTPServer, Receiver]] = []

    def start(*plan: tuple[int, float], location: str | None = None) -> Receiver:
        state = Receiver(url="", plan=list(plan) or [(200, 0.0)])

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                state.received.append(Received(self.path, dict(self.headers.items()), body))
                index = min(len(state.received), len(state.plan)) - 1
                status, stall = state.plan[index]
                if stall:
                    state.release.wait(stall)  # released at teardown: no thread outlives long
                with contextlib.suppress(OSError):
                    answer = b"receiver says no" if status >= 400 else b"ok"
                    self.send_response(status)
                    if location:
                        self.send_header("Location", location)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/patrol"
        servers.append((server, state))
        return state

    yield start
    for server, state in servers:
        state.release.set()
        server.shutdown()
        server.server_close()


def webhook_config(url: str, **extra: Any) -> NotificationsConfig:
    target = {"webhook": url, **extra}
    return parse_notifications({"roles": {"cs_manager": [target]}}, "test")


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.integration
def test_webhook_posts_signed_json(
    receiver: Callable[..., Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATROL_TEST_HOOK_SECRET", SECRET_VALUE)
    monkeypatch.setenv("PATROL_TEST_HOOK_TOKEN", TOKEN_VALUE)
    rx = receiver((204, 0.0))
    config = webhook_config(
        rx.url,
        secret={"env": "PATROL_TEST_HOOK_SECRET"},
        headers={"Authorization": {"env": "PATROL_TEST_HOOK_TOKEN"}, "X-Team": "noc"},
    )
    at = datetime(2025, 1, 6, 2, 31, tzinfo=UTC)
    notifier = Notifier(config, clock=lambda: at)
    message = sample_message()
    (attempt,) = notifier.deliver_all(message)
    assert attempt == DeliveryAttempt(f"webhook:{rx.url}", True, None, at, 204)
    (request,) = rx.received
    assert request.path == "/hooks/patrol"
    payload = json.loads(request.body)
    assert payload == webhook_payload(message)
    assert payload["subject"].startswith("[Patrol] L1 fz-hq-core-01 huawei.fans — escalated")
    headers = {k.lower(): v for k, v in request.headers.items()}
    expected = hmac.new(SECRET_VALUE.encode(), request.body, hashlib.sha256).hexdigest()
    assert headers["x-patrol-signature"] == f"sha256={expected}"
    assert headers["authorization"] == TOKEN_VALUE
    assert headers["x-team"] == "noc"
    assert headers["content-type"].startswith("application/json")
    assert headers["x-patrol-event"] == "escalated"
    assert headers["x-patrol-ticket"] == "T-000042"
    assert headers["x-patrol-delivery"] == "outbox-17"
    assert SECRET_VALUE not in repr(attempt) and TOKEN_VALUE not in repr(config)


@pytest.mark.integration
def test_webhook_that_fails_first_then_accepts(receiver: Callable[..., Receiver]) -> None:
    rx = receiver((500, 0.0), (200, 0.0))
    config = webhook_config(rx.url)
    notifier = Notifier(config)
    message = sample_message()
    (target,) = notifier.targets_for(message)
    first = notifier.deliver(message, target)
    assert not first.ok and first.status_code == 500
    port = rx.url.split(":")[2].split("/")[0]
    assert first.error == (
        f"HTTP 500 Internal Server Error from 127.0.0.1:{port}: receiver says no"
    )
    # The sender loop asks when to try again, then tries the same target again.
    retry_at = next_retry_at(1, first.at, config)
    assert retry_at == first.at + timedelta(seconds=30)
    second = notifier.deliver(message, notifier.target(first.target))  # type: ignore[arg-type]
    assert second.ok and second.error is None and second.status_code == 200
    assert len(rx.received) == 2
    assert rx.received[0].body == rx.received[1].body  # the same message, byte for byte


@pytest.mark.integration
def test_slow_webhook_times_out_instead_of_hanging(receiver: Callable[..., Receiver]) -> None:
    rx = receiver((200, 30.0))
    notifier = Notifier(webhook_config(rx.url, timeout=0.3))
    (attempt,) = notifier.deliver_all(sample_message())
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None
    assert attempt.error.startswith("no answer from 127.0.0.1:")
    assert attempt.error.endswith("within 0.3 s")


@pytest.mark.integration
def test_refused_connection_and_redirect(receiver: Callable[..., Receiver]) -> None:
    port = free_tcp_port()
    notifier = Notifier(webhook_config(f"http://127.0.0.1:{port}/hook", timeout=2))
    (refused,) = notifier.deliver_all(sample_message())
    assert not refused.ok
    assert refused.error == f"127.0.0.1:{port}: connection refused"

    rx = receiver((302, 0.0), location="http://127.0.0.1:1/elsewhere")
    (moved,) = Notifier(webhook_config(rx.url)).deliver_all(sample_message())
    assert not moved.ok and moved.status_code == 302
    assert moved.error is not None and "redirects are not followed" in moved.error
    assert len(rx.received) == 1


@pytest.mark.integration
def test_secrets_never_reach_attempts_errors_or_logs(
    receiver: Callable[..., Receiver],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs request lines, query included, at DEBUG
    monkeypatch.setenv("PATROL_TEST_HOOK_SECRET", SECRET_VALUE)
    monkeypatch.setenv("PATROL_TEST_HOOK_TOKEN", TOKEN_VALUE)
    rx = receiver((500, 0.0))
    down = f"http://127.0.0.1:{free_tcp_port()}/hook?token={QUERY_TOKEN}"
    monkeypatch.setenv("PATROL_TEST_HOOK_URL", f"{rx.url}/{QUERY_TOKEN}-path")
    config = parse_notifications(
        {
            "roles": {
                "engineer": [
                    {
                        "webhook": f"{rx.url}?token={QUERY_TOKEN}",
                        "secret": {"env": "PATROL_TEST_HOOK_SECRET"},
                        "headers": {"Authorization": {"env": "PATROL_TEST_HOOK_TOKEN"}},
                    },
                    {"webhook": down, "timeout": 2},
                    {"webhook": {"env": "PATROL_TEST_HOOK_URL"}},
                    {"webhook": "http://127.0.0.1:9/x", "secret": {"env": "PATROL_TEST_UNSET"}},
                ]
            }
        },
        "test",
    )
    monkeypatch.delenv("PATROL_TEST_UNSET", raising=False)
    message = Message("T-1", ("engineer",), "subject", "body", "opened")
    attempts = Notifier(config).deliver_all(message)
    assert [a.ok for a in attempts] == [False, False, False, False]
    assert attempts[2].target == "webhook:env:PATROL_TEST_HOOK_URL"
    assert attempts[3].error is not None and "PATROL_TEST_UNSET is not set" in attempts[3].error
    assert len(rx.received) == 2  # the receiver did get the secrets: they are meant for it
    shown = [repr(a) for a in attempts] + [json.dumps(a.to_dict()) for a in attempts]
    shown += [record.getMessage() for record in caplog.records]
    shown += [repr(config)]
    assert any(record.name == "patrol.notify" for record in caplog.records)
    for text in shown:
        for secret in (SECRET_VALUE, TOKEN_VALUE, QUERY_TOKEN):
            assert secret not in text, text


# --- a real SMTP server ------------------------------------------------------------------------


class LoopbackController(Controller):
    """aiosmtpd's Controller on a port the OS picks (it would otherwise need one up front)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Mailbox:
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.original_content or envelope.content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost it signed."""
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Patrol test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    pki.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(pki.key_file, 0o600)
    return pki


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Mailbox, int]]]:
    controllers: list[Controller] = []

    def start(**kwargs: Any) -> tuple[Mailbox, int]:
        mailbox = Mailbox()
        controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, **kwargs)
        controller.start()
        controllers.append(controller)
        return mailbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def smtp_config(port: int, **smtp: Any) -> NotificationsConfig:
    section = {
        "timezone": "Asia/Shanghai",
        "smtp": {"host": "127.0.0.1", "port": port, "from": "Patrol <patrol@example.cn>", **smtp},
        "roles": {"cs_manager": [{"email": "manager@example.cn"}]},
    }
    return parse_notifications(section, "test")


@pytest.mark.integration
def test_email_plain(smtp_server: Callable[..., tuple[Mailbox, int]]) -> None:
    mailbox, port = smtp_server()
    at = datetime(2025, 1, 6, 2, 31, tzinfo=UTC)
    notifier = Notifier(smtp_config(port, timeout=5), clock=lambda: at)
    message = sample_message()
    (attempt,) = notifier.deliver_all(message)
    assert attempt == DeliveryAttempt("email:manager@example.cn", True, None, at, 250)
    ((sender, recipients, mail),) = mailbox.messages
    assert sender == "patrol@example.cn" and recipients == ["manager@example.cn"]
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == (
        "[Patrol] L1 fz-hq-core-01 huawei.fans — escalated to step 2 "
        "(response deadline 10:30 missed)"
    )
    assert mail["From"] == "Patrol <patrol@example.cn>"
    assert mail["To"] == "manager@example.cn"
    assert parsedate_to_datetime(mail["Date"]) == at
    assert mail["Message-ID"].startswith("<patrol.") and mail["Message-ID"].endswith("@example.cn>")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "text/plain"
    text = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    assert "SLA breach: response deadline" in text
    assert "Device:    fz-hq-core-01" in text
    assert "Response:  2025-01-06 10:30 — MISSED" in text
    # A retry of the same outbox message carries the same Message-ID.
    notifier.deliver_all(message)
    assert mailbox.messages[1][2]["Message-ID"] == mail["Message-ID"]


@pytest.mark.integration
def test_email_over_starttls(smtp_server: Callable[..., tuple[Mailbox, int]], pki: Pki) -> None:
    mailbox, port = smtp_server(tls_context=pki.server_context(), require_starttls=True)
    trusted = Notifier(smtp_config(port, starttls=True, ca_file=str(pki.ca_file), timeout=5))
    (attempt,) = trusted.deliver_all(sample_message())
    assert attempt.ok, attempt.error
    assert len(mailbox.messages) == 1
    # Verification is on by default: the system CAs do not know this server's CA.
    untrusted = Notifier(smtp_config(port, starttls=True, timeout=5))
    (refused,) = untrusted.deliver_all(sample_message())
    assert not refused.ok
    assert refused.error is not None
    assert refused.error.startswith(f"mail server 127.0.0.1:{port}: TLS certificate not trusted")
    assert "ca_file" in refused.error
    # A server that requires STARTTLS refuses a client that does not use it.
    (plain,) = Notifier(smtp_config(port, timeout=5)).deliver_all(sample_message())
    assert not plain.ok and plain.status_code == 530
    assert len(mailbox.messages) == 1
    # And a client that requires STARTTLS refuses a server that does not offer it.
    _, bare_port = smtp_server()
    (no_tls,) = Notifier(smtp_config(bare_port, starttls=True, timeout=5)).deliver_all(
        sample_message()
    )
    assert no_tls.error == f"mail server 127.0.0.1:{bare_port} does not offer STARTTLS"


@pytest.mark.integration
def test_email_with_auth_over_starttls(
    smtp_server: Callable[..., tuple[Mailbox, int]],
    pki: Pki,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    logins: list[tuple[str, bool]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        good = data.login == b"patrol" and data.password == PASSWORD_VALUE.encode()
        logins.append((data.login.decode(), good))
        return AuthResult(success=good, handled=False)  # aiosmtpd answers 535

    mailbox, port = smtp_server(
        tls_context=pki.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    monkeypatch.setenv("PATROL_TEST_SMTP_PASSWORD", PASSWORD_VALUE)
    settings = {
        "starttls": True,
        "ca_file": str(pki.ca_file),
        "username": "patrol",
        "password": {"env": "PATROL_TEST_SMTP_PASSWORD"},
        "timeout": 5,
    }
    notifier = Notifier(smtp_config(port, **settings))
    (attempt,) = notifier.deliver_all(sample_message())
    assert attempt.ok, attempt.error
    assert logins == [("patrol", True)] and len(mailbox.messages) == 1

    monkeypatch.setenv("PATROL_TEST_SMTP_PASSWORD", "wrong-" + PASSWORD_VALUE)
    (denied,) = notifier.deliver_all(sample_message())
    assert not denied.ok and denied.status_code == 535
    assert denied.error is not None
    assert denied.error.startswith(f"mail server 127.0.0.1:{port} refused the login of user patrol")
    monkeypatch.delenv("PATROL_TEST_SMTP_PASSWORD")
    (unset,) = notifier.deliver_all(sample_message())
    assert unset.error is not None and "PATROL_TEST_SMTP_PASSWORD is not set" in unset.error
    assert len(mailbox.messages) == 1
    shown = [repr(a) for a in (attempt, denied, unset)]
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        assert PASSWORD_VALUE not in text, text


@pytest.mark.integration
def test_email_server_down() -> None:
    port = free_tcp_port()
    (attempt,) = Notifier(smtp_config(port, timeout=2)).deliver_all(sample_message())
    assert not attempt.ok
    assert attempt.error == f"mail server 127.0.0.1:{port}: connection refused"


@pytest.mark.integration
def test_deliver_all_mixes_email_and_webhook(
    smtp_server: Callable[..., tuple[Mailbox, int]], receiver: Callable[..., Receiver]
) -> None:
    mailbox, port = smtp_server()
    rx = receiver((200, 0.0))
    section = {
        "smtp": {"host": "127.0.0.1", "port": port, "from": "patrol@example.cn"},
        "roles": {
            "cs_manager": [{"email": "manager@example.cn"}, {"webhook": rx.url}],
            "general_manager": [{"email": "MANAGER@example.cn"}, {"email": "gm@example.cn"}],
        },
    }
    notifier = Notifier(parse_notifications(section, "test"))
    message = Message("T-9", ("cs_manager", "general_manager"), "s", "b", "complaint")
    attempts = notifier.deliver_all(message)
    assert [(a.target, a.ok) for a in attempts] == [
        ("email:manager@example.cn", True),
        (f"webhook:{rx.url}", True),
        ("email:gm@example.cn", True),
    ]
    assert sorted(r for _, rcpts, _ in mailbox.messages for r in rcpts) == [
        "gm@example.cn",
        "manager@example.cn",
    ]
    assert SmtpConfig().host is None
