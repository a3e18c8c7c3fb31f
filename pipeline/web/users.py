"""The team's users: a YAML file of names, roles and the SHA-256 of each token (never the token).

``SOCIALLISTEN_USERS_FILE`` points to it; ``sociallisten users add NAME --role agent`` creates a
random token, prints it once and appends its hash. A case belongs to a name, so revoking one
person's token (``users remove``) changes nobody else's cases. The file is read again when it
changes, so an added or removed user takes effect without a restart::

    users:
      - name: li.na
        role: agent
        token_sha256: 3f5a...
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_IMODE
from typing import Any

import yaml

from pipeline.errors import ConfigError

log = logging.getLogger(__name__)

ROLES = ("readonly", "agent", "supervisor", "shop")
NAME_PATTERN = re.compile(r"^[\w.@\-]{1,64}$")
"""Letters (any script), digits and . _ - @: the names the desk records as claimants and actors."""
_HASH = re.compile(r"^[0-9a-f]{64}$")


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token, as the users file stores it."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class User:
    """One person of the team."""

    name: str
    role: str
    token_sha256: str


def _check(entry: Any, where: str) -> User:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each user is a mapping with name, role and token_sha256")
    name, role, digest = (str(entry.get(k, "")) for k in ("name", "role", "token_sha256"))
    if not NAME_PATTERN.match(name):
        raise ConfigError(f"{where}: name {name!r} must be 1-64 letters, digits or . _ - @")
    if role not in ROLES:
        raise ConfigError(f"{where}: user {name}: role {role!r} is not one of {', '.join(ROLES)}")
    if not _HASH.match(digest):
        raise ConfigError(f"{where}: user {name}: token_sha256 must be 64 lowercase hex digits")
    return User(name, role, digest)


def read_users(path: Path) -> list[User]:
    """The users of ``path``; ConfigError naming the file and the entry when it cannot be used."""
    where = f"SOCIALLISTEN_USERS_FILE {path}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where} cannot be read: {exc}") from None
    entries = (data or {}).get("users") or [] if isinstance(data, dict | None) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: the file holds a 'users:' list")
    users = [_check(entry, f"{where}, entry {n + 1}") for n, entry in enumerate(entries)]
    names = [u.name for u in users]
    if len(names) != len(set(names)):
        raise ConfigError(f"{where}: a name appears twice")
    return users


def write_users(path: Path, users: list[User]) -> None:
    """Replace ``path`` with these users (written beside it first, then renamed: never half a file).

    A mounted copy of the file (a container secret) keeps the old version: restart what reads it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"users": [u.__dict__ for u in users]}, allow_unicode=True, sort_keys=False)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    # a new file is private; an existing one keeps the mode its owner gave it (e.g. 0644 for a
    # container that runs as another user: the file holds only hashes of random tokens)
    os.chmod(tmp, S_IMODE(path.stat().st_mode) if path.exists() else 0o600)
    tmp.replace(path)


def add_user(path: Path, name: str, role: str) -> str:
    """Add ``name`` with ``role`` to the file and return its new token (shown once, stored only hashed)."""
    users = read_users(path)
    if any(u.name == name for u in users):
        raise ConfigError(f"user {name} already exists in {path}; remove it first to issue a new token")
    token = secrets.token_urlsafe(32)
    _check({"name": name, "role": role, "token_sha256": token_hash(token)}, f"user {name}")
    write_users(path, [*users, User(name, role, token_hash(token))])
    return token


def remove_user(path: Path, name: str) -> bool:
    """Remove ``name`` (its token stops working); False when there was no such user."""
    users = read_users(path)
    kept = [u for u in users if u.name != name]
    if len(kept) == len(users):
        return False
    write_users(path, kept)
    return True


@dataclass
class UserDirectory:
    """The users file as the web service reads it: again whenever it changed on disk."""

    path: Path
    _stamp: tuple[int, int] | None = None
    _users: list[User] = field(default_factory=list)

    def find(self, token: str) -> User | None:
        """The user whose token this is (compared in constant time), or None."""
        digest = token_hash(token)
        found = None
        for user in self._current():
            if hmac.compare_digest(user.token_sha256, digest):
                found = user
        return found

    def _current(self) -> list[User]:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            try:
                self._users = read_users(self.path) if stamp is not None else []
            except ConfigError as exc:  # a half-edited file: keep serving the users read before
                log.error("%s; the users read before stay in force", exc)
            self._stamp = stamp
        return self._users
