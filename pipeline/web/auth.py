"""Bearer-token authentication with roles: readonly < agent < supervisor, and shop apart.

A ``shop`` token may only send orders (``POST /api/conversions``): it ranks below readonly, so it
reads nothing (:func:`require_shop`).

Tokens come from ``SOCIALLISTEN_API_TOKENS``: ``token1:agent,token2:supervisor`` or
``@/path/to/file`` with one ``token:role[:name]`` per line (``#`` starts a comment); each token
has at least :data:`MIN_TOKEN_CHARS` characters. They come from the users file as well
(:mod:`pipeline.web.users`).

Every route takes the token from the ``Authorization: Bearer`` header only; a token in the query
string is ignored. The event streams (EventSource cannot set headers) also take ``?ticket=``, a
short-lived signed ticket from ``POST /api/stream-ticket`` (:mod:`pipeline.web.tickets`). Failed
attempts are counted per client address (:mod:`pipeline.web.throttle`): too many get 429.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipeline.errors import ConfigError
from pipeline.web.throttle import FailureLimiter
from pipeline.web.tickets import TicketSigner
from pipeline.web.users import UserDirectory


class Role(IntEnum):
    """Roles, ordered by what they may do."""

    shop = 0  # sends orders only (POST /api/conversions); reads nothing
    readonly = 1
    agent = 2
    supervisor = 3


MIN_TOKEN_CHARS = 32
"""Shortest token accepted from ``SOCIALLISTEN_API_TOKENS`` (users-file tokens have 43)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling."""

    name: str
    role: Role


def parse_tokens(spec: str | None) -> dict[str, Principal]:
    """Token table from the setting's text (or the file it points to)."""
    if not spec:
        return {}
    if spec.startswith("@"):
        path = Path(spec[1:])
        if not path.exists():
            raise ConfigError(f"SOCIALLISTEN_API_TOKENS points to {path}, which does not exist")
        entries = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    else:
        entries = [e.strip() for e in spec.split(",")]
    table: dict[str, Principal] = {}
    for n, entry in enumerate(e for e in entries if e):
        parts = entry.split(":")
        if len(parts) not in (2, 3) or not parts[0]:
            raise ConfigError(f"SOCIALLISTEN_API_TOKENS entry {n + 1} must be 'token:role[:name]'")
        token, role_name = parts[0], parts[1]
        try:
            role = Role[role_name]
        except KeyError:
            raise ConfigError(
                f"SOCIALLISTEN_API_TOKENS entry {n + 1}: unknown role {role_name!r} (readonly, agent, supervisor, shop)"
            ) from None
        if len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(
                f"SOCIALLISTEN_API_TOKENS entry {n + 1}: the token has {len(token)} characters; tokens need at "
                f"least {MIN_TOKEN_CHARS} (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        table[token] = Principal(name=parts[2] if len(parts) == 3 else f"{role_name}-{n + 1}", role=role)
    return table


_bearer = HTTPBearer(auto_error=False)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _not_blocked(request: Request) -> None:
    limiter: FailureLimiter | None = getattr(request.app.state, "auth_failures", None)
    wait = limiter.retry_after(_client(request)) if limiter is not None else 0.0
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed authentications; try again later",
                            headers={"Retry-After": str(math.ceil(wait))})


def _refused(request: Request, detail: str) -> HTTPException:
    """A 401 that counts as a failed attempt of the client."""
    limiter: FailureLimiter | None = getattr(request.app.state, "auth_failures", None)
    if limiter is not None:
        limiter.failed(_client(request))
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _missing() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})


def _by_token(request: Request, token: str) -> Principal:
    tokens: dict[str, Principal] = getattr(request.app.state, "tokens", {})
    users: UserDirectory | None = getattr(request.app.state, "users", None)
    user = users.find(token) if users is not None else None
    if user is not None:
        return Principal(name=user.name, role=Role[user.role])
    for known, who in tokens.items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return who
    raise _refused(request, "invalid token")


def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """The caller, from the ``Authorization: Bearer`` header (never from the query string)."""
    _not_blocked(request)
    if not creds:
        raise _missing()
    return _by_token(request, creds.credentials)


def stream_principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """The caller of an event stream (a GET): the bearer header, or ``?ticket=`` from ``/api/stream-ticket``."""
    _not_blocked(request)
    if creds:
        return _by_token(request, creds.credentials)
    ticket = request.query_params.get("ticket")
    signer: TicketSigner | None = getattr(request.app.state, "tickets", None)
    if not ticket or signer is None or request.method not in ("GET", "HEAD"):
        raise _missing()
    found = signer.verify(ticket)
    if found is None or found.role not in Role.__members__:
        raise _refused(request, "invalid ticket; ask POST /api/stream-ticket for a new one")
    if found.expired:  # genuine but late (a page reconnecting): refused, not counted as a guess
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "expired ticket; ask POST /api/stream-ticket for a new one",
                            headers={"WWW-Authenticate": "Bearer"})
    return Principal(name=found.name, role=Role[found.role])


def _role_check(role: Role, who: Principal) -> Principal:
    if who.role < role:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"this action needs the {role.name} role; you are {who.role.name}"
        )
    return who


def require(role: Role) -> Callable[..., Principal]:
    """Dependency: the caller (bearer header) must have at least ``role``."""

    def check(who: Principal = Depends(principal)) -> Principal:
        return _role_check(role, who)

    return check


def require_stream(role: Role) -> Callable[..., Principal]:
    """Dependency of an event stream: the caller (bearer header or ticket) must have at least ``role``."""

    def check(who: Principal = Depends(stream_principal)) -> Principal:
        return _role_check(role, who)

    return check


def require_shop(who: Principal = Depends(principal)) -> Principal:
    """Dependency: the caller is a shop (or a supervisor)."""
    if who.role not in (Role.shop, Role.supervisor):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this action needs the shop role; you are {who.role.name}")
    return who
