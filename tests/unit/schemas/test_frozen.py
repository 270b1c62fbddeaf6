"""The fast builders of frozen dataclasses make exactly what the dataclasses' own ``__init__`` makes."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.frozen import positional_builder
from schemas.mention import Mention, Sentiment
from schemas.post import Author, Engagement, Post

values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                   st.tuples(st.text(max_size=4)))


def _same(built: Any, made: Any) -> None:
    assert type(built) is type(made)
    assert built == made and hash(built) == hash(made) and repr(built) == repr(made)
    assert dataclasses.astuple(built) == dataclasses.astuple(made)
    assert pickle.loads(pickle.dumps(built)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, dataclasses.fields(built)[0].name, "changed")


@pytest.mark.parametrize("cls", [Post, Author, Engagement, Mention, Sentiment])
@given(data=st.data())
def test_a_built_instance_is_the_one_init_makes(cls: type, data: st.DataObject) -> None:
    fields = [data.draw(values) for _ in dataclasses.fields(cls)]
    _same(positional_builder(cls)(*fields), cls(*fields))


def test_only_slotted_dataclasses_without_post_init_are_built() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            raise ValueError("never skipped")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Hidden:
        x: int
        y: int = dataclasses.field(default=0, init=False)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived(Base):
        y: int

    for cls in (Unslotted, Checked, Hidden, Derived, int):
        with pytest.raises(TypeError):
            positional_builder(cls)
