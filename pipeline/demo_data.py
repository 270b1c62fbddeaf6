"""The demo stream: a day of normal traffic for three subjects, then an outage surge for one, then calm.

Deterministic for a seed; it backs ``siaga demo``, the bundled ``pipeline/data/demo_posts.jsonl.gz`` and the
end-to-end tests, which need a stream whose one true crisis is known.
"""

from __future__ import annotations

import gzip
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from schemas.post import Author, Engagement, Post

__all__ = ["DemoScenario", "demo_posts", "write_demo_file"]

#: Monday 2026-03-02 00:00 in Jakarta (UTC+7).
DEFAULT_START = 1772384400.0
_HOUR = 3600.0

_NORMAL = {
    "bank-nusantara": [
        "Transfer lewat m-nusantara cepat, mantap", "Bank Nusantara buka cabang baru di Depok ya?",
        "cek saldo di banknus aman jaya", "Promo cashback Bank Nusantara lumayan juga",
        "@banknusantara jam operasional hari sabtu sampai jam berapa min?",
        "Thanks Bank Nusantara, kartu baru udah jadi", "m-nusantara update fitur QRIS, oke lah",
        "antri di bank nusantara cuma 5 menit hari ini", "Bank Nusantara savings rate is decent",
    ],
    "telko-merdeka": [
        "sinyal merdeka di kantor lancar", "Paket data Telko Merdeka murah meriah", "@telkomerdeka kuota malam "
        "berlaku jam berapa?", "Telko Merdeka 5G udah masuk Bekasi", "ganti kartu ke telkomerdeka, so far ok",
        "Telko Merdeka roaming works fine in Singapore",
    ],
    "dinas-air-kota": [
        "Air PDAM kota lancar pagi ini", "Dinas Air Kota lagi perbaikan pipa di jalan Melati, info aja",
        "@pdamkota tagihan bulan ini bisa dibayar di minimarket?", "pdam kota makin jernih airnya",
    ],
}
_CRISIS = [
    "m-nusantara error terus, gak bisa login dari pagi! parah", "Bank Nusantara down lagi?? transfer gagal, saldo "
    "kepotong #BankNusantaraError", "kecewa bgt sama Bank Nusantara, gaji gak bisa ditarik", "@banknusantara "
    "tolong dong aplikasinya gak bisa dibuka, kacau", "banknus gangguan, ATM juga gak bisa, rugi gue",
    "Bank Nusantara app is down again, worst bank ever #BankNusantaraError", "parah, m-nusantara error 500, "
    "cs gak bisa dihubungi", "uang hilang setelah transfer di Bank Nusantara, gak ada kejelasan, marah banget",
]
_RESPONSE = ("Mohon maaf atas gangguan layanan m-nusantara. Tim kami sedang menangani, update berikutnya "
             "dalam 30 menit. #BankNusantara")


@dataclass(frozen=True)
class DemoScenario:
    """When the crisis happens, relative to the start of the stream (hours), and how large it is."""

    start: float = DEFAULT_START
    hours: float = 30.0
    crisis_start_hours: float = 27.0
    crisis_hours: float = 1.0
    crisis_rate_per_minute: float = 45.0
    seed: int = 7

    @property
    def crisis_start(self) -> float:
        """Epoch seconds of the surge's first minute."""
        return self.start + self.crisis_start_hours * _HOUR

    @property
    def crisis_end(self) -> float:
        """Epoch seconds at which the surge stops."""
        return self.crisis_start + self.crisis_hours * _HOUR


_PEAK_RATE = {"bank-nusantara": 6.0, "telko-merdeka": 4.0, "dinas-air-kota": 2.5}


def _rhythm(epoch: float) -> float:
    """Share of the peak rate at this moment: quiet at night in Jakarta, busy in the morning and evening."""
    hour = ((epoch / _HOUR) + 7.0) % 24.0
    return 0.12 + 0.88 * max(0.0, math.sin(math.pi * (hour - 5.0) / 18.0)) ** 1.5 if 5.0 <= hour <= 23.0 else 0.12


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def demo_posts(scenario: DemoScenario | None = None) -> Iterator[Post]:
    """Every post of the scenario, in event-time order."""
    scenario = scenario or DemoScenario()
    rng = random.Random(scenario.seed)
    minutes = int(scenario.hours * 60)
    counter = 0
    for minute in range(minutes):
        minute_start = scenario.start + minute * 60.0
        batch: list[tuple[float, str, str, int, bool]] = []
        for subject, peak in _PEAK_RATE.items():
            for _ in range(_poisson(rng, peak * _rhythm(minute_start))):
                author = rng.randrange(400)
                when = minute_start + rng.random() * 60.0
                batch.append((when, rng.choice(_NORMAL[subject]), f"u{subject[:3]}{author}", author, False))
        if scenario.crisis_start <= minute_start < scenario.crisis_end:
            for _ in range(_poisson(rng, scenario.crisis_rate_per_minute)):
                author = rng.randrange(5000)
                when = minute_start + rng.random() * 60.0
                batch.append((when, rng.choice(_CRISIS), f"angry{author}", author, False))
            if minute_start == scenario.crisis_start + 15 * 60.0:
                batch.append((minute_start + 30.0, _RESPONSE, "banknusantara", 0, True))
        for created_at, text, handle, _author, official in sorted(batch):
            counter += 1
            followers = 250_000 if official else int(rng.paretovariate(1.2) * 80)
            yield Post(
                id=f"x:demo{counter}", platform="x", url=f"https://x.com/{handle}/status/demo{counter}",
                author=Author(id=f"x:{handle}", handle=handle, followers=followers, verified=official),
                text=text, created_at=round(created_at, 3), kind="post",
                engagement=Engagement(likes=rng.randrange(20), reposts=rng.randrange(5)),
                hashtags=tuple(word.lstrip("#") for word in text.split() if word.startswith("#")),
            )


def write_demo_file(path: Path, scenario: DemoScenario | None = None) -> int:
    """Write the scenario as gzip JSONL (deterministic bytes: no timestamp in the gzip header); returns the count."""
    count = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        for post in demo_posts(scenario):
            out.write(post.to_json() + b"\n")
            count += 1
    return count
