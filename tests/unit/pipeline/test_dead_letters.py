"""Dead-letter records and the dry-run sink: the reason, the field, the origin and the original bytes."""

from __future__ import annotations

import io
from pathlib import Path

import orjson

from pipeline.ingest.file_ingest import DryRunSink, ingest_paths
from pipeline.ingest.publisher import DLQ_SAMPLE_BYTES, dead_letter_record
from schemas.errors import SchemaError


def test_a_dead_letter_keeps_binary_input_as_base64_and_cuts_huge_input() -> None:
    binary = orjson.loads(dead_letter_record(b"\xff\x00", SchemaError("", "bad", "invalid_utf8"), "file",
                                             {"file": "f", "line": 1}, 0.0))
    assert binary["original_base64"] == "/wA=" and "original" not in binary
    huge = orjson.loads(dead_letter_record(b"x" * (DLQ_SAMPLE_BYTES + 10), SchemaError("text", "long", "too_large"),
                                           "file", {}, 0.0, size=5_000_000))
    assert huge["truncated"] and huge["original_size"] == 5_000_000 and len(huge["original"]) == DLQ_SAMPLE_BYTES
    assert huge["field"] == "text" and huge["error"] == "text: long"


def test_a_dry_run_prints_valid_posts_and_rejections_and_counts_them(tmp_path: Path) -> None:
    good = (b'{"schema_version":1,"id":"x:1","platform":"x","author":{"id":"u"},"text":"a",'
            b'"created_at":"2026-01-01T00:00:00Z"}')
    path = tmp_path / "in.jsonl"
    path.write_bytes(good + b"\n{broken\n" + good + b"\n")
    out, err = io.StringIO(), io.StringIO()
    summary = ingest_paths([path], DryRunSink(out, err))
    assert (summary.read, summary.published, summary.rejected_total, summary.duplicates) == (3, 1, 1, 1)
    assert orjson.loads(out.getvalue())["id"] == "x:1"
    rejection = orjson.loads(err.getvalue())
    assert rejection["reason"] == "invalid_json" and rejection["origin"] == {"file": str(path), "line": 2}
