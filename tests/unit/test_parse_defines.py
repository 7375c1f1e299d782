"""A shell variable the prose defines as another component's version or tag: its
literal is neither the guide's example nor this release, but the operator's input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from relbook.parse import parse_runbook
from relbook.parse.defines import foreign_definitions
from tests.conftest import Repo
from tests.unit.test_parse_told import _plan

GUIDE = """\
# Release

## Generate the conventions

1. Set the `TAG` environment variable to the semantic convention tag you want to generate.
2. Run the generator.

For example,

```sh
export TAG="v1.30.0"
make semconv-generate
```

## Tag

```sh
git tag -a v2.4.0 -m "Release v2.4.0"
```
"""


def _inputs(text: str) -> list[tuple[int, str, str]]:
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    return [(p.line, p.literal, p.name) for p in rb.placeholders if p.means == "input"]


def test_the_literal_is_an_input_named_after_what_the_prose_says_it_is() -> None:
    rb = parse_runbook(GUIDE, "g.md")
    assert rb.example_version == "2.4.0"  # not the conventions' tag
    told = [(p.line, p.literal, p.name) for p in rb.placeholders if p.means == "input"]
    assert (11, "v1.30.0", "semantic_convention_tag") in told
    # the variable's name alone (TAG) no longer makes it the release tag
    assert not [p for p in rb.placeholders if p.line == 11 and p.means == "tag"]


def test_it_is_never_the_example_even_when_it_is_the_only_version() -> None:
    only = GUIDE.split("## Tag")[0] + "## Tag\n\nTag the release.\n"
    assert parse_runbook(only, "g.md").example_version != "1.30.0"


@pytest.mark.parametrize(
    "sentence",
    [
        "Set the `VERSION` variable to the version you are releasing.",
        "Set `TAG` to the new release tag.",
        "Set `TAG` to the tag.",
        "Export `RELEASE_TAG` as the next version.",
        "Set `TAG` to the release candidate tag.",
        "Set `VERSION` to the corresponding patch version.",
    ],
)
def test_a_variable_defined_as_this_release_stays_the_release(sentence: str) -> None:
    assert foreign_definitions([(1, sentence)]) == []
    guide = GUIDE.replace(GUIDE.splitlines()[4], "1. " + sentence)
    assert not [i for i in _inputs(guide) if i[1] == "v1.30.0"]


@pytest.mark.parametrize(
    ("sentence", "name", "what"),
    [
        ("Set `GO_VERSION` to the Go version the build uses.", "GO_VERSION", "go version"),
        ("set the `SPEC` variable to the OpenAPI spec version", "SPEC", "openapi spec version"),
    ],
)
def test_other_components_named_in_the_prose(sentence: str, name: str, what: str) -> None:
    [d] = foreign_definitions([(3, sentence)])
    assert (d.name, d.what.lower(), d.line) == (name, what, 3)


def test_the_dry_run_blocks_it_until_given_and_fills_what_is_given(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide = tmp_path / "g.md"
    guide.write_text(GUIDE)
    by_line = _plan(guide, origin_repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert by_line[11]["status"] == "blocked"
    assert by_line[11]["reason"] == (
        f"{guide}:11: unfilled placeholder v1.30.0: give it with -p semantic_convention_tag=VALUE"
    )
    assert by_line[18]["text"] == 'git tag -a v1.3.0 -m "Release v1.3.0"'
    given = _plan(guide, origin_repo, capsys, "-p", "semantic_convention_tag=v1.31.0",
                  "--allow-bump", "minor", "--reason", "t")  # fmt: skip
    assert given[11]["status"] == "planned"
    assert given[11]["text"] == 'export TAG="v1.31.0"'


def test_lint_names_the_input_and_does_not_ask_to_make_it_follow_the_release(
    tmp_path: Path, capsys
) -> None:
    from relbook.cli import main

    guide = tmp_path / "g.md"
    guide.write_text(GUIDE)
    main(["lint", str(guide)])
    at = [f for f in capsys.readouterr().out.splitlines() if f.startswith(f"{guide}:11:")]
    assert at == [
        f"{guide}:11: RB009 unfilled placeholder v1.30.0: give it with "
        "-p semantic_convention_tag=VALUE; until then the command is blocked"
    ]
