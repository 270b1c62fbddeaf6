"""The watchlist: which subjects Siaga watches and how to recognise them (TOML or JSON)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from detectors.presets import OverrideError, check_overrides
from schemas import _checks as check
from schemas.errors import SchemaError

__all__ = ["SENSITIVITIES", "Subject", "Watchlist", "load_watchlist"]

SENSITIVITIES: frozenset[str] = frozenset({"low", "balanced", "high"})
_SUBJECT_FIELDS = frozenset({"id", "name", "terms", "hashtags", "handles", "official_handles", "exclude",
                             "languages", "sensitivity", "team", "runbook_url", "detector"})
_DEFAULT_FIELDS = frozenset({"sensitivity", "team", "runbook_url", "languages", "detector"})


@dataclass(frozen=True, slots=True)
class Subject:
    """One watched subject: a brand, product, public body or person."""

    id: str
    name: str
    terms: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    official_handles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sensitivity: str = "balanced"
    team: str = "default"
    runbook_url: str | None = None
    detector: tuple[tuple[str, float | bool], ...] = ()

    @property
    def detector_overrides(self) -> dict[str, float | bool]:
        """Detector parameters set in the watchlist (subject over defaults), applied on top of the preset."""
        return dict(self.detector)

    @classmethod
    def from_dict(cls, record: Any, defaults: dict[str, Any], path: str) -> Subject:
        """Validate one subject table; missing settings come from ``defaults``."""
        record = check.obj(record, path)
        check.no_extra_keys(record, _SUBJECT_FIELDS, path)
        subject_id = check.string(check.get(record, "id", f"{path}.id"), f"{path}.id", 128, allow_empty=False)
        if not subject_id[0].isalnum() or not all(c.isalnum() or c in "_.-" for c in subject_id) \
                or subject_id != subject_id.lower():
            raise SchemaError(f"{path}.id", "use lower-case letters, digits, '.', '_' and '-'")

        def strings(name: str) -> tuple[str, ...]:
            values = record.get(name, defaults.get(name, check.MISSING))
            return tuple(v for v in check.string_list(values, f"{path}.{name}", 10_000, 256) if v.strip())

        sensitivity = check.choice(record.get("sensitivity", defaults.get("sensitivity", "balanced")),
                                   f"{path}.sensitivity", SENSITIVITIES)
        subject = cls(
            id=subject_id,
            name=check.string(check.get(record, "name", f"{path}.name"), f"{path}.name", 256, allow_empty=False),
            terms=strings("terms"),
            hashtags=tuple(tag.lstrip("#") for tag in strings("hashtags")),
            handles=tuple(handle.lstrip("@") for handle in strings("handles")),
            official_handles=tuple(handle.lstrip("@") for handle in strings("official_handles")),
            exclude=strings("exclude"),
            languages=strings("languages"),
            sensitivity=sensitivity,
            team=check.string(record.get("team", defaults.get("team", "default")), f"{path}.team", 128),
            runbook_url=check.optional_string(record.get("runbook_url", defaults.get("runbook_url", check.MISSING)),
                                              f"{path}.runbook_url", 2048),
            detector=_detector(record, defaults, subject_id, sensitivity, path),
        )
        if not (subject.terms or subject.hashtags or subject.handles or subject.official_handles):
            raise SchemaError(path, f"subject {subject_id!r} needs at least one term, hashtag or handle")
        return subject

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form."""
        return {
            "id": self.id, "name": self.name, "terms": list(self.terms), "hashtags": list(self.hashtags),
            "handles": list(self.handles), "official_handles": list(self.official_handles),
            "exclude": list(self.exclude), "languages": list(self.languages), "sensitivity": self.sensitivity,
            "team": self.team, "runbook_url": self.runbook_url, "detector": self.detector_overrides,
        }


def _detector(record: dict[str, Any], defaults: dict[str, Any], subject_id: str, sensitivity: str,
              path: str) -> tuple[tuple[str, float | bool], ...]:
    """The subject's ``detector`` table over the defaults' one, checked against its sensitivity's preset."""
    own = check.obj(record.get("detector", {}), f"{path}.detector")
    inherited = check.obj(defaults.get("detector", {}), "defaults.detector")
    try:
        checked = check_overrides(sensitivity, {**inherited, **own})
    except OverrideError as error:
        reason = "wrong_type" if error.wrong_type else "invalid_value"
        if error.name in own:
            raise SchemaError(f"{path}.detector.{error.name}", error.problem, reason) from None
        raise SchemaError(f"defaults.detector.{error.name}", f"{error.problem} (subject {subject_id!r})",
                          reason) from None
    return tuple(sorted(checked.items()))


@dataclass(frozen=True, slots=True)
class Watchlist:
    """All watched subjects, by id.

    >>> watchlist = Watchlist.from_dict({"subjects": [{"id": "pln", "name": "PLN", "terms": ["pln"]}]})
    >>> watchlist["pln"].sensitivity
    'balanced'
    """

    subjects: tuple[Subject, ...]

    @classmethod
    def from_dict(cls, record: Any) -> Watchlist:
        """Validate a decoded watchlist; ids must be unique."""
        record = check.obj(record, "")
        check.no_extra_keys(record, frozenset({"defaults", "subjects"}), "")
        defaults = check.obj(record.get("defaults", {}), "defaults")
        check.no_extra_keys(defaults, _DEFAULT_FIELDS, "defaults")
        raw_subjects = check.get(record, "subjects", "subjects")
        if not isinstance(raw_subjects, list):
            raise SchemaError("subjects", "must be an array of tables", "wrong_type")
        subjects = tuple(
            Subject.from_dict(item, defaults, f"subjects[{index}]") for index, item in enumerate(raw_subjects)
        )
        seen: set[str] = set()
        for subject in subjects:
            if subject.id in seen:
                raise SchemaError("subjects", f"subject id {subject.id!r} appears twice")
            seen.add(subject.id)
        return cls(subjects=subjects)

    def __getitem__(self, subject_id: str) -> Subject:
        for subject in self.subjects:
            if subject.id == subject_id:
                return subject
        raise KeyError(subject_id)

    def __len__(self) -> int:
        return len(self.subjects)

    def by_id(self) -> dict[str, Subject]:
        """Subjects keyed by id."""
        return {subject.id: subject for subject in self.subjects}

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (every default resolved into each subject)."""
        return {"subjects": [subject.to_dict() for subject in self.subjects]}


def load_watchlist(path: str | Path) -> Watchlist:
    """Read a watchlist from a ``.toml`` or ``.json`` file; errors name the file and the field."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        record = orjson.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (orjson.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SchemaError("", f"{path}: cannot be parsed: {error}", "invalid_json") from None
    try:
        return Watchlist.from_dict(record)
    except SchemaError as error:
        raise SchemaError(error.field, f"{error.problem} (in {path})", error.reason) from None
