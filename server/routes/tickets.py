"""Tickets: list and read them (viewer+), register one by hand (hotline, engineer+), and the
manual transitions (engineer+): ack, dispatch, arrive, resolve, confirm, comment, complaint, and
escalate / satisfaction. An invalid transition is 409 with the reason; unusable input 422."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from server.routes.deps import Engineer, Reader, Services_
from server.schemas import (
    AckIn,
    ArriveIn,
    CommentIn,
    ComplaintIn,
    ConfirmIn,
    DispatchIn,
    EscalateIn,
    Name,
    RegisterIn,
    ResolveIn,
    SatisfactionIn,
    TicketOut,
)
from server.tickets import State

router = APIRouter(tags=["tickets"])

STATES = tuple(s.value for s in State)
ALIASES = {"active": ("open", "acknowledged", "dispatched", "on_site")}

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket"},
    409: {"description": "the ticket's state does not allow this; the reason says why"},
    422: {"description": "unusable input, with the reason"},
}


def _states(text: str | None) -> list[str] | None:
    if text is None or not text.strip():
        return None
    out: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if name in ALIASES:
            out.extend(ALIASES[name])
        elif name in STATES:
            out.append(name)
        else:
            raise HTTPException(
                422, f"state {name!r} is not one of {', '.join(STATES + tuple(ALIASES))}"
            )
    return out


@router.get("/tickets", response_model=list[TicketOut])
def list_tickets(
    services: Services_,
    _caller: Reader,
    device: Annotated[Name | None, Query()] = None,
    customer: Annotated[Name | None, Query()] = None,
    state: Annotated[
        Name | None,
        Query(description="a state, several separated by commas, or `active` (open..on_site)"),
    ] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Tickets, newest first."""
    found = services.tickets.list(
        device=device,
        customer=customer,
        states=_states(state),
        level=level,
        limit=limit,
        offset=offset,
    )
    return _out(services, found)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, responses=_ERRORS)
def get_ticket(ticket_id: Name, services: Services_, _caller: Reader) -> dict[str, Any]:
    """One ticket with its whole timeline."""
    ticket = services.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(404, f"no ticket {ticket_id}")
    return _out(services, [ticket])[0]


@router.post("/tickets", response_model=TicketOut, status_code=201, responses=_ERRORS)
async def register_ticket(body: RegisterIn, services: Services_, caller: Engineer) -> Any:
    """A ticket registered by hand: a customer called the hotline or wrote in. Without a level
    the policy proposes one from the device. A later automatic failure of the same problem
    attaches to it instead of opening a second ticket."""
    ticket = await run_in_threadpool(
        lambda: services.tickets.register(
            device=body.device,
            site=body.site,
            check=body.check,
            reporter=body.reporter.model_dump(),
            symptom=body.symptom,
            channel=body.channel,
            level=body.level,
            actor=caller.actor,
        )
    )
    return (await run_in_threadpool(_out, services, [ticket]))[0]


def _out(services: Any, found: list[Any]) -> list[dict[str, Any]]:
    """Tickets as answered: each with the other live tickets of its device."""
    related = services.tickets.related(found)
    return [{**t.to_dict(), "related": related[t.id]} for t in found]


async def _act(
    services: Any, ticket_id: str, action: str, actor: str, body: BaseModel | None
) -> dict[str, Any]:
    fields = body.model_dump() if body is not None else {}
    ticket = await run_in_threadpool(
        lambda: services.tickets.act(ticket_id, action, actor=actor, **fields)
    )
    return (await run_in_threadpool(_out, services, [ticket]))[0]  # type: ignore[no-any-return]


@router.post("/tickets/{ticket_id}/ack", response_model=TicketOut, responses=_ERRORS)
async def ack(
    ticket_id: Name, services: Services_, caller: Engineer, body: AckIn | None = None
) -> Any:
    """Acknowledge: the service centre has taken the fault in hand (the response)."""
    return await _act(services, ticket_id, "ack", caller.actor, body)


@router.post("/tickets/{ticket_id}/dispatch", response_model=TicketOut, responses=_ERRORS)
async def dispatch(ticket_id: Name, body: DispatchIn, services: Services_, caller: Engineer) -> Any:
    """Send an engineer on site, expected at `eta`."""
    return await _act(services, ticket_id, "dispatch", caller.actor, body)


@router.post("/tickets/{ticket_id}/arrive", response_model=TicketOut, responses=_ERRORS)
async def arrive(
    ticket_id: Name, services: Services_, caller: Engineer, body: ArriveIn | None = None
) -> Any:
    """The dispatched engineer is on site."""
    return await _act(services, ticket_id, "arrive", caller.actor, body)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut, responses=_ERRORS)
async def resolve(ticket_id: Name, body: ResolveIn, services: Services_, caller: Engineer) -> Any:
    """The fault is fixed: how (notes), parts and labour for the charges. The follow-up starts."""
    return await _act(services, ticket_id, "resolve", caller.actor, body)


@router.post("/tickets/{ticket_id}/confirm", response_model=TicketOut, responses=_ERRORS)
async def confirm(
    ticket_id: Name, services: Services_, caller: Engineer, body: ConfirmIn | None = None
) -> Any:
    """The customer confirmed the fix (before the follow-up window ends), with a 1-5 score."""
    return await _act(services, ticket_id, "confirm", caller.actor, body)


@router.post("/tickets/{ticket_id}/comment", response_model=TicketOut, responses=_ERRORS)
async def comment(ticket_id: Name, body: CommentIn, services: Services_, caller: Engineer) -> Any:
    """A remark in the timeline (any state)."""
    return await _act(services, ticket_id, "comment", caller.actor, body)


@router.post("/tickets/{ticket_id}/complaint", response_model=TicketOut, responses=_ERRORS)
async def complaint(
    ticket_id: Name, body: ComplaintIn, services: Services_, caller: Engineer
) -> Any:
    """The customer's complaint (a missed deadline...): recorded and sent to the admin role."""
    return await _act(services, ticket_id, "complaint", caller.actor, body)


@router.post("/tickets/{ticket_id}/escalate", response_model=TicketOut, responses=_ERRORS)
async def escalate(
    ticket_id: Name, services: Services_, caller: Engineer, body: EscalateIn | None = None
) -> Any:
    """Climb one step of the ladder by hand (the engineer needs the experts); not a breach."""
    return await _act(services, ticket_id, "escalate", caller.actor, body)


@router.post("/tickets/{ticket_id}/satisfaction", response_model=TicketOut, responses=_ERRORS)
async def satisfaction(
    ticket_id: Name, body: SatisfactionIn, services: Services_, caller: Engineer
) -> Any:
    """The customer survey's score (1-5) on a resolved or confirmed ticket."""
    return await _act(services, ticket_id, "satisfaction", caller.actor, body)
