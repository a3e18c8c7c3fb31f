"""Service-desk API: the case queue, one case with its thread and audit trail, and the actions.

Reads come from the ClickHouse mirror; actions go to the case agent that owns the case
(Faust request/reply), which answers 200, 404, 409 (conflict: e.g. already claimed) or 403.
Bodies are small JSON objects, size-capped (413) and validated by pydantic (422).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from pipeline.config import DeskSettings
from pipeline.desk.agent import CaseDesk, new_command_id, now_utc
from pipeline.desk.models import CASE_ID_PATTERN, Command, Op, Status
from pipeline.desk.store import get_case, list_cases
from pipeline.hub import sse
from pipeline.web.auth import Principal, Role, require, require_stream
from pipeline.web.context import context
from schemas.events import UNCLEAN_TEXT

log = logging.getLogger(__name__)

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, Path(pattern=CASE_ID_PATTERN, description="case id, '<16 hex digits>-<n>'")]
Priority = Literal["urgent", "high", "normal", "low"]
Platform = Literal["weibo", "wechat", "tieba", "qq", "xiaohongshu"]
_NAME = r"^[\w.@\-]{1,64}$"


def _clean_note(value: str, info: ValidationInfo) -> str:
    if UNCLEAN_TEXT.search(value):
        raise ValueError("must not contain control characters")
    limit = int((info.context or {}).get("max_note_chars", DeskSettings.model_fields["desk_max_note_chars"].default))
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters long; the limit is {limit}")
    return value.strip()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class NoteBody(_Body):
    """An optional note kept in the audit trail."""

    note: str = Field(default="", description="free text, kept in the audit trail")

    @field_validator("note")
    @classmethod
    def _note(cls, value: str, info: ValidationInfo) -> str:
        return _clean_note(value, info)


class ReplyBody(_Body):
    """The reply sent to the customer (or a summary of it)."""

    note: str = Field(min_length=1, description="the reply text")

    @field_validator("note")
    @classmethod
    def _note(cls, value: str, info: ValidationInfo) -> str:
        value = _clean_note(value, info)
        if not value:
            raise ValueError("must not be empty")
        return value


class ClaimBody(NoteBody):
    """Claim a case; a supervisor may take over a claimed case with ``force``."""

    force: bool = False


class AssignBody(NoteBody):
    """Give a case to an agent (supervisor)."""

    assignee: str = Field(pattern=_NAME, description="the agent's name (letters, digits, . _ - @)")


class CaseAnswer(BaseModel):
    """The case after an action."""

    message: str
    case: dict[str, Any] | None


def _desk(request: Request) -> CaseDesk:
    desk = context(request).desk
    if desk is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the service desk is not running here")
    return desk


async def _read_body(request: Request) -> bytes:
    limit = context(request).settings.desk.desk_max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid Content-Length header")
        if int(declared) > limit:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"request body of {declared} bytes is over the limit of {limit} bytes",
            )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"request body is over the limit of {limit} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse(request: Request, model: type[_Body]) -> _Body:
    raw = await _read_body(request)
    if not raw.strip():
        raw = b"{}"
    try:
        limits = {"max_note_chars": context(request).settings.desk.desk_max_note_chars}
        return model.model_validate_json(raw, context=limits)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "error": e["msg"]} for e in exc.errors()]
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, {"message": "invalid request body", "problems": problems}
        ) from None


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = (
                (value if value.tzinfo else value.replace(tzinfo=UTC))
                .astimezone(UTC)
                .isoformat()
                .replace("+00:00", "Z")
            )
        elif isinstance(value, list):
            value = [_iso(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


async def _command(request: Request, who: Principal, case_id: str, op: Op, model: type[_Body]) -> CaseAnswer:
    """Run ``op`` on the case with the request's body (a ``model``) and answer with the case agent's outcome."""
    data = (await _parse(request, model)).model_dump()
    desk = _desk(request)
    cmd = Command(
        op=op,
        command_id=new_command_id(),
        at=now_utc(),
        actor=who.name,
        role=who.role.name,  # type: ignore[arg-type]  # Role's member names are all values of Command.role's Literal
        case_id=case_id,
        note=data.get("note", ""),
        assignee=data.get("assignee", ""),
        force=bool(data.get("force", False)),
    )
    try:
        reply = await desk.ask(cmd)
    except TimeoutError:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT, "the case agent did not answer in time; the action may still be applied"
        ) from None
    code = int(reply.get("code", 500))
    if code != 200:
        raise HTTPException(code, reply.get("message") or "refused")
    return CaseAnswer(message=reply.get("message", ""), case=_iso(reply["case"]) if reply.get("case") else None)


# ---- reads --------------------------------------------------------------------------------


@router.get("/api/cases", summary="The case queue, most urgent first")
async def cases_list(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.readonly))],
    status_: Annotated[Status | None, Query(alias="status")] = None,
    priority: Priority | None = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    platform: Platform | None = None,
    assignee: Annotated[str | None, Query(pattern=_NAME)] = None,
    overdue: bool | None = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    """Cases sorted by urgency: overdue first, then priority (urgent > high > normal > low), then due time."""
    ctx = context(request)
    filters = {
        "status": status_.value if status_ else None,
        "priority": priority,
        "category": category,
        "brand": brand,
        "platform": platform,
        "assignee": assignee,
        "overdue": overdue,
        "open_only": open_only,
    }
    rows = await ctx.run_blocking(list_cases, ctx.ch, filters, now_utc(), limit, offset)
    return {"cases": [_iso(r) for r in rows], "count": len(rows), "now": _iso({"t": now_utc()})["t"]}


@router.get("/api/cases/stream", summary="Live case changes (Server-Sent Events)")
async def cases_stream(
    request: Request, who: Annotated[Principal, Depends(require_stream(Role.readonly))]
) -> StreamingResponse:
    """One ``case`` event per change; authenticate with the header or ``?ticket=`` (EventSource)."""
    hub = context(request).hubs.cases
    queue = hub.subscribe()

    async def events() -> Any:
        try:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=10)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield sse("case", json.dumps(item, ensure_ascii=False))
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/api/cases/{case_id}", summary="One case with its thread and audit trail")
async def case_detail(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.readonly))]
) -> dict[str, Any]:
    """The case, its messages (the author's events joined to it) and every transition."""
    ctx = context(request)
    case = await ctx.run_blocking(get_case, ctx.ch, case_id, now_utc())
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    return _iso(case)


# ---- actions ------------------------------------------------------------------------------


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": model.model_json_schema()}}, "required": False}}


@router.post(
    "/api/cases/{case_id}/claim",
    openapi_extra=_body_doc(ClaimBody),
    response_model=CaseAnswer,
    responses={409: {"description": "already claimed"}},
)
async def claim(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.agent))]
) -> CaseAnswer:
    """Take a new, reopened or escalated case (exactly one of concurrent claims wins; the rest get 409)."""
    return await _command(request, who, case_id, Op.claim, ClaimBody)


@router.post("/api/cases/{case_id}/reply", openapi_extra=_body_doc(ReplyBody), response_model=CaseAnswer)
async def reply(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.agent))]
) -> CaseAnswer:
    """Record the reply to the customer (the first one stops the first-response clock)."""
    return await _command(request, who, case_id, Op.reply, ReplyBody)


@router.post("/api/cases/{case_id}/resolve", openapi_extra=_body_doc(NoteBody), response_model=CaseAnswer)
async def resolve(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.agent))]
) -> CaseAnswer:
    """Close the case."""
    return await _command(request, who, case_id, Op.resolve, NoteBody)


@router.post("/api/cases/{case_id}/reopen", openapi_extra=_body_doc(NoteBody), response_model=CaseAnswer)
async def reopen(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.agent))]
) -> CaseAnswer:
    """Reopen a resolved case (new SLA clock)."""
    return await _command(request, who, case_id, Op.reopen, NoteBody)


@router.post("/api/cases/{case_id}/assign", openapi_extra=_body_doc(AssignBody), response_model=CaseAnswer)
async def assign(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.supervisor))]
) -> CaseAnswer:
    """Give the case to an agent (supervisor only)."""
    return await _command(request, who, case_id, Op.assign, AssignBody)


@router.post("/api/cases/{case_id}/escalate", openapi_extra=_body_doc(NoteBody), response_model=CaseAnswer)
async def escalate(
    request: Request, case_id: CaseId, who: Annotated[Principal, Depends(require(Role.supervisor))]
) -> CaseAnswer:
    """Escalate: the case becomes urgent (supervisor only)."""
    return await _command(request, who, case_id, Op.escalate, NoteBody)


@router.get("/desk", include_in_schema=False)
async def desk_page() -> FileResponse:
    """The agents' page."""
    from pipeline.web.app import STATIC

    return FileResponse(STATIC / "desk.html")
