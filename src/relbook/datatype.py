"""Plain data classes, declared as dataclasses are, at a fraction of their start-up cost.

`dataclasses` writes six methods of a frozen class as source text and compiles them when
the class is made: for the forty classes a dry run loads, a sixth of relbook's start-up.
`@datatype` makes the same classes from shared functions, compiling nothing: an
`__init__` taking the fields in order with their defaults, equality and, for a frozen
class, a hash of the compared fields, a repr, instances of a frozen class refusing
assignment, `__match_args__`. `replace`, `fields` and `asdict` do for these classes what
dataclasses' functions of the same names do. Not supported (relbook declares none):
ClassVar, InitVar, KW_ONLY, init=False, ordering.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # no default given


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen datatype."""


class Field:
    """One field of a datatype: its name, default or default factory, and whether it
    takes part in equality (and hashing) and in the repr."""

    __slots__ = ("name", "default", "default_factory", "compare", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        compare: bool = True,
        repr: bool = True,  # noqa: A002 - the name dataclasses.field gives it
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.compare, self.repr = compare, repr

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    compare: bool = True,
    repr: bool = True,  # noqa: A002 - the name dataclasses.field gives it
) -> Any:
    """A field with a default factory, or left out of equality or of the repr."""
    return Field(default, default_factory, compare, repr)


def datatype(cls: type[T] | None = None, *, frozen: bool = False) -> Any:
    """Make `cls` a data class of its annotated fields (as @dataclass, @dataclass(frozen=True))."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, frozen)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a datatype (or of an instance of one), in order."""
    try:
        return obj.__datatype_fields__
    except AttributeError:
        raise TypeError("must be called with a datatype or an instance of one") from None


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of `obj` with the fields `changes` names set to new values."""
    for f in fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def asdict(obj: Any) -> dict[str, Any]:
    """The fields of `obj` as a dict; datatypes inside (in lists, tuples, dicts) too."""
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def _plain(value: Any) -> Any:
    if hasattr(type(value), "__datatype_fields__"):
        return asdict(value)
    if type(value) in (list, tuple):
        return type(value)(_plain(v) for v in value)
    if type(value) is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _make(cls: type[T], frozen: bool) -> type[T]:
    own = _own_fields(cls)
    every = {f.name: f for base in cls.__mro__[-1:0:-1] for f in _fields_of(base)}
    every.update((f.name, f) for f in own)
    made = tuple(every.values())
    _check_order(cls, made)
    compared = tuple(f.name for f in made if f.compare)
    cls.__datatype_fields__ = made
    cls.__datatype_key__ = _key(compared)
    cls.__datatype_repr__ = tuple(f.name for f in made if f.repr)
    cls.__match_args__ = tuple(f.name for f in made)
    _set(cls, "__init__", _init(cls, made))
    _set(cls, "__repr__", _repr)
    _set(cls, "__eq__", _eq)
    if frozen:
        _set(cls, "__setattr__", _frozen_setattr)
        _set(cls, "__delattr__", _frozen_delattr)
    if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
        cls.__hash__ = _hash if frozen else None  # as dataclasses: eq, not frozen
    return cls


def _fields_of(cls: type) -> tuple[Field, ...]:
    return cls.__dict__.get("__datatype_fields__", ())


def _own_fields(cls: type) -> list[Field]:
    """The fields `cls` declares: its annotations, with the defaults beside them."""
    out = []
    for name in cls.__dict__.get("__annotations__", {}):
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if type(f.default) in (list, dict, set):
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not "
                             "allowed: use default_factory")  # fmt: skip
        if f.default is MISSING and name in cls.__dict__:
            delattr(cls, name)  # a default factory: the class keeps no value (as dataclasses)
        elif isinstance(value, Field):
            setattr(cls, name, f.default)
        out.append(f)
    return out


def _check_order(cls: type, made: tuple[Field, ...]) -> None:
    seen_default = False
    for f in made:
        has = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has:
            raise TypeError(f"{cls.__name__}: non-default argument {f.name!r} follows "
                            "default argument")  # fmt: skip
        seen_default = seen_default or has


def _set(cls: type, name: str, value: Any) -> None:
    if name not in cls.__dict__:  # a method the class writes itself is kept (as dataclasses)
        setattr(cls, name, value)


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields of an instance, as a tuple."""
    if not names:
        return lambda _obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = self.__datatype_key__
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__datatype_key__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__datatype_repr__)
    return f"{self.__class__.__qualname__}({shown})"


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _init(cls: type, made: tuple[Field, ...]) -> Callable[..., None]:
    """The __init__ of `cls`: the fields by position or name, in order, with their
    defaults (the instance's __dict__ holds them in the order declared, as dataclasses'
    do; a datatype defines no descriptor over its fields)."""
    names = tuple(f.name for f in made)
    known = frozenset(names)
    template = {f.name: f.default for f in made}  # MISSING where a value or factory is due
    factories = {f.name: f.default_factory for f in made if f.default_factory is not MISSING}
    due = tuple(f.name for f in made if f.default is MISSING)  # required, or from a factory
    post_init = hasattr(cls, "__post_init__")

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        d = self.__dict__
        d.update(template)
        if args:
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments "
                                f"but {len(args)} were given")  # fmt: skip
            d.update(zip(names, args, strict=False))  # fewer args than fields
        if kwargs:
            if args or not known.issuperset(kwargs):  # else nothing to refuse: most calls
                _check_keywords(cls, kwargs, known, names[: len(args)])
            d.update(kwargs)
        for name in due:
            if d[name] is MISSING:
                if name not in factories:
                    raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
                d[name] = factories[name]()
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _check_keywords(
    cls: type, kwargs: dict[str, Any], known: frozenset[str], positional: tuple[str, ...]
) -> None:
    for name in kwargs:
        if name not in known:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
        if name in positional:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
