"""Normalizer throughput: posts per second per platform, from raw payload bytes to validated Posts.

Payloads are the unit tests' documented fixtures, widened to realistic batch sizes with unique ids (an X search
page of 100 tweets, one Jetstream event per message, a 50-item feed, a 5,000-row export). Single core, no
Kafka. No assertions: compare runs.

    python benchmarks/bench_normalizers.py [--seconds 1.0] [--format x ...]
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from pipeline.ingest.normalizers import NORMALIZERS

__all__ = ["main"]

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "unit" / "ingest" / "normalizers" / "fixtures"


def _load(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


def _x() -> tuple[bytes, int]:
    page = _load("x/search_recent.json")
    tweets = []
    for index in range(100):
        tweet = copy.deepcopy(page["data"][index % 4])
        tweet["id"] = str(1877002000000000000 + index)
        tweets.append(tweet)
    page["data"] = tweets
    return orjson.dumps(page), 100


def _mastodon() -> tuple[bytes, int]:
    statuses = _load("mastodon/home_timeline.json")
    return orjson.dumps([{**statuses[index % 3], "id": str(1137410000 + index)} for index in range(40)]), 40


def _bluesky() -> tuple[bytes, int]:
    return (FIXTURES / "bluesky/post_reply_facets.json").read_bytes(), 1


def _reddit() -> tuple[bytes, int]:
    page = _load("reddit/comments_page.json")
    comment = page[1]["data"]["children"][0]
    comment["data"]["replies"] = ""
    children = [{"kind": "t1", "data": {**comment["data"], "id": f"c{index}"}} for index in range(100)]
    return orjson.dumps({"kind": "Listing", "data": {"children": children}}), 100


def _youtube() -> tuple[bytes, int]:
    response = _load("youtube/comment_threads.json")
    thread = response["items"][0]
    items = []
    for index in range(34):
        copied = copy.deepcopy(thread)
        copied["snippet"]["topLevelComment"]["id"] = f"T{index}"
        for number, reply in enumerate(copied["replies"]["comments"]):
            reply["id"] = f"T{index}.{number}"
        items.append(copied)
    response["items"] = items
    return orjson.dumps(response), 102


def _facebook() -> tuple[bytes, int]:
    delivery = _load("facebook/feed_changes.json")
    changes = delivery["entry"][0]["changes"][:3]
    delivery["entry"][0]["changes"] = changes
    return orjson.dumps(delivery), 3


def _tiktok() -> tuple[bytes, int]:
    response = _load("tiktok/videos.json")
    video = response["data"]["videos"][0]
    response["data"]["videos"] = [{**video, "id": 7321000000000000000 + index} for index in range(100)]
    return orjson.dumps(response), 100


def _rss() -> tuple[bytes, int]:
    text = (FIXTURES / "rss/news.xml").read_text(encoding="utf-8")
    start, end = text.index("<item>"), text.index("</item>") + len("</item>")
    item = text[start:end]
    items = "".join(item.replace("kabarkota-88123", f"kabarkota-{index}") for index in range(50))
    return (text[:start] + items + text[text.rindex("</channel>"):]).encode(), 50


def _csv_export() -> tuple[bytes, int]:
    row = "{index},2026-01-05 08:00:00.0,,,\"Bank X error lagi 😡 #BankXDown @bankx\",https://twitter.com/ani/status/" \
          "{index},twitter.com,twitter,in,ani,Ani,\"1,250\",true,10,4,2,900,BankXDown\r\n"
    header = "Mention Id,Date,Title,Snippet,Full Text,Url,Domain,Page Type,Language,Author,Full Name," \
             "Twitter Followers,Twitter Verified,Likes,Twitter Retweets,Twitter Replies,Impressions,Hashtags\r\n"
    return (header + "".join(row.format(index=index) for index in range(5000))).encode(), 5000


def _json_export() -> tuple[bytes, int]:
    rows = _load("export/talkwalker.json")["data"]
    return orjson.dumps({"data": [{**rows[index % 2], "external_id": f"tw-{index}"} for index in range(5000)]}), 5000


BUILDERS: dict[str, Callable[[], tuple[bytes, int]]] = {
    "x": _x, "mastodon": _mastodon, "bluesky": _bluesky, "reddit": _reddit, "youtube": _youtube,
    "facebook": _facebook, "tiktok": _tiktok, "rss": _rss, "csv_export": _csv_export, "json_export": _json_export,
}


def measure(format_name: str, seconds: float) -> float:
    """Posts per CPU second normalizing one platform's payload repeatedly for about ``seconds`` of CPU time.

    CPU time, not wall time, so the figure holds on a shared machine; it is one core's throughput.
    """
    payload, per_payload = BUILDERS[format_name]()
    normalize = NORMALIZERS[format_name]
    assert len(normalize(payload)) == per_payload, format_name
    posts, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        posts += len(normalize(payload))
    return posts / elapsed


def main() -> None:
    """Print posts/s per platform."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per platform")
    parser.add_argument("--format", action="append", choices=sorted(BUILDERS), help="only these formats")
    arguments = parser.parse_args()
    print(f"{'format':<12} {'posts/s':>10}")
    for name in arguments.format or list(BUILDERS):
        print(f"{name:<12} {measure(name, arguments.seconds):>10,.0f}")


if __name__ == "__main__":
    main()
