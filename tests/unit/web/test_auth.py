"""Token parsing and role checks of the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from pipeline.errors import ConfigError
from pipeline.web.auth import Principal, Role, parse_tokens, require


def test_tokens_from_text_and_file(tmp_path: Path) -> None:
    table = parse_tokens("agenttoken1:agent,boss-token:supervisor:王经理")
    assert table["agenttoken1"] == Principal("agent-1", Role.agent)
    assert table["boss-token"] == Principal("王经理", Role.supervisor)
    path = tmp_path / "tokens"
    path.write_text("# team\nreadonly-1:readonly  # BI\n\nagent-token-2:agent:li\n")
    assert set(parse_tokens(f"@{path}")) == {"readonly-1", "agent-token-2"}


@pytest.mark.parametrize("spec,words", [
    ("short:agent", "at least 8"), ("longenough:admin", "unknown role"), ("nocolon", "token:role"),
    ("@/no/such/file", "does not exist"),
])
def test_bad_token_specs_name_the_problem(spec: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_tokens(spec)


def test_roles_401_and_403() -> None:
    app = FastAPI()
    app.state.tokens = parse_tokens("reader-token:readonly,agent-token:agent,boss-token:supervisor")

    @app.post("/assign")
    def assign(who: Principal = Depends(require(Role.supervisor))) -> dict[str, str]:
        return {"by": who.name}

    client = TestClient(app)
    assert client.post("/assign").status_code == 401
    assert client.post("/assign", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    denied = client.post("/assign", headers={"Authorization": "Bearer agent-token"})
    assert denied.status_code == 403 and "supervisor" in denied.json()["detail"]
    assert client.post("/assign", headers={"Authorization": "Bearer boss-token"}).json() == {"by": "supervisor-3"}
