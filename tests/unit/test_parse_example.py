"""The example version from what the guide says, and literals that belong to other
components left alone."""

from __future__ import annotations

import textwrap

import pytest

from relbook.params import bind, explicit_form, render_text
from relbook.parse import parse_runbook


def example(md: str) -> str:
    return parse_runbook(textwrap.dedent(md), "g.md").example_version


BLOCKS = """
```bash
git checkout -b release-1.0.0 v1.0.0
git log v1.0.0..HEAD
git tag -a v{v} -m "Release {v}"
```
"""


@pytest.mark.parametrize(
    "prose",
    [
        "In this guide we are using v0.9.0 as the version.",
        "The examples below use 0.9.0.",
        "Pick the version you release (e.g. `0.9.0`).",
        "Tag the version being released, e.g. `git tag -s v0.9.0`.",
        "The arguments are:\n- `0.9.0` - the version being released",
        "The version file matches the version you are about to release "
        '(e.g., `versionCore = "0.9.0"`).',
        "For example if we're releasing `0.9.0` and the previous stable release is `1.0.0`, "
        "create a `release-0.9` branch.",
    ],
)
def test_prose_names_the_example(prose: str) -> None:
    # 1.0.0 is written more often, but the guide says which literal is its example
    assert example(f"# Release\n\n{prose}\n" + BLOCKS.format(v="0.9.0")) == "0.9.0"


def test_without_prose_the_most_used_literal_is_the_example() -> None:
    assert example("# Release\n" + BLOCKS.format(v="0.9.0")) == "1.0.0"


def test_the_latest_release_is_not_the_example() -> None:
    md = """\
        # Release
        ```bash
        # Assuming 0.8.0 is the latest release tag
        git checkout -b pyiceberg-0.8.x pyiceberg-0.8.0
        git cherry-pick abc
        export VERSION=0.7.0
        git tag -s "v${VERSION}"
        ```
        """
    assert example(md) == "0.7.0"


@pytest.mark.parametrize(
    "prose",
    [
        "- `1.0.0` - the next version (the script opens it)",
        "Replace the old version string (e.g., `v1.0.0`) with the new one.",
    ],
)
def test_the_next_and_the_old_version_are_not_the_example(prose: str) -> None:
    md = "# Release\n\n" + prose + "\n\n```bash\n./release.sh 1.0.0\n./release.sh 1.0.0\n```\n"
    md += "\n```bash\ngit tag v0.9.0\n```\n"
    assert example(md) == "0.9.0"


def test_the_examples_next_minor_and_its_pre_releases_follow_the_release() -> None:
    md = """\
        # Release
        The two arguments: `0.31.0` - the version being released, `0.32.0` - the next version.
        ```bash
        ./hack/release/create.sh 0.31.0 0.32.0
        git push origin v0.31.0 v0.32.0-alpha
        ```
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == "0.31.0"
    params = bind("0.40.0", runbook=rb, check_tags=False)
    (step,) = rb.steps
    got = render_text(step.body, params, example=rb.example_version)
    assert "create.sh 0.40.0 0.41.0" in got
    assert "git push origin v0.40.0 v0.41.0-alpha" in got


def test_a_release_variable_weighs_more_than_a_mention() -> None:
    md = """\
        # Release
        ```bash
        export RELEASE_VERSION=v2.1.4
        echo "see 2.0.0 and 2.0.0 notes"
        ```
        """
    assert example(md) == "2.1.4"


def test_other_components_versions_are_never_the_example_nor_filled() -> None:
    md = """\
        # Release
        ```bash
        go install golang.org/dl/go1.22.3@latest
        go install github.com/acme/tool@v1.22.3
        go get go.opentelemetry.io/otel/semconv/v1.22.3
        pip install dep==1.22.3
        git tag -a v1.22.3 -m "Release 1.22.3"
        ```
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == "1.22.3"
    got = {p.line for p in rb.placeholders if p.name == "version"}
    assert got == {7}  # only the tag line: the toolchain and dependencies are left alone
    text = explicit_form(rb.steps[0].body, rb.example_version)
    assert "go1.22.3@latest" in text and "tool@v1.22.3" in text
    assert "semconv/v1.22.3" in text and "dep==1.22.3" in text
    assert 'git tag -a v{{ version }} -m "Release {{ version }}"' in text


def test_a_pre_release_example_stands_for_the_version() -> None:
    md = """\
        # Release
        Run the script with the version and the remote:
        ```shell
        ./hack/trigger-release.sh v1.6.0-rc1 upstream
        ```
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == "1.6.0-rc1"
    params = bind("1.10.0", check_tags=False)
    shell = next(s for s in rb.steps if s.body)
    filled = render_text(shell.body, params, example=rb.example_version)
    assert filled == "./hack/trigger-release.sh v1.10.0 upstream"


def test_a_version_without_its_patch_is_the_series() -> None:
    from relbook.params.tokens import meaning

    assert meaning("version_without_patch_and_v") == "series"
    assert meaning("version") == "version"


def test_a_tie_goes_to_the_literal_the_prose_names() -> None:
    md = """\
        # Release

        You can review the commits for the 3.0.10 release like this:

        ```
        [dev@box rails (3-0-10)]$ git log v3.0.9..
        ```
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == "3.0.10"
    params = bind("3.1.4", "d", runbook=rb, check_tags=False)  # previous: 3.1.3
    step = next(s for s in rb.steps if s.commands)
    assert render_text(step.commands[0].source, params, example="3.0.10") == "git log v3.1.3.."


def test_a_guide_that_writes_templates_has_no_example_in_an_illustration() -> None:
    # the guide writes its release as vX.Y.Z; the literals of a comparison it explains
    # stand for no release value and stay as written
    md = """\
        # Release

        - [ ] Run `./release start --target-version vX.Y.Z`
        - [ ] Mark it latest if it is newer than the latest release
          (e.g. 1.11.13 does not become the latest over 1.12.5, but 1.12.6 will).
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == ""
    params = bind("1.18.6", "d", runbook=rb, check_tags=False)
    texts = [render_text(s.text, params, example=rb.example_version) for s in rb.steps]
    assert "./release start --target-version v1.18.6" in texts[0]
    assert "1.11.13 does not become the latest over 1.12.5, but 1.12.6 will" in texts[1]


def test_a_literal_the_text_calls_the_previous_release_is_no_next_version() -> None:
    """Example 0.20.0: its next minor 0.21.0 follows the release, except where the text
    calls it the previous release (a point release's branch point), which stays as written
    rather than name a version after the one being made."""
    md = """\
        # Release
        ```bash
        export VERSION=0.20.0
        git tag -m "$VERSION" "v/$VERSION"
        ```
        - Create a branch from the previous release tag, e.g. `git checkout -b rel-0.21 v/0.21.0`.
        - Check the previous release 0.19.0, then set the next version 0.21.0 in `Cargo.toml`.
        """
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    assert rb.example_version == "0.20.0"
    params = bind("0.23.20", runbook=rb, check_tags=False)
    tag, branch, bump = rb.steps
    assert "VERSION=0.23.20" in render_text(tag.body, params, example="0.20.0")
    assert "v/0.21.0" in render_text(branch.text, params, example="0.20.0")
    assert "next version 0.24.0" in render_text(bump.text, params, example="0.20.0")
