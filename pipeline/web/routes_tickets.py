"""``POST /api/stream-ticket``: a short-lived ticket that opens an event stream (EventSource sends no headers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from pipeline.web.auth import Principal, Role, require
from pipeline.web.tickets import TicketSigner

router = APIRouter(tags=["meta"])


class StreamTicket(BaseModel):
    """A ticket for ``?ticket=`` on ``/api/mentions/stream``, ``/api/alerts/stream`` or ``/api/cases/stream``."""

    ticket: str
    expires_in: int
    """Seconds the ticket may be used to open a stream (an open stream stays open)."""


@router.post("/api/stream-ticket", response_model=StreamTicket)
async def stream_ticket(request: Request, who: Principal = Depends(require(Role.readonly))) -> StreamTicket:
    """A ticket naming the caller and its role, signed, valid for a minute: open an event stream with it."""
    signer: TicketSigner | None = getattr(request.app.state, "tickets", None)
    if signer is None:
        raise HTTPException(503, "this service issues no stream tickets")
    return StreamTicket(ticket=signer.issue(who.name, who.role.name), expires_in=signer.seconds)
