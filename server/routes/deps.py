"""Dependencies of the routes: the services, and who is calling (bearer token, role checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.app import Services
from server.auth import Principal

_bearer = HTTPBearer(auto_error=False, description="A token from `patrol-server token create`")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(
            401,
            "a token is required: send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = services(request).tokens.authenticate(credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return found


def allow(*roles: str, doing: str) -> Callable[..., Principal]:
    """A dependency that lets only these roles through (403 with what was refused)."""

    def check(caller: Annotated[Principal, Depends(principal)]) -> Principal:
        if caller.role not in roles:
            raise HTTPException(
                403, f"a {caller.role} token cannot {doing} (needs {' or '.join(roles)})"
            )
        return caller

    return check


Services_ = Annotated[Services, Depends(services)]
Reader = Annotated[Principal, Depends(allow("viewer", "engineer", "admin", doing="read this"))]
Engineer = Annotated[
    Principal, Depends(allow("engineer", "admin", doing="change tickets or register them"))
]
Pusher = Annotated[Principal, Depends(allow("agent", "engineer", "admin", doing="post results"))]
Agent = Annotated[Principal, Depends(allow("agent", doing="read an agent's configuration"))]
