"""Author profiles: CED's real Weibo posters, and bounded pools of invented accounts.

Invented accounts are pure functions of (platform, role, index) and the stream's window, so an
account looks the same on every draw. Pools are bounded and drawn with a skew, so some accounts
post again and again; a few per cent are bot-like (very few followers, very many posts, an
account a few weeks old).
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
import zlib
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from pipeline.sample import names
from pipeline.sample.clock import BEIJING, iso

POOL_SIZES: dict[tuple[str, str], int] = {
    ("weibo", "user"): 12_000,
    ("wechat", "user"): 4_000,
    ("wechat", "official"): 400,
    ("tieba", "user"): 4_000,
    ("qq", "user"): 4_000,
    ("xiaohongshu", "user"): 6_000,
}
BOT_SHARE = 0.03
SKEW = 2
"""Pool index = size * u**SKEW: the lowest indices are the most active accounts (``pick`` hard-codes 2)."""
_LAUNCH = {
    "weibo": datetime(2009, 8, 14, tzinfo=BEIJING),
    "wechat": datetime(2011, 1, 21, tzinfo=BEIJING),
    "tieba": datetime(2003, 12, 3, tzinfo=BEIJING),
    "qq": datetime(2005, 6, 1, tzinfo=BEIJING),
    "xiaohongshu": datetime(2013, 6, 6, tzinfo=BEIJING),
}
_VERIFIED = {
    "weibo": (
        ("personal", 0.04),
        ("kol", 0.02),
        ("enterprise", 0.01),
        ("media", 0.007),
        ("government", 0.003),
    ),
    "xiaohongshu": (("kol", 0.03), ("enterprise", 0.01)),
    "tieba": (("kol", 0.005),),
    "qq": (),
    "wechat": (),
}
_OFFICIAL_VERIFIED = (("enterprise", 0.25), ("media", 0.2), ("personal", 0.1), ("organization", 0.05))


class AuthorEntry(NamedTuple):
    """An account: its name (for ``//@name:`` chains) and its JSON object, pre-encoded."""

    name: str
    raw: bytes
    fragment: orjson.Fragment
    bot: bool

    @property
    def data(self) -> dict[str, Any]:
        """The account as a fresh dict (for building invalid variants)."""
        data: dict[str, Any] = orjson.loads(self.raw)  # raw always holds one encoded JSON object
        return data


class Uniforms:
    """Deterministic uniforms from a key (BLAKE2b): cheap to seed, one per account profile."""

    __slots__ = ("_key", "_values", "_pos")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._values: tuple[int, ...] = ()
        self._pos = 0
        self._refill()

    def _refill(self) -> None:
        digest = self._key = hashlib.blake2b(self._key, digest_size=48).digest()
        self._values = struct.unpack("<24H", digest)
        self._pos = 0

    def random(self) -> float:
        """Uniform in (0, 1), 16-bit resolution."""
        if self._pos >= len(self._values):
            self._refill()
        value = self._values[self._pos]
        self._pos += 1
        return (value + 0.5) / 65536.0

    def uniform(self, a: float, b: float) -> float:
        """Uniform in [a, b)."""
        return a + (b - a) * self.random()

    def randint(self, a: int, b: int) -> int:
        """Integer in [a, b]."""
        return a + int((b - a + 1) * self.random())

    def lognormvariate(self, mu: float, sigma: float) -> float:
        """Log-normal (Box-Muller)."""
        z = math.sqrt(-2.0 * math.log(self.random())) * math.cos(2.0 * math.pi * self.random())
        return math.exp(mu + sigma * z)


def _entry(data: dict[str, Any], bot: bool) -> AuthorEntry:
    raw = bytes(memoryview(orjson.dumps(data)))  # an exact-size copy: orjson's buffer is larger
    return AuthorEntry(data["name"], raw, orjson.Fragment(raw), bot)


def _author_id(platform: str, role: str, idx: int) -> str:
    """Platform-style account ids; each is a bijection of the pool index (so ids are unique)."""
    if platform == "weibo":
        return str(5_000_000_000 + (idx * 7_368_787 + 873_150_419) % 2_000_000_000)
    if platform == "wechat" and role == "official":
        return f"gh_{(idx * 0x9E3779B97F4B + 0x3A5C71E2D4B6) % (1 << 48):012x}"
    if platform == "wechat":
        return f"o{(idx * 0x9E3779B97F4A7C15F39CC0605D + 0x5C0FFEE5EED) % (1 << 108):027x}"
    if platform == "tieba":
        return str(600_000_000 + (idx * 7919 + 318_274_661) % 900_000_000)
    if platform == "qq":
        return str(100_000_000 + (idx * 48_271 + 1_057_338_947) % 2_900_000_000)
    created = 0x5A000000 + (idx * 2_654_435_761 + 0x0345A1B) % 0x0C000000  # 2017-2024-ish ObjectId seconds
    return f"{created:08x}{(idx * 0x9E3779B97F4A7C15 + 0x1D3F5B7A9C2E4F60) % (1 << 64):016x}"


def _choose(options: tuple[tuple[str, float], ...], u: float) -> str:
    for value, share in options:
        if u < share:
            return value
        u -= share
    return "none"


class Authors:
    """Author profiles for one stream whose events lie in ``[window_start, ...]``."""

    def __init__(
        self,
        window_start: float,
        profiles: dict[str, dict[str, Any]] | None = None,
        bot_uids: frozenset[str] = frozenset(),
    ) -> None:
        self._start = window_start
        self._profiles = profiles or {}
        self._bot_uids = bot_uids
        self._weibo: dict[str, AuthorEntry] = {}
        """CED accounts by uid: one profile per account, whether it posts or reposts."""
        self._pools: dict[str, list[AuthorEntry | None]] = {}

    def pick(self, platform: str, rng: random.Random, role: str = "user") -> AuthorEntry:
        """An account of the platform's pool, skewed towards the most active ones."""
        key = platform if role == "user" else f"{platform}/{role}"
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = [None] * POOL_SIZES[(platform, role)]
        u = rng.random()
        idx = int(len(pool) * u * u)  # u**SKEW with SKEW = 2
        entry = pool[idx]
        if entry is None:
            entry = pool[idx] = self._invent(platform, role, idx)
        return entry

    def ced_account(self, uid: str) -> AuthorEntry:
        """A CED account: its real profile if CED has one, else an invented one.

        The invented account is bot-like for the accounts that posted a water-army cascade's
        repeated text.
        """
        entry = self._weibo.get(uid)
        if entry is None:
            user = self._profiles.get(uid)
            if user is None:
                entry = self._invent_for_uid(uid, bot=uid in self._bot_uids)
            else:
                h = zlib.crc32(uid.encode())
                vtype = user["verified_type"]
                organisation = vtype not in ("none", "kol", "personal")
                entry = _entry(
                    {
                        "id": uid,
                        "name": names.organisation_name(h, vtype) if organisation else names.person_name(h, "weibo"),
                        "verified": user["verified"],
                        "verified_type": vtype,
                        "followers": user["followers"],
                        "following": user["following"],
                        "posts": user["posts"],
                        "created_at": iso(user["created_at"]),
                    },
                    bot=False,
                )
            self._weibo[uid] = entry
        return entry

    def _invent_for_uid(self, uid: str, bot: bool) -> AuthorEntry:
        h = zlib.crc32(f"weibo:{uid}".encode())
        return self._profile(uid, "weibo", "user", Uniforms(f"weibo:uid:{uid}".encode()), h, bot)

    def _invent(self, platform: str, role: str, idx: int) -> AuthorEntry:
        rng = Uniforms(f"{platform}:{role}:{idx}".encode())
        h = int(rng.random() * 65536) << 16 | int(rng.random() * 65536) | idx << 32
        bot = role == "user" and rng.random() < BOT_SHARE
        return self._profile(_author_id(platform, role, idx), platform, role, rng, h, bot)

    def _profile(self, author_id: str, platform: str, role: str, rng: Uniforms, h: int, bot: bool) -> AuthorEntry:
        if bot:
            data = {
                "id": author_id,
                "name": names.bot_name(h),
                "verified": False,
                "verified_type": "none",
                "followers": rng.randint(0, 30),
                "following": rng.randint(300, 2000),
                "posts": rng.randint(3_000, 60_000),
                "created_at": iso(self._start - rng.uniform(1, 25) * 86400),
            }
            return _entry(data, bot=True)
        options = _OFFICIAL_VERIFIED if role == "official" else _VERIFIED[platform]
        vtype = _choose(options, rng.random())
        big = vtype != "none" or rng.random() < 0.01
        followers = rng.lognormvariate(11.5 if big else (7.0 if role == "official" else 4.8), 1.3 if big else 1.6)
        following = min(rng.lognormvariate(5.2, 0.9), 2000 if platform == "weibo" else 5000)
        posts = rng.lognormvariate(6.4, 1.3)
        launch = _LAUNCH[platform].timestamp()
        created = max(launch, self._start - rng.lognormvariate(6.8, 0.8) * 86400)
        if role == "official":
            name = names.official_account_name(h)
        elif vtype in ("media", "government", "enterprise", "organization"):
            name = names.organisation_name(h, vtype)
        else:
            name = names.person_name(h, platform)
        data = {
            "id": author_id,
            "name": name,
            "verified": vtype != "none",
            "verified_type": vtype,
            "followers": int(min(followers, 80_000_000)),
            "following": int(following),
            "posts": int(min(posts, 500_000)),
            "created_at": iso(min(created, self._start - 86400)),
        }
        return _entry(data, bot=False)
