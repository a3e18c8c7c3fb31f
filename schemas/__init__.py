"""Pydantic models at the project's boundaries: events in, enrichment, dead letters."""

from schemas.events import Author, Engagement, Kind, Platform, SocialEvent, VerifiedType, event_json_schema

__all__ = ["Author", "Engagement", "Kind", "Platform", "SocialEvent", "VerifiedType", "event_json_schema"]
