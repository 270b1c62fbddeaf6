"""Fictional Indonesian subjects for a drill, and the watchlist that recognises them.

Every name here is invented. Terms are chosen so that no subject's term is a substring of another's, so a post
written about one subject never matches a second one by accident.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass

import orjson

from schemas.watchlist import Watchlist

__all__ = ["CATEGORIES", "SimSubject", "as_watchlist", "make_subjects", "watchlist_toml"]

#: category -> (owning team, weekend volume factor, things people talk about).
CATEGORIES: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "bank": ("banking-comms", 0.75, ("mobile banking", "kartu debit", "transfer", "tabungan", "ATM", "m-banking")),
    "telco": ("telco-comms", 1.05, ("paket data", "kuota", "sinyal", "kartu SIM", "pulsa", "jaringan 5G")),
    "ecommerce": ("commerce-comms", 1.25, ("paket", "checkout", "voucher ongkir", "flash sale", "pesanan")),
    "airline": ("aviation-comms", 1.15, ("penerbangan", "bagasi", "tiket", "check-in online", "jadwal terbang")),
    "ministry": ("public-affairs", 0.6, ("portal layanan", "aplikasi", "pendaftaran online", "sertifikat digital")),
    "ride": ("mobility-comms", 1.1, ("ojek", "driver", "ongkos", "pesanan makanan", "aplikasi")),
    "utility": ("utility-comms", 0.9, ("token listrik", "tagihan", "meteran", "layanan pengaduan")),
    "fintech": ("fintech-comms", 1.0, ("dompet digital", "top up", "paylater", "saldo", "klaim")),
}

# (id, display name, category, hashtag, official care handle). Terms and the brand handle follow from the name.
_CATALOG: tuple[tuple[str, str, str, str, str], ...] = (
    ("bank-merapi", "Bank Merapi", "bank", "BankMerapi", "halomerapi"),
    ("sinyalku", "Sinyalku", "telco", "Sinyalku", "sinyalku_care"),
    ("lapakita", "Lapakita", "ecommerce", "Lapakita", "lapakita_cs"),
    ("kenari-air", "Kenari Air", "airline", "KenariAir", "kenariair_help"),
    ("kemenlidi", "Kemenlidi", "ministry", "Kemenlidi", "kemenlidi_ri"),
    ("ojekita", "Ojekita", "ride", "Ojekita", "ojekita_bantu"),
    ("listrik-nusantara", "Listrik Nusantara", "utility", "ListrikNusantara", "lisnus_123"),
    ("dompetan", "Dompetan", "fintech", "Dompetan", "dompetan_care"),
    ("bank-cendana", "Bank Cendana", "bank", "BankCendana", "cendana_care"),
    ("jelajah-seluler", "Jelajah Seluler", "telco", "JelajahSeluler", "jelajah_cs"),
    ("belanjaria", "Belanjaria", "ecommerce", "Belanjaria", "belanjaria_help"),
    ("kasuari-airlines", "Kasuari Airlines", "airline", "KasuariAirlines", "kasuari_care"),
    ("kempara", "Kempara", "ministry", "Kempara", "kempara_ri"),
    ("kurirku", "Kurirku", "ride", "Kurirku", "kurirku_cs"),
    ("tirta-kencana", "Tirta Kencana", "utility", "TirtaKencana", "tirtakencana_cs"),
    ("asuransi-teduh", "Asuransi Teduh", "fintech", "AsuransiTeduh", "teduh_care"),
    ("bank-lontar", "Bank Lontar", "bank", "BankLontar", "lontar_care"),
    ("kabarnet", "Kabarnet", "telco", "Kabarnet", "kabarnet_cs"),
    ("pasarkilat", "Pasarkilat", "ecommerce", "Pasarkilat", "pasarkilat_cs"),
    ("jalak-air", "Jalak Air", "airline", "JalakAir", "jalakair_care"),
    ("kemendesdig", "Kemendesdig", "ministry", "Kemendesdig", "kemendesdig_ri"),
    ("bank-kenanga", "Bank Kenanga", "bank", "BankKenanga", "kenanga_care"),
    ("celengin", "Celengin", "fintech", "Celengin", "celengin_cs"),
    ("tokoloka", "Tokoloka", "ecommerce", "Tokoloka", "tokoloka_cs"),
)
_SYLLABLES = ("ka", "ri", "su", "ma", "lo", "ne", "ta", "pu", "wi", "do", "ra", "gi", "be", "yo", "sa", "nu")
_GENERATED_SUFFIXES = (("Mart", "ecommerce"), ("Pay", "fintech"), ("Net", "telco"), ("Trans", "ride"))


@dataclass(frozen=True, slots=True)
class SimSubject:
    """One simulated subject: how people write its name, and how busy it is."""

    id: str
    name: str
    category: str
    hashtag: str
    handle: str
    care_handle: str
    peak_rate: float
    """Mentions per minute at a weekday evening peak."""

    @property
    def terms(self) -> tuple[str, ...]:
        """Lower-case phrases the watchlist matches: the name with and without its space."""
        spaced = self.name.lower()
        joined = spaced.replace(" ", "")
        return (spaced,) if spaced == joined else (spaced, joined)

    @property
    def team(self) -> str:
        """The owning team for routing."""
        return CATEGORIES[self.category][0]

    @property
    def references(self) -> tuple[str, ...]:
        """Ways a post names the subject; each contains one of its terms (case aside)."""
        return (self.name, self.name, self.name.lower(), f"@{self.handle}", f"#{self.hashtag}")


def _generated(rng: random.Random, taken: set[str]) -> tuple[str, str, str, str, str]:
    """An invented brand beyond the catalog, unique and never a substring of a taken term."""
    while True:
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        suffix, category = rng.choice(_GENERATED_SUFFIXES)
        name = f"{stem}{suffix}"
        key = name.lower()
        if not any(key in other or other in key for other in taken):
            return key, name, category, name, f"{key}_cs"


def make_subjects(count: int, rng: random.Random) -> list[SimSubject]:
    """``count`` subjects, peak rates spread log-uniformly over 1 to 20 mentions per minute.

    >>> subjects = make_subjects(20, random.Random(1))
    >>> len({s.id for s in subjects}), min(s.peak_rate for s in subjects) < 2 < 12 < max(s.peak_rate for s in subjects)
    (20, True)
    """
    if count < 1:
        raise ValueError("a suite needs at least one subject")
    rows = list(_CATALOG[:count])
    taken = {term for row in rows for term in (row[1].lower(), row[1].lower().replace(" ", ""))}
    while len(rows) < count:
        row = _generated(rng, taken)
        taken.add(row[0])
        rows.append(row)
    quantiles = [(index + rng.random()) / count for index in range(count)]
    rng.shuffle(quantiles)
    return [
        SimSubject(id=row[0], name=row[1], category=row[2], hashtag=row[3], handle=row[3].lower(),
                   care_handle=row[4], peak_rate=round(20.0 ** quantile, 2))
        for row, quantile in zip(rows, quantiles, strict=True)
    ]


def _toml_value(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return orjson.dumps(value).decode()


def watchlist_toml(subjects: list[SimSubject]) -> str:
    """The watchlist for ``subjects`` in the TOML format of ``schemas/watchlist.py``."""
    lines = [
        "# Siaga crisis-drill watchlist (generated by `siaga simulate`; every subject is fictional).",
        "",
        "[defaults]",
        'languages = ["id", "en"]',
        'sensitivity = "balanced"',
        "",
    ]
    for subject in subjects:
        lines += [
            "[[subjects]]",
            f"id = {_toml_value(subject.id)}",
            f"name = {_toml_value(subject.name)}",
            f"terms = {_toml_value(list(subject.terms))}",
            f"hashtags = {_toml_value([subject.hashtag])}",
            f"handles = {_toml_value([subject.handle])}",
            f"official_handles = {_toml_value([subject.handle, subject.care_handle])}",
            f"exclude = {_toml_value(['lowongan kerja', 'loker'])}",
            f"team = {_toml_value(subject.team)}",
            f"runbook_url = {_toml_value(f'https://runbooks.example.id/siaga/{subject.id}')}",
            "",
        ]
    return "\n".join(lines)


def as_watchlist(subjects: list[SimSubject]) -> Watchlist:
    """The same watchlist as a record (for tests and in-process use)."""
    return Watchlist.from_dict(tomllib.loads(watchlist_toml(subjects)))
