"""The users file: hashed tokens, names, revocation, and what the API makes of them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from pipeline.errors import ConfigError
from pipeline.web.auth import Principal, Role, parse_tokens, require
from pipeline.web.users import UserDirectory, add_user, read_users, remove_user, token_hash


def test_a_new_user_gets_a_token_that_is_stored_only_hashed(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    token = add_user(path, "li.na", "agent")
    text = path.read_text()
    assert token not in text and token_hash(token) in text
    assert [(u.name, u.role) for u in read_users(path)] == [("li.na", "agent")]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert UserDirectory(path).find(token) is not None and UserDirectory(path).find(token + "x") is None
    with pytest.raises(ConfigError, match="already exists"):
        add_user(path, "li.na", "supervisor")


def test_rewriting_the_file_keeps_the_mode_its_owner_chose(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    add_user(path, "li.na", "agent")
    path.chmod(0o644)  # e.g. read by a container that runs as another user
    add_user(path, "wang", "agent")
    remove_user(path, "li.na")
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [u.name for u in read_users(path)] == ["wang"]


@pytest.mark.parametrize(("name", "role", "words"), [
    ("bad name", "agent", "must be 1-64"), ("ok", "admin", "not one of"), ("", "agent", "must be 1-64"),
])
def test_bad_users_are_refused_with_the_reason(tmp_path: Path, name: str, role: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        add_user(tmp_path / "users.yaml", name, role)


def test_a_broken_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  - {name: a, role: agent, token_sha256: nothex}\n")
    with pytest.raises(ConfigError, match="entry 1: user a: token_sha256"):
        read_users(path)


def test_the_directory_follows_the_file_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    first = add_user(path, "a", "agent")
    directory = UserDirectory(path)
    assert directory.find(first) is not None
    second = add_user(path, "b", "readonly")
    os.utime(path, ns=(1, 1))  # a new stamp even within one clock tick
    assert directory.find(second) is not None
    assert remove_user(path, "a") and not remove_user(path, "a")
    assert directory.find(first) is None, "a removed user's token stops working without a restart"
    path.write_text("users: [oops")  # half-edited
    assert directory.find(second) is not None, "a broken file keeps the users read before"


def test_the_api_knows_people_by_name(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    token = add_user(path, "王芳", "supervisor")
    app = FastAPI()
    app.state.tokens = parse_tokens("quickstart-token-abcdefghijklmnopq:agent")
    app.state.users = UserDirectory(path)

    @app.post("/assign")
    def assign(who: Principal = Depends(require(Role.supervisor))) -> dict[str, str]:
        return {"by": who.name}

    client = TestClient(app)
    assert client.post("/assign", headers={"Authorization": f"Bearer {token}"}).json() == {"by": "王芳"}
    quickstart = {"Authorization": "Bearer quickstart-token-abcdefghijklmnopq"}
    assert client.post("/assign", headers=quickstart).status_code == 403
    assert client.post("/assign", headers={"Authorization": "Bearer nobody-at-all"}).status_code == 401
