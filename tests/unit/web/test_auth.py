"""Token parsing, role checks, where a token may come from, stream tickets and the failed-attempt limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from pipeline.errors import ConfigError
from pipeline.web.auth import MIN_TOKEN_CHARS, Principal, Role, parse_tokens, require, require_stream
from pipeline.web.throttle import FailureLimiter
from pipeline.web.tickets import Ticket, TicketSigner

READER = "reader-token-abcdefghijklmnopqrstu"
AGENT = "agent-token-abcdefghijklmnopqrstuv"
BOSS = "boss-token-abcdefghijklmnopqrstuvw"


def test_tokens_from_text_and_file(tmp_path: Path) -> None:
    table = parse_tokens(f"{AGENT}:agent,{BOSS}:supervisor:王经理")
    assert table[AGENT] == Principal("agent-1", Role.agent)
    assert table[BOSS] == Principal("王经理", Role.supervisor)
    path = tmp_path / "tokens"
    path.write_text(f"# team\n{READER}:readonly  # BI\n\n{AGENT}:agent:li\n")
    assert set(parse_tokens(f"@{path}")) == {READER, AGENT}


@pytest.mark.parametrize("spec,words", [
    ("short:agent", "has 5 characters; tokens need at least 32"),
    ("x" * (MIN_TOKEN_CHARS - 1) + ":agent", "has 31 characters"),
    ("x" * MIN_TOKEN_CHARS + ":admin", "unknown role"), ("nocolon", "token:role"),
    ("@/no/such/file", "does not exist"),
])
def test_bad_token_specs_name_the_problem(spec: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_tokens(spec)


def test_a_token_of_32_characters_is_enough() -> None:
    assert parse_tokens("x" * MIN_TOKEN_CHARS + ":readonly")


def _app(limiter: FailureLimiter | None = None, signer: TicketSigner | None = None) -> FastAPI:
    app = FastAPI()
    app.state.tokens = parse_tokens(f"{READER}:readonly,{AGENT}:agent,{BOSS}:supervisor")
    app.state.tickets = signer or TicketSigner()
    if limiter is not None:
        app.state.auth_failures = limiter

    @app.post("/assign")
    def assign(who: Principal = Depends(require(Role.supervisor))) -> dict[str, str]:
        return {"by": who.name}

    @app.get("/read")
    def read(who: Principal = Depends(require(Role.readonly))) -> dict[str, str]:
        return {"by": who.name}

    @app.get("/stream")
    def stream(who: Principal = Depends(require_stream(Role.readonly))) -> dict[str, str]:
        return {"by": who.name}

    return app


def test_roles_401_and_403() -> None:
    client = TestClient(_app())
    assert client.post("/assign").status_code == 401
    assert client.post("/assign", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    denied = client.post("/assign", headers={"Authorization": f"Bearer {AGENT}"})
    assert denied.status_code == 403 and "supervisor" in denied.json()["detail"]
    assert client.post("/assign", headers={"Authorization": f"Bearer {BOSS}"}).json() == {"by": "supervisor-3"}


def test_no_token_in_the_query_string() -> None:
    """A token in a URL ends up in logs: no route takes one, not a POST, not a GET, not a stream."""
    client = TestClient(_app())
    refused = client.post("/assign", params={"token": BOSS})
    assert refused.status_code == 401 and refused.json()["detail"] == "missing bearer token"
    assert client.get("/read", params={"token": READER}).status_code == 401
    assert client.get("/stream", params={"token": READER}).status_code == 401


def test_streams_open_with_a_signed_ticket_that_expires() -> None:
    now = [1_000_000.0]
    signer = TicketSigner("s" * 40, seconds=60, clock=lambda: now[0])
    client = TestClient(_app(signer=signer))
    ticket = signer.issue("li.na", "agent")
    assert client.get("/stream", params={"ticket": ticket}).json() == {"by": "li.na"}
    assert client.get("/read", params={"ticket": ticket}).status_code == 401, "tickets open streams only"
    assert client.get("/stream", headers={"Authorization": f"Bearer {READER}"}).json() == {"by": "readonly-1"}
    forged = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    assert client.get("/stream", params={"ticket": forged}).status_code == 401
    other_key = TicketSigner("t" * 40, clock=lambda: now[0]).issue("li.na", "supervisor")
    assert client.get("/stream", params={"ticket": other_key}).status_code == 401
    now[0] += 61
    expired = client.get("/stream", params={"ticket": ticket})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_an_expired_ticket_is_not_a_guess() -> None:
    """A page that reconnects late with its old ticket is refused, but not counted towards the 429."""
    now = [1_000_000.0]
    signer = TicketSigner(clock=lambda: now[0])
    limiter = FailureLimiter(2, 600.0, clock=lambda: now[0])
    client = TestClient(_app(limiter, signer))
    ticket = signer.issue("li.na", "agent")
    now[0] += 61
    assert [client.get("/stream", params={"ticket": ticket}).status_code for _ in range(5)] == [401] * 5
    assert limiter.retry_after("testclient") == 0
    fresh = signer.issue("li.na", "agent")
    assert client.get("/stream", params={"ticket": fresh}).status_code == 200


def test_tickets_signed_with_one_secret_work_on_every_process() -> None:
    issued = TicketSigner("shared-secret-" * 3).issue("王芳", "supervisor")
    assert TicketSigner("shared-secret-" * 3).verify(issued) == Ticket("王芳", "supervisor", expired=False)
    assert TicketSigner().verify(issued) is None  # a random per-process key knows only its own tickets
    for junk in ("", ".", "a.b.c", "x" * 5000, "e30.e30"):
        assert TicketSigner().verify(junk) is None


def test_too_many_failures_get_429_with_retry_after() -> None:
    now = [0.0]
    limiter = FailureLimiter(3, 60.0, clock=lambda: now[0])
    client = TestClient(_app(limiter))
    bad = {"Authorization": "Bearer guess-" + "x" * 30}
    assert [client.get("/read", headers=bad).status_code for _ in range(3)] == [401, 401, 401]
    blocked = client.get("/read", headers={"Authorization": f"Bearer {READER}"})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    assert client.get("/stream", params={"ticket": "forged.ticket"}).status_code == 429
    now[0] += 30
    assert client.get("/read", headers=bad).headers["Retry-After"] == "30"
    now[0] += 31
    assert client.get("/read", headers={"Authorization": f"Bearer {READER}"}).status_code == 200
    assert client.get("/read").status_code == 401  # no token at all is not a guess: not counted
    assert limiter.retry_after("testclient") == 0


def test_the_failure_table_is_bounded() -> None:
    limiter = FailureLimiter(1, 60.0, max_clients=100)
    for n in range(10_000):
        limiter.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 100
    assert limiter.retry_after("10.0.39.15") > 0 and limiter.retry_after("10.0.0.1") == 0
