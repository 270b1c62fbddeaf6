"""Event-time bookkeeping shared by the streaming worker and the in-process replay."""

from __future__ import annotations

import math

__all__ = ["closable_index", "window_end"]


def window_end(created_at: float, window_seconds: float) -> float:
    """End of the window ``created_at`` falls in (windows are aligned to the epoch).

    >>> window_end(125.0, 60.0)
    180.0
    """
    return (math.floor(created_at / window_seconds) + 1) * window_seconds


def closable_index(watermark: float, window_seconds: float, allowed_lateness: float) -> int:
    """Index of the boundary up to which windows can close: windows ending at or before it are final.

    A sweep is due whenever this number grows.

    >>> closable_index(200.0, 60.0, 60.0), closable_index(239.9, 60.0, 60.0), closable_index(240.0, 60.0, 60.0)
    (2, 2, 3)
    """
    if math.isinf(watermark):
        return 2**62
    return math.floor((watermark - allowed_lateness) / window_seconds)
