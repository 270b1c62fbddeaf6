"""``siaga ingest file`` with hostile input: every valid post published, every bad line dead-lettered with why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from tests.integration.stack import isolated_settings, read_topic


def _post(number: int, **changes: object) -> dict[str, object]:
    post: dict[str, object] = {
        "schema_version": 1, "id": f"x:{number}", "platform": "x", "author": {"id": f"x:u{number}", "followers": 10},
        "text": f"PLN padam lagi nomor {number} 😡", "created_at": "2026-03-02T08:00:00+07:00",
    }
    post.update(changes)
    return post


def test_bad_lines_go_to_the_dlq_with_reasons_and_every_valid_post_is_published(
    kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path
) -> None:
    settings = isolated_settings(kafka_bootstrap, unique_topic_prefix)
    valid = [_post(n) for n in range(1, 201)]
    missing_author = _post(900)
    del missing_author["author"]
    bad_lines = {
        b"{not json at all": "invalid_json",
        orjson.dumps(missing_author): "missing_field",
        orjson.dumps(_post(901, author={"id": "x:u", "followers": "many"})): "wrong_type",
        orjson.dumps(_post(902, text="x" * 5_000_000)): "too_large",
        b'{"schema_version": 1, "id": "x:903", "text": "\xff\xfe broken"}': "invalid_utf8",
        orjson.dumps(_post(904, id="myspace:1", platform="myspace")): "unknown_platform",
        b"[1, 2, 3]": "not_an_object",
    }
    lines = [orjson.dumps(post) for post in valid[:100]] + list(bad_lines) + [orjson.dumps(p) for p in valid[100:]]
    lines.append(orjson.dumps(valid[0]))
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")

    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "SIAGA_TOPIC_PREFIX": settings.topics.posts.removesuffix("siaga.posts")}
    done = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "file", str(source), "--metrics-port", "0"],
                          env=env, capture_output=True, timeout=120)

    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "read 208, published 200, rejected 7, duplicates 1" in done.stdout.decode()
    published = read_topic(settings, settings.topics.posts, until=lambda v: len(v) >= 200, timeout=30)
    assert sorted(orjson.loads(v)["id"] for v in published) == sorted(str(p["id"]) for p in valid)
    dead = [orjson.loads(v) for v in read_topic(settings, settings.topics.posts_dlq, until=lambda v: len(v) >= 7,
                                                timeout=30)]
    assert sorted(record["reason"] for record in dead) == sorted(bad_lines.values())
    assert sorted(record["origin"]["line"] for record in dead) == list(range(101, 108))
    huge = next(record for record in dead if record["reason"] == "too_large")
    assert huge["truncated"] and huge["original_size"] > 5_000_000
    broken = next(record for record in dead if record["reason"] == "invalid_utf8")
    assert "original_base64" in broken
    assert all(record["error"] for record in dead)
