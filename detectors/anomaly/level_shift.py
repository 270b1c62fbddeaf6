"""Noticing that a series has settled at a new level, so a baseline can adopt it instead of alerting for ever.

A baseline protects itself from crises: it winsorizes what it learns, and it learns nothing while an incident is
open. The price is that a lasting change of level (a campaign that doubles a brand's audience for good, a watched
term that starts matching a second meaning, a source that stops sending) would never be learned: a step up keeps
its incident open for ever, or opens one every few hours, and a step down makes the subject deaf.
:class:`LevelShift` watches every window's residual, learned or not, and says when the residuals have stayed on
one side, by more than ``sigmas`` noise standard deviations on average (both averaged the same way, so a quiet
night's larger relative noise does not restart the clock), for ``persist_seconds`` of event time. A
crisis rises and falls within hours, even one that lasts two days; a new normal stays, so waiting three days
tells them apart.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LevelShift"]


class LevelShift:
    """Tracks the exponentially weighted mean of a series' residuals and noise, and reports a persistent shift.

    Parameters
    ----------
    rate
        Weight of each new residual in the mean (``1 - 0.5 ** (window / half-life)``).
    sigmas
        The mean residual must stay beyond this many times the mean noise standard deviation of one window ...
    persist_seconds
        ... for this long before :meth:`update` reports the shift.

    Examples
    --------
    >>> shift = LevelShift(rate=0.5, sigmas=2.0, persist_seconds=300.0)
    >>> [shift.update(1.0, 0.1, t) for t in (0.0, 60.0, 120.0, 180.0, 240.0, 300.0)]
    [None, None, None, None, None, 0.984375]
    >>> shift.mean, shift.noise, shift.since
    (0.0, 0.0, None)
    """

    __slots__ = ("mean", "noise", "persist_seconds", "rate", "sigmas", "since")

    def __init__(self, rate: float, sigmas: float, persist_seconds: float) -> None:
        self.rate = rate
        self.sigmas = sigmas
        self.persist_seconds = persist_seconds
        self.mean = 0.0
        self.noise = 0.0  # the same average of the windows' noise standard deviations
        self.since: float | None = None  # when the mean left the band on its current side

    @property
    def side(self) -> int:
        """+1 while the mean residual is above the band, -1 below it, 0 within it."""
        band = self.sigmas * self.noise
        return 1 if self.mean > band else -1 if self.mean < -band else 0

    def update(self, residual: float, sd: float, t: float) -> float | None:
        """Add the residual of the window at ``t`` (its noise is ``sd``); returns the shift once it has persisted.

        After a report the tracker starts again from zero: the caller moves its baseline by the shift, so the
        residuals that follow are measured from the new level.
        """
        before = self.side
        self.mean += self.rate * (residual - self.mean)
        self.noise += self.rate * (sd - self.noise)
        side = self.side
        if side != before:
            self.since = t if side else None
            return None
        if self.since is None or t - self.since < self.persist_seconds:
            return None
        shift = self.mean
        self.mean, self.noise, self.since = 0.0, 0.0, None
        return shift

    def to_list(self) -> list[Any]:
        """The state as plain values: ``[mean, noise, since]``."""
        return [self.mean, self.noise, self.since]

    def restore(self, state: list[Any]) -> None:
        """Take back a state written by :meth:`to_list`."""
        mean, noise, since = state
        self.mean, self.noise = float(mean), float(noise)
        self.since = None if since is None else float(since)
