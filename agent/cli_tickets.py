"""`patrol tickets ...` (the engineer's fault-ticket commands) and `patrol sweep --push`.

agent/cli.py mounts `tickets_app` as `patrol tickets` and calls `push_reports` for
`patrol sweep --push`. Everything goes through the server's HTTP API (agent/api_client.py);
nothing here imports server/.

    tickets_app                       open, list, show, ack, dispatch, arrive, resolve, confirm,
                                      comment, complaint, escalate, satisfaction
    push_reports(reports, client, spool) -> PushOutcome
    parse_eta(text, now), parse_part(text), sla_countdown(ticket, now)

Exit codes: 0 done; 1 the server refused the operation (409: the ticket's state does not allow
it, reason printed; also 403, 404, 5xx); 2 usage or configuration errors (bad options, no server
or token configured, the token refused (401), input the server rejected (422)); 3 the server
cannot be reached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.api_client import ApiClient, ApiError, ClientConfigError, ServerUnreachable
from agent.spool import DrainOutcome, Spool, SpoolError

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
ACTIVE_STATES = ("open", "acknowledged", "dispatched", "on_site")
LEVEL_STYLES = {1: "bold red", 2: "red", 3: "yellow", 4: "cyan"}
SOON = timedelta(minutes=30)  # a deadline closer than this is shown in yellow

tickets_app = typer.Typer(
    name="tickets",
    help="Fault tickets on the Patrol server: register, list, show, and move them along.",
    no_args_is_help=True,
    add_completion=False,
)


def _now() -> datetime:
    """The clock (tests replace it)."""
    return datetime.now(UTC)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> NoReturn:
    _err().print(Text.assemble(("error", "bold red"), f": {message}"))
    raise typer.Exit(code)


def exit_code_for(exc: ApiError) -> int:
    if isinstance(exc, ServerUnreachable) or exc.status is None:
        return EXIT_UNREACHABLE
    if exc.status in (401, 422):
        return EXIT_USAGE
    return EXIT_REFUSED


@contextmanager
def _api_errors() -> Iterator[None]:
    """Operator-readable errors with the documented exit codes, never a traceback."""
    try:
        yield
    except ClientConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except SpoolError as exc:
        _fail(str(exc), EXIT_USAGE)
    except ApiError as exc:
        _fail(exc.reason, exit_code_for(exc))


@dataclass
class _Options:
    server: str | None = None
    insecure: bool | None = None
    client: ApiClient | None = None

    def api(self) -> ApiClient:
        if self.client is None:
            self.client = ApiClient.from_env_or_config(server=self.server, insecure=self.insecure)
        return self.client


@tickets_app.callback()
def _main(
    ctx: typer.Context,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Patrol server URL (default: $PATROL_SERVER, else `server:` in "
            "~/.config/patrol/config.yaml). The token comes from $PATROL_TOKEN or that file.",
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow plain http to a non-loopback server (the token travels in clear); "
            "also PATROL_INSECURE=1.",
        ),
    ] = False,
) -> None:
    ctx.obj = _Options(server=server, insecure=True if insecure else None)


def _api(ctx: typer.Context) -> ApiClient:
    options = ctx.find_object(_Options) or _Options()
    return options.api()


# --- parsing options ------------------------------------------------------------------------

_RELATIVE = re.compile(r"^\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_eta(text: str, now: datetime) -> datetime:
    """`+2h`, `+90m`, `+1h30m`, `+1d` from now, or an ISO-8601 time (local time when it names
    no zone). ValueError says what is expected."""
    text = text.strip()
    match = _RELATIVE.match(text)
    if match and any(match.groups()):
        days, hours, minutes = (int(g or 0) for g in match.groups())
        return now + timedelta(days=days, hours=hours, minutes=minutes)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--eta {text!r}: expected +2h, +90m, +1h30m, +1d or a time such as "
            f"2025-03-01T14:30 (local) or 2025-03-01T06:30Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the operator's local time
    return moment


def parse_part(text: str) -> dict[str, Any]:
    """`NAME:QTY:PRICE` (the name may hold colons) -> {name, qty, price}."""
    pieces = text.rsplit(":", 2)
    if len(pieces) != 3 or not pieces[0].strip():
        raise ValueError(f"--part {text!r}: expected NAME:QTY:PRICE, e.g. 'PSU 350W:1:1200'")
    name, qty_text, price_text = pieces
    try:
        qty = int(qty_text)
        price = float(price_text)
    except ValueError:
        raise ValueError(
            f"--part {text!r}: QTY must be a whole number and PRICE a number"
        ) from None
    if qty < 1 or price < 0:
        raise ValueError(f"--part {text!r}: QTY must be 1 or more and PRICE 0 or more")
    return {"name": name.strip(), "qty": qty, "price": price}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _local(value: object) -> str:
    moment = _parse_time(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


# --- rendering ------------------------------------------------------------------------------


def format_span(span: timedelta) -> str:
    """2d3h, 1h12m, 25m, 0m: the largest two units."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{mins:02d}m" if mins else f"{hours}h"
    return f"{mins}m"


def pending_deadline(ticket: Mapping[str, Any]) -> tuple[str, datetime] | None:
    """The deadline the ticket is racing now: response until someone responded, then on-site
    until someone arrived; None when none is running (resolved, on site, level 4 responded)."""
    state = ticket.get("state")
    if state not in ACTIVE_STATES:
        return None
    if "responded_at" in ticket:
        responded = ticket.get("responded_at") is not None
    else:
        responded = state != "open"
    if not responded:
        due = _parse_time(ticket.get("response_due"))
        if due is not None:
            return "response", due
    if state != "on_site" and not ticket.get("arrived_at"):
        due = _parse_time(ticket.get("onsite_due"))
        if due is not None:
            return "on-site", due
    return None


def sla_countdown(ticket: Mapping[str, Any], now: datetime) -> Text:
    """`response 1h12m` (yellow under 30 min), `on-site overdue 25m` in red, or `—`."""
    pending = pending_deadline(ticket)
    if pending is None:
        return Text("—", style="dim")
    kind, due = pending
    left = due - now
    if left <= timedelta(0):
        return Text(f"{kind} overdue {format_span(left)}", style="bold red")
    return Text(f"{kind} {format_span(left)}", style="yellow" if left < SOON else "")


def _level(ticket: Mapping[str, Any]) -> Text:
    level = ticket.get("level")
    return Text(f"L{level}", style=LEVEL_STYLES.get(level, "")) if level else Text("—")


def _where(ticket: Mapping[str, Any]) -> str:
    return str(ticket.get("device") or f"site {ticket.get('site') or '?'}")


def _what(ticket: Mapping[str, Any]) -> str:
    check, item = ticket.get("check"), ticket.get("item")
    if not check:
        return "—"
    return f"{check} [{item}]" if item else str(check)


def short_summary(ticket: Mapping[str, Any]) -> str:
    """The summary without the device/check/item the table's other columns already show."""
    summary = str(ticket.get("summary", ""))
    for prefix in (
        f"{ticket.get('device')} {ticket.get('check')} {ticket.get('item')}:",
        f"{ticket.get('device')} {ticket.get('check')}:",
        f"{ticket.get('device')} {ticket.get('check')}",
    ):
        if summary.startswith(prefix) and len(summary) > len(prefix):
            return summary[len(prefix) :].strip()
    return summary


def _with_related(ticket: Mapping[str, Any]) -> Text:
    """The ticket id, and how many other live tickets its device has (one visit may do)."""
    text = Text(str(ticket.get("id", "?")))
    related = ticket.get("related") or []
    if related:
        text.append(f" +{len(related)}", style="dim")
    return text


def tickets_table(tickets: Sequence[Mapping[str, Any]], now: datetime) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for name in ("ticket", "level", "state", "device", "check", "summary", "SLA", "step"):
        table.add_column(name, overflow="fold")
    for ticket in tickets:
        table.add_row(
            _with_related(ticket),
            _level(ticket),
            str(ticket.get("state", "?")),
            _where(ticket),
            _what(ticket),
            short_summary(ticket),
            sla_countdown(ticket, now),
            str(ticket.get("escalation_step", "")),
        )
    return table


def print_ticket(console: Console, ticket: Mapping[str, Any], now: datetime) -> None:
    """The ticket's fields, then its timeline."""
    head = Text.assemble(
        (str(ticket.get("id", "?")), "bold"),
        "  ",
        _level(ticket),
        f"  {ticket.get('state', '?')}  escalation step {ticket.get('escalation_step', '?')}",
    )
    console.print(head)
    rows: list[tuple[str, str | Text]] = [
        ("customer", f"{ticket.get('customer', '?')}"),
        (
            "site",
            f"{ticket.get('site', '?')}" + (f" ({ticket['zone']})" if ticket.get("zone") else ""),
        ),
        ("device", str(ticket.get("device") or "— (whole site)")),
        ("check", _what(ticket)),
        ("summary", str(ticket.get("summary", ""))),
        ("opened", _local(ticket.get("opened_at"))),
        ("response due", _local(ticket.get("response_due"))),
        ("on-site due", _local(ticket.get("onsite_due"))),
        ("SLA", sla_countdown(ticket, now)),
    ]
    if ticket.get("related"):
        rows.append(
            ("same device", ", ".join(ticket["related"]) + " (live: one visit may fix them all)")
        )
    reporter = ticket.get("reporter")
    if isinstance(reporter, Mapping):
        who = ", ".join(
            str(reporter[k]) for k in ("name", "organisation", "phone", "email") if reporter.get(k)
        )
        channel = ticket.get("channel")
        rows.append(("reporter", who + (f" (by {channel})" if channel else "")))
    dispatch = ticket.get("dispatch")
    if isinstance(dispatch, Mapping):
        rows.append(
            ("dispatched", f"{dispatch.get('engineer')}, ETA {_local(dispatch.get('eta'))}")
        )
    charges = ticket.get("charges")
    if isinstance(charges, Mapping) and (charges.get("parts") or charges.get("labour_hours")):
        parts = ", ".join(
            f"{p.get('name')} x{p.get('qty')} @ {p.get('price')}" for p in charges.get("parts", [])
        )
        rows.append(
            (
                "charges",
                f"total {charges.get('total')} {charges.get('currency', '')}"
                + (f"; parts: {parts}" if parts else "")
                + f"; labour {charges.get('labour_hours', 0)} h",
            )
        )
    if ticket.get("satisfaction") is not None:
        rows.append(("satisfaction", f"{ticket['satisfaction']}/5"))
    for breach in ticket.get("breaches") or []:
        rows.append(
            (
                "breach",
                Text(
                    f"{breach.get('kind')} due {_local(breach.get('due'))}, recorded "
                    f"{_local(breach.get('at'))}, escalated to step {breach.get('step')}",
                    style="red",
                ),
            )
        )
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim")
    fields.add_column()
    for name, value in rows:
        fields.add_row(name, value)
    console.print(fields)
    events = ticket.get("events") or []
    console.print()
    timeline = Table(title="timeline", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("at", "event", "by", "note"):
        timeline.add_column(name, overflow="fold")
    for event in events:
        timeline.add_row(
            _local(event.get("at")),
            str(event.get("kind", "")),
            str(event.get("actor", "")),
            str(event.get("note", "")),
        )
    console.print(timeline if events else Text("no events", style="dim"))


def _ticket_of(answer: Any) -> dict[str, Any]:
    if isinstance(answer, Mapping) and isinstance(answer.get("ticket"), Mapping):
        return dict(answer["ticket"])
    return dict(answer) if isinstance(answer, Mapping) else {}


def _done(answer: Any) -> None:
    """One line: `T-17 acknowledged (now acknowledged): note`."""
    ticket = _ticket_of(answer)
    events = ticket.get("events") or []
    last = events[-1] if events else {}
    line = Text.assemble(
        (str(ticket.get("id", "?")), "bold"),
        f" {last.get('kind', 'updated')}",
        (f" (now {ticket.get('state', '?')})", "dim"),
    )
    if last.get("note"):
        line.append(f": {last['note']}")
    _out().print(line)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


# --- commands -------------------------------------------------------------------------------


class Channel(StrEnum):
    phone = "phone"
    email = "email"
    fax = "fax"
    web = "web"


IdArg = Annotated[str, typer.Argument(help="Ticket id, e.g. T-17.", show_default=False)]
NoteOpt = Annotated[
    str | None, typer.Option("--note", "-n", help="A note for the timeline.", show_default=False)
]


@tickets_app.command("open")
def open_ticket(
    ctx: typer.Context,
    symptom: Annotated[
        str, typer.Option("--symptom", help="What the customer reports.", show_default=False)
    ],
    reporter_name: Annotated[
        str, typer.Option("--reporter-name", help="Who called or wrote in.", show_default=False)
    ],
    device: Annotated[
        str | None, typer.Option("--device", help="The device concerned.", show_default=False)
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(
            "--site", help="The site, when no single device is named.", show_default=False
        ),
    ] = None,
    org: Annotated[str, typer.Option("--org", help="The reporter's organisation.")] = "",
    phone: Annotated[str, typer.Option("--phone", help="The reporter's phone.")] = "",
    email: Annotated[str, typer.Option("--email", help="The reporter's e-mail.")] = "",
    channel: Annotated[
        Channel, typer.Option("--channel", help="How the fault was reported.")
    ] = Channel.phone,
    level: Annotated[
        int | None,
        typer.Option(
            "--level",
            min=1,
            max=4,
            help="Fault level 1-4 (default: the server's policy proposes one from the device).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        str | None,
        typer.Option(
            "--check",
            help="The check concerned, when known (a later automatic failure of it attaches "
            "to this ticket).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ticket as JSON.")] = False,
) -> None:
    """Register a ticket by hand: a customer called the hotline or wrote in."""
    if not device and not site:
        _fail("name the --device, or the --site when no single device is concerned", EXIT_USAGE)
    reporter = {"name": reporter_name, "organisation": org, "phone": phone, "email": email}
    with _api_errors():
        answer = _api(ctx).register_ticket(
            reporter=reporter,
            symptom=symptom,
            channel=channel.value,
            device=device,
            site=site,
            level=level,
            check=check,
        )
    ticket = _ticket_of(answer)
    if as_json:
        _print_json(ticket)
        return
    onsite = ticket.get("onsite_due")
    _out().print(
        Text.assemble(
            "registered ",
            (str(ticket.get("id", "?")), "bold"),
            " ",
            _level(ticket),
            f" for {_where(ticket)}: response due {_local(ticket.get('response_due'))}",
            f", on-site due {_local(onsite)}" if onsite else "",
        )
    )


@tickets_app.command("list")
def list_tickets(
    ctx: typer.Context,
    device: Annotated[str | None, typer.Option("--device", show_default=False)] = None,
    customer: Annotated[str | None, typer.Option("--customer", show_default=False)] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="open, acknowledged, dispatched, on_site, resolved or confirmed.",
            show_default=False,
        ),
    ] = None,
    level: Annotated[int | None, typer.Option("--level", min=1, max=4, show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tickets as JSON.")] = False,
) -> None:
    """The tickets, with an SLA countdown: time left to the response or on-site deadline."""
    with _api_errors():
        tickets = _api(ctx).tickets(device=device, customer=customer, state=state, level=level)
    if as_json:
        _print_json(tickets)
        return
    console = _out()
    if not tickets:
        console.print("no tickets match")
        return
    console.print(tickets_table(tickets, _now()))
    console.print(Text(f"{len(tickets)} ticket{'s' if len(tickets) != 1 else ''}", style="dim"))


@tickets_app.command("show")
def show_ticket(
    ctx: typer.Context,
    ticket_id: IdArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ticket as JSON.")] = False,
) -> None:
    """A ticket and its timeline."""
    with _api_errors():
        ticket = _ticket_of(_api(ctx).ticket(ticket_id))
    if as_json:
        _print_json(ticket)
        return
    print_ticket(_out(), ticket, _now())


def _with_note(body: dict[str, Any], note: str | None) -> dict[str, Any]:
    if note:
        body["note"] = note
    return body


@tickets_app.command("ack")
def ack(ctx: typer.Context, ticket_id: IdArg, note: NoteOpt = None) -> None:
    """Acknowledge: the service centre has taken the fault in hand (the response)."""
    with _api_errors():
        _done(_api(ctx).ack(ticket_id, _with_note({}, note)))


@tickets_app.command("dispatch")
def dispatch(
    ctx: typer.Context,
    ticket_id: IdArg,
    engineer: Annotated[
        str, typer.Option("--engineer", help="Who goes on site.", show_default=False)
    ],
    eta: Annotated[
        str,
        typer.Option(
            "--eta",
            help="Expected arrival: +2h, +90m, +1d, or an ISO time (local unless it names a zone).",
            show_default=False,
        ),
    ],
    note: NoteOpt = None,
) -> None:
    """Send an engineer on site (again, to replace the one sent before)."""
    try:
        when = parse_eta(eta, _now())
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)
    body = _with_note({"engineer": engineer, "eta": _iso(when)}, note)
    with _api_errors():
        _done(_api(ctx).dispatch(ticket_id, body))


@tickets_app.command("arrive")
def arrive(ctx: typer.Context, ticket_id: IdArg, note: NoteOpt = None) -> None:
    """The dispatched engineer is on site."""
    with _api_errors():
        _done(_api(ctx).arrive(ticket_id, _with_note({}, note)))


@tickets_app.command("resolve")
def resolve(
    ctx: typer.Context,
    ticket_id: IdArg,
    notes: Annotated[
        str, typer.Option("--notes", help="How the fault was handled.", show_default=False)
    ],
    part: Annotated[
        list[str] | None,
        typer.Option(
            "--part",
            help="A part used, NAME:QTY:PRICE (unit price); repeatable.",
            show_default=False,
        ),
    ] = None,
    labour_hours: Annotated[
        float | None,
        typer.Option("--labour-hours", min=0, help="Hours of labour.", show_default=False),
    ] = None,
) -> None:
    """The fault is fixed: how, with the parts and labour for the charges."""
    try:
        parts = [parse_part(p) for p in part or []]
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)
    body: dict[str, Any] = {"notes": notes, "parts": parts}
    if labour_hours is not None:
        body["labour_hours"] = labour_hours
    with _api_errors():
        _done(_api(ctx).resolve(ticket_id, body))


@tickets_app.command("confirm")
def confirm(
    ctx: typer.Context,
    ticket_id: IdArg,
    satisfaction: Annotated[
        int,
        typer.Option(
            "--satisfaction", min=1, max=5, help="The customer's score, 1-5.", show_default=False
        ),
    ],
    note: NoteOpt = None,
) -> None:
    """The customer confirms the fix (before the 24 h follow-up ends), with their score."""
    with _api_errors():
        _done(_api(ctx).confirm(ticket_id, _with_note({"satisfaction": satisfaction}, note)))


@tickets_app.command("comment")
def comment(
    ctx: typer.Context,
    ticket_id: IdArg,
    note: Annotated[str, typer.Argument(help="The remark.", show_default=False)],
) -> None:
    """A remark in the ticket's timeline (any state)."""
    with _api_errors():
        _done(_api(ctx).comment(ticket_id, {"note": note}))


@tickets_app.command("complaint")
def complaint(
    ctx: typer.Context,
    ticket_id: IdArg,
    text: Annotated[str, typer.Argument(help="The customer's complaint.", show_default=False)],
) -> None:
    """Record a customer's complaint (e.g. a missed deadline); the admin role is told at once."""
    with _api_errors():
        _done(_api(ctx).complaint(ticket_id, {"text": text}))


@tickets_app.command("escalate")
def escalate(ctx: typer.Context, ticket_id: IdArg, note: NoteOpt = None) -> None:
    """Climb one step of the escalation ladder by hand (e.g. the engineer on site needs the
    vendor's experts); the roles of the new step are told. Not an SLA breach."""
    with _api_errors():
        _done(_api(ctx).escalate(ticket_id, _with_note({}, note)))


@tickets_app.command("satisfaction")
def satisfaction(
    ctx: typer.Context,
    ticket_id: IdArg,
    score: Annotated[
        int,
        typer.Option("--score", min=1, max=5, help="The survey's score, 1-5.", show_default=False),
    ],
    note: NoteOpt = None,
) -> None:
    """Record the customer survey's score on a resolved or confirmed ticket (the survey often
    comes after monitoring confirmed the fix)."""
    with _api_errors():
        _done(_api(ctx).satisfaction(ticket_id, _with_note({"satisfaction": score}, note)))


# --- patrol sweep --push --------------------------------------------------------------------


@dataclass
class PushOutcome:
    """What `patrol sweep --push` did: the sweep's results spooled, then the spool drained."""

    results: int  # results in the sweep
    spooled: int  # of those, written to the spool (0 when the spool could not be written)
    server: str
    spool_dir: str
    drain: DrainOutcome = field(default_factory=DrainOutcome)
    spool_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.spool_error is None and self.drain.complete and not self.drain.rejected

    @property
    def exit_code(self) -> int:
        """0 all acknowledged; 3 unreachable (kept in the spool); 1 anything else."""
        if self.ok:
            return 0
        return EXIT_UNREACHABLE if self.drain.unreachable else EXIT_REFUSED

    def describe(self) -> str:
        drain = self.drain
        if self.spool_error is not None:
            return f"results not pushed: {self.spool_error}"
        parts = []
        if drain.batches_sent or not drain.error:
            parts.append(
                f"pushed {drain.accepted + drain.duplicates} results to {self.server} "
                f"({drain.accepted} new, {drain.duplicates} already there)"
            )
        if drain.rejected:
            reasons = "; ".join(sorted({b.reason for b in drain.rejected_batches if b.count}))
            parts.append(
                f"{drain.rejected} results refused by the server, kept in "
                f"{self.spool_dir}/rejected ({reasons})"
            )
        if drain.busy:
            parts.append("another push is draining the spool right now")
        if drain.error is not None:
            parts.append(drain.error.reason)
        if drain.waiting:
            parts.append(
                f"{drain.waiting} results wait in {self.spool_dir} (sent by the next push)"
            )
        return "; ".join(parts)


def flatten_results(
    reports: Sequence[Mapping[str, Any]] | Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The Result dicts of a sweep's DeviceReport dicts, in order (a report may also be given
    as {"devices": [...]}, the `patrol sweep --json` file)."""
    listed = reports.get("devices", []) if isinstance(reports, Mapping) else reports
    out: list[dict[str, Any]] = []
    for report in listed:
        for result in report.get("results") or []:
            out.append(dict(result))
    return out


def push_reports(
    reports_json: Sequence[Mapping[str, Any]],
    client: ApiClient,
    spool: Spool,
    *,
    batch_size: int = 500,
) -> PushOutcome:
    """Spool a sweep's results (durably), then drain the spool to the server (older batches a
    failed push left behind go first). Never raises for the server or the disk: the outcome
    says what happened; `describe()` is one line for the operator."""
    results = flatten_results(reports_json)
    outcome = PushOutcome(
        results=len(results), spooled=0, server=client.base_url, spool_dir=str(spool.directory)
    )
    try:
        spool.put(results)
    except SpoolError as exc:
        outcome.spool_error = str(exc)
        return outcome
    outcome.spooled = len(results)
    try:
        outcome.drain = spool.drain(client, batch_size=batch_size)
    except SpoolError as exc:
        outcome.spool_error = str(exc)
    return outcome


def print_push_outcome(console: Console, outcome: PushOutcome) -> None:
    style = "green" if outcome.ok else ("yellow" if outcome.drain.unreachable else "red")
    console.print(Text(outcome.describe(), style=style))
