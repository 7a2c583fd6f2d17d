"""API tokens: created once (the secret is shown once, only its SHA-256 is stored), listed,
revoked; and who a bearer token is.

PUBLIC API:
    TokenStore(db, clock)   .create(role, customer=None, name="") -> (TokenInfo, secret)
                            .list() -> list[TokenInfo], .revoke(id) -> TokenInfo
                            .authenticate(secret) -> Principal | None
    Principal(token_id, role, customer, name)   .actor (who appears in ticket timelines)
    TokenInfo, TokenError, hash_token(secret), ROLES, STAFF_ROLES

Roles: viewer < engineer < admin (staff, every customer), and agent (one customer's devices:
POST results for them, GET its configuration). A revoked or unknown token is refused (401).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.clock import Clock
from server.db import Database
from server.models import ROLES, tokens

STAFF_ROLES = ("viewer", "engineer", "admin")
TOKEN_PREFIX = "patrol_"


class TokenError(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: int
    role: str
    customer: str | None
    name: str

    @property
    def actor(self) -> str:
        return self.name or f"token {self.token_id}"


@dataclass(frozen=True)
class TokenInfo:
    id: int
    role: str
    customer: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _info(row: sa.Row) -> TokenInfo:  # type: ignore[type-arg]
    return TokenInfo(row.id, row.role, row.customer, row.name, row.created_at, row.revoked_at)


class TokenStore:
    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def create(
        self, role: str, customer: str | None = None, name: str = ""
    ) -> tuple[TokenInfo, str]:
        if role not in ROLES:
            raise TokenError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if role == "agent" and not customer:
            raise TokenError(
                "an agent token needs --customer (the customer whose devices it polls)"
            )
        if role != "agent" and customer:
            raise TokenError(f"only agent tokens belong to a customer; a {role} sees them all")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()

        def apply(conn: Connection) -> TokenInfo:
            row = conn.execute(
                sa.insert(tokens)
                .values(
                    token_hash=hash_token(secret),
                    role=role,
                    customer=customer or None,
                    name=name.strip() or f"{role}" + (f"-{customer}" if customer else ""),
                    created_at=now,
                )
                .returning(*tokens.c)
            ).one()
            return _info(row)

        return self.db.run(apply), secret

    def list(self) -> list[TokenInfo]:
        with self.db.read() as conn:
            return [_info(r) for r in conn.execute(sa.select(tokens).order_by(tokens.c.id))]

    def revoke(self, token_id: int) -> TokenInfo:
        now = self.clock.now()

        def apply(conn: Connection) -> TokenInfo:
            row = conn.execute(sa.select(tokens).where(tokens.c.id == token_id)).first()
            if row is None:
                raise TokenError(f"no token with id {token_id}")
            if row.revoked_at is None:
                conn.execute(
                    sa.update(tokens).where(tokens.c.id == token_id).values(revoked_at=now)
                )
            row = conn.execute(sa.select(tokens).where(tokens.c.id == token_id)).one()
            return _info(row)

        return self.db.run(apply)

    def authenticate(self, secret: str) -> Principal | None:
        if not secret or len(secret) > 200:
            return None
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(tokens).where(tokens.c.token_hash == hash_token(secret))
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.role, row.customer, row.name)
