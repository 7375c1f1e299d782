"""What a guide's prose says a shell variable holds, when that is not this release.

"Set the `TAG` environment variable to the semantic convention tag you want to
generate", above `export TAG="v1.30.0"`: the literal is another component's tag,
not the guide's example release. It never becomes the example version, is never
filled with this release, and is a run parameter named after what it is
(`-p semantic_convention_tag=VALUE`). "Set `VERSION` to the new version" or "to the
version you are releasing" says it is this release: nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from relbook.datatype import datatype

# "Set the `TAG` environment variable to the semantic convention tag ...",
# "set `GO_VERSION` to the Go version", "export `TAG` as the ... tag"
_SETS = re.compile(
    r"\b(?:set|export|define)\s+(?:the\s+)?`?\$?((?-i:[A-Z][A-Z0-9_]+))`?\s+"
    r"(?:(?:environment|env|shell)\s+)?(?:variable\s+)?(?:to|as)\s+"
    r"(?:the\s+|a\s+|an\s+|your\s+)?((?:[A-Za-z][\w-]*\s+){0,4}?)(tag|version|release)\b",
    re.I,
)
# the words of a phrase that say "this release": the rest name another component
_SELF = {
    "new", "next", "release", "released", "releasing", "desired", "upcoming", "target",
    "project", "same", "this", "our", "current", "correct", "appropriate", "right", "full",
    "version", "tag", "git", "semver", "semantic", "candidate", "rc", "stable", "final",
    "patch", "minor", "major", "alpha", "beta", "pre-release", "prerelease", "corresponding",
    "matching", "actual", "exact", "proper", "intended", "planned", "new-release",
}  # fmt: skip
_VALUE = r"(?:export\s+)?%s=([\"']?)(v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)\1(?=\s|$|;)"


@datatype
class Defined:
    """A variable the prose defines as another component's version or tag."""

    name: str  # the shell variable: TAG
    what: str  # what the prose says it is: "semantic convention tag"
    line: int  # the prose's line

    @property
    def parameter(self) -> str:
        """The run parameter for its value: `semantic_convention_tag`."""
        return re.sub(r"\W+", "_", self.what).strip("_").lower()


def foreign_definitions(texts: Iterable[tuple[int, str]]) -> list[Defined]:
    """The variables that `texts` (line, text) define as another component's value."""
    return [Defined(name, what, line) for line, text in texts for name, what in _defined_in(text)]


@lru_cache(maxsize=1024)  # a paragraph is read for the example and again for the steps
def _defined_in(text: str) -> tuple[tuple[str, str], ...]:
    """(variable, what it is) for each definition `text` makes of another component's value."""
    low = text.lower()
    if " to " not in low and " as " not in low:
        return ()
    if "set" not in low and "export" not in low and "define" not in low:
        return ()  # the verbs _SETS starts with: most texts have none
    out = []
    for m in _SETS.finditer(text):
        words = m.group(2).split()
        if any(w.lower() not in _SELF for w in words):
            out.append((m.group(1), " ".join([*words, m.group(3).lower()])))
    return tuple(out)


def assigned(name: str, text: str) -> Iterator[re.Match[str]]:
    """Where a command line assigns `name` a version-shaped literal (group 2)."""
    return re.finditer(r"(?:^|(?<=[\s;&|(]))" + _VALUE % re.escape(name), text, re.M)
