"""Siaga's contracts: JSON Schema files for what crosses a topic, and the records that read and write them."""

from schemas.crisis_event import EVENT_TYPES, SEVERITIES, CrisisEvent, event_id, incident_id
from schemas.errors import REJECTION_REASONS, SchemaError
from schemas.mention import Mention, Sentiment
from schemas.post import PLATFORMS, Author, Engagement, Post
from schemas.times import format_time, parse_time
from schemas.watchlist import Subject, Watchlist, load_watchlist

__all__ = [
    "EVENT_TYPES",
    "PLATFORMS",
    "REJECTION_REASONS",
    "SEVERITIES",
    "Author",
    "CrisisEvent",
    "Engagement",
    "Mention",
    "Post",
    "SchemaError",
    "Sentiment",
    "Subject",
    "Watchlist",
    "event_id",
    "format_time",
    "incident_id",
    "load_watchlist",
    "parse_time",
]
