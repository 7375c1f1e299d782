"""Steps written as prose: code spans, orders addressed to the reader, headings that are
orders, details with their lines, text about failures inside a checklist, and fences."""

from __future__ import annotations

import textwrap

from relbook.parse import parse_runbook
from relbook.render.outline import step_json


def steps(text: str) -> list[tuple[int, str, str, bool]]:
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    return [(s.line, s.kind.value, s.text, s.contingency) for s in rb.steps]


def lines(text: str) -> list[int]:
    return [line for line, *_ in steps(text)]


def test_an_order_whose_object_is_a_code_span_is_a_step() -> None:
    got = steps(
        """\
        # Release

        ## Steps

        - update `docs/THANKS`
        - `make compiletest`

        Run `rake install` to generate the gems and install them locally.
        """
    )
    assert [(line, text) for line, _, text, _ in got] == [
        (5, "update docs/THANKS"),
        (6, "make compiletest"),
        (8, "Run rake install to generate the gems and install them locally."),
    ]


def test_orders_addressed_to_the_reader_or_in_the_passive() -> None:
    got = lines(
        """\
        # Release

        ## Changelog

        Many commits lack an entry. You should review the commits since the last release.

        Once a release is ready, release notes need to be written.

        To release, run `rake release`.

        This needs to be run for all architectures.

        These SDKs need to be released with each release.
        """
    )
    assert got == [5, 7, 9]


def test_what_reads_like_an_order_and_asks_nothing() -> None:
    got = lines(
        """\
        # Release

        ## Checklist

        The following steps must be completed by the maintainer one week before:

        **Do not use release candidates in production**.

        For example, the old API should be removed when preparing the release.

        Do not change the branch directly; make a PR to the release branch.
        """
    )
    assert got == [11]


def test_a_heading_that_is_an_order_is_a_step_when_nothing_under_it_is() -> None:
    got = steps(
        """\
        # Releasing

        ## Day of release

        ### Put the new version in the VERSION file.

        The version is read by the build.

        ### Release Types

        Patch and minor releases.

        ### Note on version numbering

        We use semantic versions.

        ## Publish the release

        ### With the CLI

        ```bash
        make publish
        ```

        ### 1. Github release access

        The person who releases needs write access.

        ### Is the CI green? If not, make it green. (See "Fixing the CI")

        The status is on the dashboard.
        """
    )
    assert [(line, text) for line, _, text, _ in got] == [
        (5, "Put the new version in the VERSION file."),
        (21, "make publish"),
        (29, 'Is the CI green? If not, make it green. (See "Fixing the CI")'),
    ]


def test_bullets_under_a_step_are_its_details_with_their_lines() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Steps

            1. Publish the release
               - Review the formatting.
               - Perform a smoke test:
                 - Verify that `tool version` shows the version
               - Fix any issue.
            """
        ),
        "g.md",
    )
    publish, fix = rb.steps
    assert publish.details == (
        "Review the formatting.",
        "Perform a smoke test:",
        "Verify that tool version shows the version",
    )
    assert [(p["kind"], p["line"]) for p in step_json(publish)["parts"]] == [
        ("detail", 6),
        ("detail", 7),
        ("detail", 8),
    ]
    assert (fix.line, fix.text, fix.contingency) == (9, "Fix any issue.", True)


def test_a_checklist_guide_keeps_the_steps_it_sets_apart_for_failures() -> None:
    got = steps(
        """\
        # Release

        - [ ] Run the version bump workflow.

          <details>
             <summary>Failure Steps</summary>

          1. Checkout the release branch.
          2. Open a PR with the changes.
          </details>

        ## Afterwards

        - Announce the release on the list.

        In case something went wrong:

        1. Update the download page to the previous release.
        """
    )
    assert [(line, cont) for line, _, _, cont in got] == [
        (3, False),
        (8, True),
        (9, True),
        (18, True),
    ]


def test_a_console_fence_without_prompts_is_commands_and_a_text_fence_is_text() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Build

            ```console
            docker buildx build --load -t demo:testing .
            docker run --rm demo:testing version
            ```

            ```text
            go 1.22.0
            ```
            """
        ),
        "g.md",
    )
    [step] = rb.steps
    assert [(p.line, p.source) for p in step.parts] == [
        (6, "docker buildx build --load -t demo:testing ."),
        (7, "docker run --rm demo:testing version"),
    ]


def test_orders_after_a_file_name_or_a_comment_sign() -> None:
    got = lines(
        """\
        # Release

        ## Updating Go

        These files will need editing:

        - `go.mod` - update minimum Go version required
        - \\# Wait for the builds to complete then...

        What to include:

        - Thank all contributors
        - A list of highlights
        """
    )
    assert got == [7, 8]


def test_a_sentence_that_introduces_a_shell_block_is_that_blocks_step() -> None:
    got = steps(
        """\
        # Release

        ## Commit

        Commit these changes together with the version as the message:

        ```sh
        git commit -am "1.2.3"
        ```

        Add the front matter:

        ```yaml
        layout: post
        ```
        """
    )
    assert [(line, kind) for line, kind, _, _ in got] == [(7, "shell"), (11, "manual")]


def test_a_tool_or_a_stage_named_by_a_heading_is_no_order() -> None:
    got = steps(
        """\
        # Releasing

        ## Release workflows

        ### docker

        This workflow builds the image.

        ### Post release

        This workflow tidies the branches.

        ### Post the announcement to the mailing list.
        """
    )
    assert [text for _, _, text, _ in got] == ["Post the announcement to the mailing list."]


def test_an_order_for_a_list_of_places_is_the_step_and_the_places_its_details() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Bump

            Preparing the release includes updating the version. To do so, update the
            version number in the following places:

            - CHANGELOG.md
            - include/version.h

            Do the following:

            - Tag the release.
            - Push the tag.

            The release script will update the following files:

            - package.json
            """
        ),
        "g.md",
    )
    got = [(s.line, s.text, list(zip(s.detail_lines, s.details, strict=True))) for s in rb.steps]
    assert got == [
        (
            5,
            "To do so, update the version number in the following places:",
            [(8, "CHANGELOG.md"), (9, "include/version.h")],
        ),
        (13, "Tag the release.", []),  # the list's own items are the steps here
        (14, "Push the tag.", []),
    ]  # and a description of what a script does is none


def test_a_sentence_saying_when_a_section_is_done_is_no_step() -> None:
    got = steps(
        """\
        # Release

        ## Fork a new release branch

        Perform this when the current `main` is ready to start the stabilisation cycle.

        Use this procedure only if the branch does not exist yet.

        Open a PR targeting `main` that bumps `VERSION`.
        """
    )
    assert [(line, text) for line, _, text, _ in got] == [
        (9, "Open a PR targeting main that bumps VERSION.")
    ]


def test_a_command_in_code_followed_by_what_it_does_is_told_not_ordered() -> None:
    got = steps(
        """\
        # Release

        ## Publish

        The price: `pip uninstall <legacy>` walks the legacy RECORD and deletes files.
        `make publish` uploads every wheel.

        - `make release`
        - `make release` needs to be run from `main`
        """
    )
    assert [(line, text) for line, _, text, _ in got] == [
        (8, "make release"),
        (9, "make release needs to be run from main"),
    ]


def test_what_happens_on_its_own_is_told_not_a_step_even_in_a_numbered_list() -> None:
    got = steps(
        """\
        # Release

        ## Publish

        1. Create and push the tag:
            ```sh
            git tag v1.2.3
            ```
        2. A GitHub action will see the new tag and do the following:
            - Build and publish the image
            - Create a draft GitHub release
        3. Run the announcement script, which will:
            - Post to the mailing list
        4. Publish the GitHub release.

        ## Packages

        We also publish a package image. This process is fully automated through CI:

        1. A cron job checks for a new package and opens a PR
        2. When the PR is merged, a workflow builds and releases the image.
        """
    )
    assert [(line, text) for line, _, text, _ in got] == [
        (6, "Create and push the tag:"),
        (12, "Run the announcement script, which will:"),
        (14, "Publish the GitHub release."),
    ]
