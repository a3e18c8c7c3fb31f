"""Bearer-token authentication with roles: readonly < agent < supervisor.

Tokens come from ``SOCIALLISTEN_API_TOKENS``: ``token1:agent,token2:supervisor`` or
``@/path/to/file`` with one ``token:role[:name]`` per line (``#`` starts a comment).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipeline.errors import ConfigError
from pipeline.web.users import UserDirectory


class Role(IntEnum):
    """Roles, ordered by what they may do."""

    readonly = 1
    agent = 2
    supervisor = 3


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
                f"SOCIALLISTEN_API_TOKENS entry {n + 1}: unknown role {role_name!r} (readonly, agent, supervisor)"
            ) from None
        if len(token) < 8:
            raise ConfigError(f"SOCIALLISTEN_API_TOKENS entry {n + 1}: tokens need at least 8 characters")
        table[token] = Principal(name=parts[2] if len(parts) == 3 else f"{role_name}-{n + 1}", role=role)
    return table


_bearer = HTTPBearer(auto_error=False)


def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """The caller, from the Authorization header (or ``?token=`` for EventSource streams)."""
    tokens: dict[str, Principal] = request.app.state.tokens
    token = creds.credentials if creds else request.query_params.get("token")
    if not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    users: UserDirectory | None = getattr(request.app.state, "users", None)
    user = users.find(token) if users is not None else None
    if user is not None:
        return Principal(name=user.name, role=Role[user.role])
    for known, who in tokens.items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return who
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"})


def require(role: Role) -> Callable[..., Principal]:
    """Dependency: the caller must have at least ``role``."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role < role:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this action needs the {role.name} role; you are {who.role.name}"
            )
        return who

    return check
