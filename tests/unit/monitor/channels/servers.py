"""Local stand-ins for the vendors, on real sockets: they check the signature the way the vendor does.

Each server records every request and answers from a script (then success). A request whose
signature does not verify gets the vendor's own refusal (DingTalk errcode 310000, Feishu code 19021).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


Verifier = Callable[[Request], dict[str, Any] | None]
"""None when the request is acceptable, else the vendor's refusal."""


class RobotServer:
    """An HTTP server answering each POST with the next scripted JSON answer (success when none is left)."""

    def __init__(self, ok: dict[str, Any], verify: Verifier | None = None,
                 script: list[dict[str, Any]] | None = None, status: int = 200) -> None:
        self.ok = ok
        self.verify = verify
        self.script = list(script or [])
        self.status = status
        self.received: list[Request] = []
        self.verified: list[bool] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                parts = urlsplit(self.path)
                req = Request(parts.path, parse_qs(parts.query, keep_blank_values=True), dict(self.headers),
                              self.rfile.read(int(self.headers["Content-Length"])))
                server.received.append(req)
                refusal = server.verify(req) if server.verify else None
                server.verified.append(refusal is None)
                answer = refusal or (server.script.pop(0) if server.script else server.ok)
                payload = json.dumps(answer).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def dingtalk_verifier(token: str, secret: str) -> Verifier:
    r"""DingTalk's check: access_token, timestamp (ms) within an hour, sign = Base64(HmacSHA256(secret, ts\nsecret))."""

    def verify(req: Request) -> dict[str, Any] | None:
        q = {k: v[0] for k, v in req.query.items()}
        if q.get("access_token") != token:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        ts = q.get("timestamp", "")
        if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600_000:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}
        expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(q.get("sign", ""), expected):
            return {"errcode": 310000, "errmsg": "sign not match"}
        return None

    return verify


def feishu_verifier(secret: str) -> Verifier:
    r"""Feishu's check: timestamp (s) within an hour, sign = Base64(HmacSHA256(key=ts\nsecret, msg=''))."""

    def verify(req: Request) -> dict[str, Any] | None:
        body = req.json
        ts = str(body.get("timestamp", ""))
        if not ts.isdigit() or abs(int(ts) - time.time()) > 3600:
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(str(body.get("sign", "")), expected):
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        return None

    return verify


def wecom_verifier(key: str) -> Verifier:
    """WeCom's check: the robot's key in the query."""

    def verify(req: Request) -> dict[str, Any] | None:
        if req.query.get("key") != [key]:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        return None

    return verify


class _SmtpSession(socketserver.StreamRequestHandler):
    """One client's SMTP conversation; the server's :class:`SmtpServer` is ``self.server.owner``."""

    owner: SmtpServer

    def setup(self) -> None:
        self.owner = self.server.owner  # type: ignore[attr-defined]
        if self.owner.implicit_tls and self.owner.tls is not None:
            self.request = self.owner.tls.wrap_socket(self.request, server_side=True)
        super().setup()
        self.sender, self.rcpts = "", list[str]()

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            cmd = line.decode().rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "QUIT":
                self.reply("221 bye")
                return
            getattr(self, f"do_{verb.lower()}", lambda _: self.reply("250 ok"))(cmd)

    def do_ehlo(self, cmd: str) -> None:
        starttls = b"250-STARTTLS\r\n" if self.owner.tls is not None and not self.owner.implicit_tls else b""
        self.wfile.write(b"250-test\r\n" + starttls + b"250-AUTH PLAIN\r\n250 8BITMIME\r\n")

    def do_starttls(self, cmd: str) -> None:
        assert self.owner.tls is not None
        self.reply("220 ready")
        self.connection = self.owner.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb", buffering=0)
        self.owner.tls_used.append(True)

    def do_auth(self, cmd: str) -> None:
        ok = cmd.split(" ")[-1] == self.owner.expected_auth
        self.owner.auth_ok.append(ok)
        self.reply("235 ok" if ok else "535 bad credentials")

    def do_mail(self, cmd: str) -> None:
        self.sender, self.rcpts = cmd.split(":", 1)[1].split()[0].strip("<>"), []
        self.reply("250 ok")

    def do_rcpt(self, cmd: str) -> None:
        self.rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
        self.reply("250 ok")

    def do_data(self, cmd: str) -> None:
        self.reply("354 go on")
        data = b""
        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
            data += chunk
        answer = self.owner.data_replies.pop(0) if self.owner.data_replies else "250 queued"
        if answer.startswith("250"):
            self.owner.messages.append((self.sender, self.rcpts, data))
        self.reply(answer)


class SmtpServer:
    """A minimal SMTP server (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) on a real socket, in a thread.

    ``replies`` scripts the answers to the end of DATA (then 250); each accepted message is kept whole.
    With ``tls`` it offers STARTTLS, or speaks TLS from the start with ``implicit_tls``.
    """

    def __init__(self, user: str, password: str, replies: list[str] | None = None,
                 tls: ssl.SSLContext | None = None, implicit_tls: bool = False) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.data_replies = list(replies or [])
        self.auth_ok: list[bool] = []
        self.tls_used: list[bool] = [True] if implicit_tls else []
        self.tls, self.implicit_tls = tls, implicit_tls
        self.expected_auth = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSession)
        self.server.owner = self  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def self_signed(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 made by openssl (its PEM file, to trust) and a server context that uses it."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context
