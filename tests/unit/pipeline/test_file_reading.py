"""Reading JSONL safely: line numbers, blank lines, gzip, huge lines cut at the limit, no final newline."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from pipeline.ingest.files import open_maybe_gzip, read_lines


def test_lines_keep_their_numbers_and_blank_lines_are_skipped() -> None:
    lines = list(read_lines(io.BytesIO(b'{"a":1}\n\n   \n{"b":2}\r\n{"c":3}')))
    assert [(line.number, line.data) for line in lines] == [(1, b'{"a":1}'), (4, b'{"b":2}'), (5, b'{"c":3}')]


def test_a_huge_line_is_cut_at_the_limit_and_reports_its_full_size() -> None:
    huge = b"y" * 300_000
    lines = list(read_lines(io.BytesIO(b"first\n" + huge + b"\nlast\n"), max_bytes=1000))
    assert [line.number for line in lines] == [1, 2, 3]
    assert len(lines[1].data) == 1000 and lines[1].size == 300_000 and lines[1].oversized
    assert lines[2].data == b"last" and not lines[2].oversized


def test_gzip_is_detected_by_its_magic_bytes(tmp_path: Path) -> None:
    path = tmp_path / "posts.data"
    path.write_bytes(gzip.compress(b'{"a":1}\n{"b":2}\n'))
    with open_maybe_gzip(path) as stream:
        assert [line.data for line in read_lines(stream)] == [b'{"a":1}', b'{"b":2}']
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_bytes(b'{"a":1}\n')
    with open_maybe_gzip(plain) as stream:
        assert [line.data for line in read_lines(stream)] == [b'{"a":1}']
