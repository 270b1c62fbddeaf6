"""CrisisEvent: a CloudEvents 1.0 JSON event about one incident of one subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from schemas import _checks as check
from schemas.errors import SchemaError
from schemas.times import format_time, parse_time

__all__ = ["EVENT_TYPES", "SEVERITIES", "CrisisEvent", "event_id", "incident_id"]

SPEC_VERSION = "1.0"
DATA_SCHEMA = "urn:siaga:schema:crisis-event:1"
EVENT_TYPES: tuple[str, ...] = (
    "siaga.crisis.onset",
    "siaga.crisis.escalated",
    "siaga.crisis.responded",
    "siaga.crisis.resolved",
)
SEVERITIES: tuple[str, ...] = ("warning", "critical")
_ENVELOPE = frozenset({"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema",
                       "data"})


def incident_id(subject_id: str, incident_start: float) -> str:
    """The id every event of one incident shares: subject plus incident start (UTC, basic format).

    >>> incident_id("bank-bri", 1767574800.0)
    'bank-bri:20260105T010000Z'
    """
    start = datetime.fromtimestamp(incident_start, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{subject_id}:{start}"


def event_id(subject_id: str, incident_start: float, event_type: str) -> str:
    """The deterministic CloudEvents id of one stage of one incident.

    >>> event_id("bank-bri", 1767574800.0, "siaga.crisis.onset")
    'siaga:bank-bri:20260105T010000Z:onset'
    """
    return f"siaga:{incident_id(subject_id, incident_start)}:{event_type.rsplit('.', 1)[-1]}"


@dataclass(frozen=True, slots=True)
class CrisisEvent:
    """One stage (onset, escalated, responded, resolved) of one incident (``schemas/crisis_event.schema.json``).

    ``time`` is event time: the end of the window that caused the event, so a replay of the same input
    produces byte-identical events.

    >>> event = CrisisEvent.create("siaga.crisis.onset", "bank-bri", incident_start=1767574800.0,
    ...                            time=1767574860.0, data={"severity": "warning"})
    >>> event.id
    'siaga:bank-bri:20260105T010000Z:onset'
    >>> CrisisEvent.from_json(event.to_json()) == event
    True
    """

    id: str
    type: str
    subject: str
    time: float
    source: str = "urn:siaga:detector"
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        event_type: str,
        subject_id: str,
        *,
        incident_start: float,
        time: float,
        data: dict[str, Any],
        source: str = "urn:siaga:detector",
    ) -> CrisisEvent:
        """Build an event whose id follows from the subject, the incident start and the stage."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown crisis event type {event_type!r}")
        return cls(id=event_id(subject_id, incident_start, event_type), type=event_type, subject=subject_id,
                   time=time, source=source, data=data)

    @property
    def stage(self) -> str:
        """onset, escalated, responded or resolved."""
        return self.type.rsplit(".", 1)[-1]

    @classmethod
    def from_json(cls, data: bytes | str) -> CrisisEvent:
        """Decode and validate the envelope of one event."""
        record = check.load_object(data, 4 * 1_048_576)
        if record.get("specversion") != SPEC_VERSION:
            raise SchemaError("specversion", f"must be {SPEC_VERSION!r}")
        check.no_extra_keys(record, _ENVELOPE, "")
        return cls(
            id=check.string(check.get(record, "id", "id"), "id", 1024, allow_empty=False),
            type=check.choice(check.get(record, "type", "type"), "type", frozenset(EVENT_TYPES)),
            subject=check.string(check.get(record, "subject", "subject"), "subject", 128),
            time=parse_time(check.get(record, "time", "time"), "time"),
            source=check.string(check.get(record, "source", "source"), "source", 1024, allow_empty=False),
            data=check.obj(check.get(record, "data", "data"), "data"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The CloudEvents structured-mode JSON form."""
        return {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": format_time(self.time),
            "datacontenttype": "application/json",
            "dataschema": DATA_SCHEMA,
            "data": self.data,
        }

    def to_json(self) -> bytes:
        """Serialize with orjson (keys sorted, so equal events are equal bytes)."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)
