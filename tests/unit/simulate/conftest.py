"""A light suite written once per test session (three subjects, one week, a tenth of the volume, plain JSONL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.simulate import SuiteSpec, write_suite

SMALL = SuiteSpec(seed=11, subjects=3, weeks=1, gzip=False, volume=0.1)


@pytest.fixture(scope="session")
def small_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("suite")
    write_suite(out, SMALL)
    return out
