"""Lighter stand-ins for two of Faust's per-record helpers, for topics of raw bytes and an app without a web UI.

:class:`RawSchema` turns a record into an event without the serializer registry: Siaga's topics carry raw
bytes (orjson records, decoded by the agents), so key and value are handed over as they are, which is what the
``raw`` codec returns anyway.

:class:`LeanMonitor` keeps only what Faust itself reads from its monitor while running (when each partition's
stream last took an event, for its slow-stream warning). The statistics Faust's monitor gathers for its web
pages (per-event timings, per-stream and per-topic counts) cost several dictionary updates per record and are
never read here: the web UI is off, and Siaga exports its own Prometheus metrics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any

import faust
from faust.sensors import Monitor
from faust.types import TP, AppT, EventT, Message, StreamT

__all__ = ["LeanMonitor", "RawSchema"]

DecodeFunction = Callable[..., Awaitable[EventT]]


class RawSchema(faust.Schema):
    """A schema whose records' key and value are the raw bytes from Kafka."""

    def compile(self, app: AppT, *, on_key_decode_error: Any = None, on_value_decode_error: Any = None,
                default_propagate: bool = False) -> DecodeFunction:
        """The decode function: an event of the record's key, value and headers, as they are."""
        event_type = app.conf.Event  # resolved once: every read of a Faust setting goes through a registry

        async def decode(message: Message, *, propagate: bool = default_propagate) -> Any:
            headers = message.headers
            # no headers (Siaga's records have none): the event's headers are {} either way, without a dict() copy
            return event_type(app, message.key, message.value, headers if headers else None, message)

        return decode


class LeanMonitor(Monitor):
    """Faust's monitor without the per-record statistics only its web pages show."""

    def on_message_in(self, tp: TP, offset: int, message: Message) -> None:
        """Nothing to record as a message enters the streams."""

    def on_stream_event_in(self, tp: TP, offset: int, stream: StreamT, event: EventT) -> None:
        """Note when the partition's stream last took an event (Faust's slow-stream check reads it)."""
        self.stream_inbound_time[tp] = monotonic()

    def on_stream_event_out(self, tp: TP, offset: int, stream: StreamT, event: EventT,
                            state: dict[str, Any] | None = None) -> None:
        """Nothing to record as a stream finishes with an event."""

    def on_message_out(self, tp: TP, offset: int, message: Message) -> None:
        """Nothing to record as a message is fully acknowledged."""

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> None:
        """Nothing to record as a message is handed to the producer."""

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        """Nothing to record as Kafka acknowledges a message."""
