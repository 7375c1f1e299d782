"""relbook.datatype makes the classes dataclasses would: the same constructor, equality,
hash, repr, frozenness, replace, fields and asdict, for classes declared alike."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from relbook import datatype as dt
from relbook.model import Part, Runbook, Section, Step


def _pair(frozen: bool) -> tuple[Any, Any]:
    """One class declared twice: as a dataclass and as a datatype."""

    def body(fld: Any) -> dict[str, Any]:
        return {
            "__annotations__": {"a": "int", "b": "str", "c": "tuple", "d": "dict", "e": "str"},
            "b": "x",
            "c": (),
            "d": fld(default_factory=dict, compare=False),
            "e": fld(default="", repr=False),
        }

    made = dataclasses.dataclass(frozen=frozen)(type("Thing", (), body(dataclasses.field)))
    ours = dt.datatype(frozen=frozen)(type("Thing", (), body(dt.field)))
    return made, ours


@pytest.mark.parametrize("frozen", [True, False])
def test_a_datatype_behaves_as_the_dataclass_declared_alike(frozen: bool) -> None:
    made, ours = _pair(frozen)
    for args, kw in [((1,), {}), ((1, "y", (2,)), {"d": {"k": 1}, "e": "z"}), ((), {"a": 3})]:
        want, got = made(*args, **kw), ours(*args, **kw)
        assert repr(got) == repr(want)
        assert vars(got) == vars(want) and list(vars(got)) == list(vars(want))
        assert (got == ours(*args, **kw)) is (want == made(*args, **kw)) is True
        assert got != ours(9) and got != want  # another class is never equal
        assert (got == ours(*args, **{**kw, "d": {"other": 1}})) is True  # d: compare=False
        if frozen:
            assert hash(got) == hash(ours(*args, **kw))
            with pytest.raises(AttributeError):
                got.a = 2
            with pytest.raises(dt.FrozenInstanceError):
                del got.a
        else:
            assert type(got).__hash__ is None and type(want).__hash__ is None
            got.a = 2
            assert got.a == 2
    assert ours(1).d is not ours(1).d  # a fresh dict each time
    assert ours.__match_args__ == made.__match_args__ == ("a", "b", "c", "d", "e")
    assert [(f.name, f.default) for f in dt.fields(ours)] == [
        (f.name, f.default if f.default is not dataclasses.MISSING else dt.MISSING)
        for f in dataclasses.fields(made)
    ]


def test_the_constructor_refuses_what_the_dataclass_refuses() -> None:
    made, ours = _pair(True)
    for args, kw in [((), {}), ((1, "y", (), {}, "", 5), {}), ((1,), {"f": 1}), ((1,), {"a": 2})]:
        with pytest.raises(TypeError):
            made(*args, **kw)
        with pytest.raises(TypeError):
            ours(*args, **kw)


def test_declarations_dataclasses_refuse_are_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):
        dt.datatype(type("T", (), {"__annotations__": {"a": "list"}, "a": []}))
    with pytest.raises(TypeError, match="non-default argument 'b'"):
        dt.datatype(type("T", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))


def test_replace_fields_asdict_and_copies() -> None:
    step = Step("s1", "shell", "Tag", 3, "Release", parts=(Part("command", 4, "git tag"),))
    moved = dt.replace(step, line=9, directives={"x": 1})
    assert (moved.line, moved.id, moved.parts, moved.directives) == (9, "s1", step.parts, {"x": 1})
    assert step.line == 3 and moved == dt.replace(step, line=9)  # directives: not compared
    with pytest.raises(TypeError):
        dt.replace(step, nope=1)
    with pytest.raises(TypeError):
        dt.fields(object())
    section = Section("s", "Release", 2, 1, ("Release",))
    assert dt.asdict(section) == {"id": "s", "title": "Release", "level": 2, "line": 1,
                                  "path": ("Release",), "contingency": False,
                                  "signoff": False}  # fmt: skip
    assert dt.asdict(step)["parts"] == ({"kind": "command", "line": 4, "source": "git tag",
                                         "comment": ""},)  # fmt: skip
    rb = Runbook("g.md", "Guide", "0" * 64, (section,), (step,), source="# Guide")
    for twin in (copy.deepcopy(rb), pickle.loads(pickle.dumps(rb))):
        assert twin == rb and twin.steps[0].parts == step.parts and twin.source == "# Guide"
    assert "# Guide" not in repr(rb)  # source: repr=False, as declared


def test_a_post_init_runs_and_a_method_of_the_class_is_kept() -> None:
    class Thing:
        a: int
        seen: list[int] = dt.field(default_factory=list)

        def __post_init__(self) -> None:
            self.seen.append(self.a)

        def __repr__(self) -> str:
            return "mine"

    Thing = dt.datatype(Thing)  # noqa: N806
    assert Thing(4).seen == [4] and repr(Thing(1)) == "mine"
