"""Crisis drills: synthetic but realistic post streams with known crises, for rehearsal and evaluation.

``write_suite(out, SuiteSpec(seed=7))`` writes ``posts.jsonl.gz``, ``watchlist.toml`` and ``truth.json``.
"""

from pipeline.simulate.scenarios import BENIGN_KINDS, CRISIS_KINDS
from pipeline.simulate.suite import DEFAULT_START, SuiteSpec, generate_posts, plan, write_suite

__all__ = ["BENIGN_KINDS", "CRISIS_KINDS", "DEFAULT_START", "SuiteSpec", "generate_posts", "plan", "write_suite"]
