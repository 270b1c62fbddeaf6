"""The worker's producer keeps the metadata of every topic it writes to, from the start.

aiokafka's producer refreshes all topics until a send names one it does not list; from then on only the topics
named so. Had the changelog been the first (Faust creates it at start, and a broker may not list it yet), the
mentions would have dropped out of the producer's metadata and a batch queued for them waited for a leader that
was never looked up again.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from pipeline.app import create_app, produced_topics
from pipeline.config import Settings


class _Client:
    """The slice of aiokafka's client that tracks topics: a refresh asks for the registered ones only, once any is."""

    def __init__(self) -> None:
        self.topics: set[str] = set()

    def add_topic(self, topic: str) -> asyncio.Future[bool]:
        self.topics.add(topic)
        done = asyncio.get_running_loop().create_future()
        done.set_result(True)
        return done


def test_every_topic_the_worker_writes_is_tracked_before_any_send(tmp_path: Path) -> None:
    streams = create_app(replace(Settings(), state_dir=tmp_path, app_id="produced-topics"))
    client = _Client()
    streams.app.producer._producer = SimpleNamespace(client=client)  # type: ignore[attr-defined]

    async def start() -> None:
        for task in streams.app._app_tasks:  # type: ignore[attr-defined]  # what the worker runs once started
            await task()

    asyncio.run(start())

    assert client.topics == set(produced_topics(streams))
    assert "produced-topics-subject-state-changelog" in client.topics
