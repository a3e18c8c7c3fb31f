"""The service desk end to end: a real worker (Tansu + clickhouse-server), its API and the agents' page."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipeline.sample import generate_events
from pipeline.storage import ClickHouse, connect
from tests.integration.desk.service import (
    FOLLOW_UPS,
    OTHER,
    THREAD,
    TOKENS,
    DeskService,
    handmade_events,
    now_utc,
    start_desk_service,
)

pytestmark = pytest.mark.integration

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def desk(kafka_broker, clickhouse_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskService]:  # type: ignore[no-untyped-def]
    """One worker with the desk for this module; the replayed stream is stored and every case created."""
    tmp = tmp_path_factory.mktemp("desk")
    service = start_desk_service(kafka_broker.bootstrap, clickhouse_server.url(f"t_{uuid.uuid4().hex[:10]}"), tmp)
    try:
        lines = list(generate_events(800, seed=21, invalid_rate=0.0)) + handmade_events(now_utc())
        stream = tmp / "events.jsonl"
        stream.write_bytes(b"\n".join(lines) + b"\n")
        result = service.wenv.run("replay", str(stream), "--no-progress")
        assert result.returncode == 0, result.stderr.decode()
        ch = connect(service.wenv.clickhouse_url)
        try:

            def all_flagged_in_cases() -> bool:
                stored = ch.query("SELECT count() AS n FROM mentions FINAL")[0]["n"]
                flagged = ch.query("SELECT count() AS n FROM mentions FINAL WHERE service_request = 1")[0]["n"]
                joined = ch.query("SELECT uniqExact(event_id) AS n FROM desk_case_messages")[0]["n"]
                return stored == len(lines) and flagged > 0 and joined == flagged

            wait_for(all_flagged_in_cases, 180, "every service request joined to a case")
        finally:
            ch.close()
        yield service
    finally:
        service.stop()


@pytest.fixture
def ch(desk: DeskService) -> Iterator[ClickHouse]:
    """The desk worker's database (overrides the parametrised fixture for this module)."""
    conn = connect(desk.wenv.clickhouse_url)
    yield conn
    conn.close()


def _cases(desk: DeskService, **params: object) -> list[dict]:  # type: ignore[type-arg]
    with desk.client() as c:
        r = c.get("/api/cases", params={"limit": 500, **params})
        assert r.status_code == 200, r.text
        return r.json()["cases"]  # type: ignore[no-any-return]


def _case_of(desk: DeskService, text: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in _cases(desk) if c["text"] == text)


def test_replay_creates_one_case_per_author_and_thread(desk: DeskService, ch: ClickHouse) -> None:
    flagged = ch.query("SELECT event_id, thread_id, author_id FROM mentions FINAL WHERE service_request = 1")
    cases = _cases(desk)
    assert {(c["thread_id"], c["author_id"]) for c in cases} == {(f["thread_id"], f["author_id"]) for f in flagged}
    members = ch.query("SELECT case_id, event_id FROM desk_case_messages FINAL")
    assert sorted(m["event_id"] for m in members) == sorted(f["event_id"] for f in flagged)  # each in exactly one case

    mine = [c for c in cases if c["thread_id"] == THREAD]
    assert {c["author_id"] for c in mine} == {"8800001", "8800002"} and len(mine) == 2
    repeat = next(c for c in mine if c["author_id"] == "8800001")
    assert repeat["repeats"] == 2 and repeat["text"] == FOLLOW_UPS[0]
    assert repeat["link"] == "https://weibo.com/detail/7100000002"
    with desk.client() as c:
        detail = c.get(f"/api/cases/{repeat['case_id']}").json()
    assert [m["text"] for m in detail["messages"]] == FOLLOW_UPS
    assert [a["op"] for a in detail["audit"]] == ["open", "follow_up", "follow_up"]

    # the queue is sorted by urgency: overdue first, then priority, then due time
    rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    keys = [(not c["overdue"], c["status"] == "resolved", rank[c["priority"]], c["next_due"]) for c in cases]
    assert keys == sorted(keys)


def test_twenty_concurrent_claims_one_wins(desk: DeskService, ch: ClickHouse) -> None:
    target = _case_of(desk, OTHER)
    headers = [{"Authorization": f"Bearer {TOKENS['agent' if i % 2 else 'agent2']}"} for i in range(20)]

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=desk.base_url, timeout=60) as client:
            return await asyncio.gather(
                *[client.post(f"/api/cases/{target['case_id']}/claim", headers=h) for h in headers]
            )

    responses = asyncio.run(race())
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()["case"]["assignee"]
    assert all(winner in r.json()["detail"] for r in responses if r.status_code == 409)
    rows = ch.query(
        "SELECT op FROM desk_case_events FINAL WHERE case_id = %(id)s AND op = 'claim'", {"id": target["case_id"]}
    )
    assert len(rows) == 1


def test_auth_roles_and_hostile_inputs_change_nothing(desk: DeskService, ch: ClickHouse) -> None:
    target = next(c for c in _cases(desk, status="new") if c["thread_id"] != THREAD)
    cid = target["case_id"]
    with desk.client(role=None) as anon:
        assert anon.get("/api/cases").status_code == 401
        assert anon.post(f"/api/cases/{cid}/claim").status_code == 401
        # a token in the URL is never taken (it would end up in proxy logs), not even a valid one
        assert anon.post(f"/api/cases/{cid}/claim", params={"token": TOKENS["agent"]}).status_code == 401
        assert anon.get("/api/cases/stream", params={"token": TOKENS["agent"]}).status_code == 401
    with desk.client(token="not-a-real-token") as bad:
        r = bad.post(f"/api/cases/{cid}/claim")
        assert r.status_code == 401 and r.json()["detail"] == "invalid token"
    with desk.client("readonly") as ro:
        assert ro.post(f"/api/cases/{cid}/claim").status_code == 403
    with desk.client("agent") as agent:
        r = agent.post(f"/api/cases/{cid}/assign", json={"assignee": "bob"})
        assert r.status_code == 403 and "supervisor" in r.json()["detail"]
        assert agent.post(f"/api/cases/{cid}/escalate").status_code == 403
        r = agent.post(
            f"/api/cases/{cid}/reply",
            content=b'{"note": "' + b"x" * 200_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413 and "limit" in r.json()["detail"]
        r = agent.post(f"/api/cases/{cid}/reply", json={"note": "a" * 5000})
        assert r.status_code == 422 and "limit" in r.text
        r = agent.post(f"/api/cases/{cid}/reply", json={"note": "'; DROP TABLE desk_cases; --", "sql": "1=1"})
        assert r.status_code == 422 and "sql" in r.text
        r = agent.post(f"/api/cases/{cid}/reply", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 422
        for bad_id in ("1' OR '1'='1", "0000000000000000-1%3B%20DROP", "x" * 300):
            assert agent.get(f"/api/cases/{bad_id}").status_code in (404, 422)
            assert agent.post(f"/api/cases/{bad_id}/claim").status_code in (404, 422)
        assert agent.get("/api/cases/0000000000000000-1").status_code == 404
        assert agent.post("/api/cases/0000000000000000-1/claim").status_code == 404
        r = agent.get("/api/cases", params={"brand": "蒙牛' OR 1=1 --"})
        assert r.status_code == 200 and r.json()["cases"] == []
        assert agent.get("/api/cases", params={"category": "x'; DROP"}).status_code == 422
        assert agent.get("/api/cases", params={"limit": 10_000}).status_code == 422
        r = agent.post(f"/api/cases/{cid}/reply", json={"note": "先认领"})
        assert r.status_code == 409  # not claimed yet
    after = ch.query("SELECT status, revision FROM desk_cases FINAL WHERE case_id = %(id)s", {"id": cid})[0]
    assert after == {"status": "new", "revision": target["revision"]}
    assert ch.query("SELECT count() AS n FROM desk_cases")[0]["n"] > 0

    with desk.client("supervisor") as boss:
        r = boss.post(f"/api/cases/{cid}/assign", json={"assignee": "bob", "note": "请跟进"})
        assert r.status_code == 200 and r.json()["case"]["assignee"] == "bob"
        r = boss.post(f"/api/cases/{cid}/escalate", json={"note": "KOL"})
        assert r.status_code == 200 and r.json()["case"]["status"] == "escalated"
        assert r.json()["case"]["priority"] == "urgent"


def test_agent_page_claims_and_resolves_a_case(desk: DeskService, ch: ClickHouse, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    target = _case_of(desk, FOLLOW_UPS[0])
    cid = target["case_id"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            urls: list[str] = []
            page.on("request", lambda request: urls.append(request.url))
            page.goto(f"{desk.base_url}/desk")
            page.fill("#token", TOKENS["agent"])
            page.click("#save-token")
            expect(page.locator("#live")).to_have_class("on", timeout=20_000)  # the stream opened with a ticket
            assert any("/api/cases/stream?ticket=" in u for u in urls)
            row = page.locator(f'#queue tbody tr[data-case-id="{cid}"]')
            expect(row).to_be_visible(timeout=20_000)
            expect(row).to_contain_text(FOLLOW_UPS[0])  # Chinese text reaches the page intact
            assert page.locator("#queue tbody tr").count() > 1
            row.click()
            expect(page.locator("#thread")).to_contain_text(FOLLOW_UPS[2])
            page.click("#claim")
            expect(page.locator("#case-pane")).to_have_attribute("data-status", "claimed", timeout=20_000)
            page.fill("#reply-note", "您好，已为您登记补发，请留意物流")
            page.click("#reply")
            expect(page.locator("#case-pane")).to_have_attribute("data-status", "replied", timeout=20_000)
            page.click("#resolve")
            expect(page.locator("#case-pane")).to_have_attribute("data-status", "resolved", timeout=20_000)
            expect(page.locator("#audit")).to_contain_text("resolve by alice")
            page.screenshot(path=str(tmp_path / "desk.png"), full_page=True)
            # a token stored in localStorage survives a reload
            page.reload()
            expect(page.locator(f'#queue tbody tr[data-case-id="{cid}"]')).to_have_count(0, timeout=20_000)  # open only
            assert not [u for u in urls if TOKENS["agent"] in u], "the token never goes into a URL"
        finally:
            browser.close()

    with desk.client() as c:
        detail = c.get(f"/api/cases/{cid}").json()
    assert detail["status"] == "resolved" and detail["assignee"] == "alice"
    assert [a["op"] for a in detail["audit"]][-3:] == ["claim", "reply", "resolve"]
    row = ch.query(
        "SELECT status, assignee, first_response_at, resolved_at FROM desk_cases FINAL WHERE case_id = %(id)s",
        {"id": cid},
    )[0]
    assert row["status"] == "resolved" and row["assignee"] == "alice" and row["resolved_at"] is not None
    daily = ch.query("SELECT sum(cases_resolved) AS n FROM desk_sla_daily")
    assert int(daily[0]["n"]) >= 1


def test_cases_belong_to_named_users_and_revoking_one_changes_nobody_elses(desk: DeskService) -> None:
    """People come from the users file (`sociallisten users add`), not from positions in a token list."""
    tokens = {}
    for name in ("li.na", "王芳"):
        done = desk.wenv.run("users", "add", name, "--role", "agent")
        assert done.returncode == 0, done.stderr.decode()
        tokens[name] = done.stdout.decode().strip()
        assert tokens[name] not in Path(desk.wenv.extra["SOCIALLISTEN_USERS_FILE"]).read_text()  # only its hash
    open_cases = [c for c in _cases(desk, status="new")][:2]
    assert len(open_cases) == 2
    claimed = {}
    for name, case in zip(tokens, open_cases, strict=True):
        with desk.client(token=tokens[name]) as client:
            r = client.post(f"/api/cases/{case['case_id']}/claim")
            assert r.status_code == 200, r.text
            assert r.json()["case"]["assignee"] == name
            claimed[name] = case["case_id"]

    done = desk.wenv.run("users", "remove", "li.na")
    assert done.returncode == 0, done.stderr.decode()
    with desk.client(token=tokens["li.na"]) as client:
        assert client.get("/api/cases").status_code == 401, "a removed user's token stops working"
    with desk.client(token=tokens["王芳"]) as client:
        assert client.get("/api/cases").status_code == 200
        for name, case_id in claimed.items():
            case = client.get(f"/api/cases/{case_id}").json()
            assert case["assignee"] == name, "revoking one person changes nobody's cases"
    listed = desk.wenv.run("users", "list").stdout.decode()
    assert listed.splitlines() == ["王芳\tagent"]
