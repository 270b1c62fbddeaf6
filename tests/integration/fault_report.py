"""A row per fault test, printed as one table at the end of the run (the figures a closing note quotes).

A fault test records what went in and what came out with the ``fault_report`` fixture; ``pytest_terminal_summary``
in conftest prints the rows. The table only reports: each test asserts its own figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from schemas.crisis_event import CrisisEvent

__all__ = ["FAULT_ROWS", "FaultRow", "format_fault_table"]


@dataclass(frozen=True)
class FaultRow:
    """What one fault run took in and gave out, next to what an uninterrupted run gives."""

    fault: str
    posts_in: int
    posts_delivered: int
    events_expected: int
    events_seen: int
    redelivered: int
    duplicated_incidents: int
    dead_lettered: int = 0

    @classmethod
    def from_events(cls, fault: str, posts_in: int, posts_delivered: int, expected: Iterable[CrisisEvent],
                    seen: Iterable[CrisisEvent]) -> FaultRow:
        """Compare crisis events by id: ``redelivered`` counts repeats of an id, ``duplicated_incidents`` counts
        incidents announced under an id the uninterrupted run does not have (one incident told twice)."""
        expected_ids = {event.id for event in expected}
        counts = Counter(event.id for event in seen)
        return cls(fault, posts_in, posts_delivered, len(expected_ids), len(counts),
                   sum(counts.values()) - len(counts), len(set(counts) - expected_ids))


FAULT_ROWS = pytest.StashKey[list[FaultRow]]()

_HEADER = ("fault", "lines in", "posts delivered", "dead-lettered", "events expected", "events seen (distinct ids)",
           "repeats of an id", "incidents duplicated")


def format_fault_table(rows: Iterable[FaultRow]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    lines.extend(f"| {row.fault} | {row.posts_in:,} | {row.posts_delivered:,} | {row.dead_lettered:,} | "
                 f"{row.events_expected} | "
                 f"{row.events_seen} | {row.redelivered} | {row.duplicated_incidents} |" for row in rows)
    return "\n".join(lines)
