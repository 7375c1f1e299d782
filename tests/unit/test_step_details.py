"""Plain bullets nested under a manual step travel with it: parse, dry run, checklist."""

from __future__ import annotations

import textwrap

from relbook.cli import main
from relbook.parse import parse_runbook

GUIDE = textwrap.dedent(
    """\
    # Releasing FooLib

    1. Bump the version and tag:
       * Edit `pyproject.toml` to `4.5.0`.
       * Ask `@pm` for the release name.
       * Then:

         ```sh
         git tag -a v4.5.0 -m "FooLib 4.5.0"
         ```

    2. Announce it.
    """
)


def test_nested_plain_bullets_are_the_manual_steps_details():
    rb = parse_runbook(GUIDE, "foo.md")
    bump, tag, announce = rb.steps
    assert bump.text == "Bump the version and tag:"
    assert bump.details == ("Edit pyproject.toml to 4.5.0.", "Ask @pm for the release name.")
    assert tag.kind.value == "shell" and tag.details == ()
    assert announce.details == ()


def test_details_are_filled_in_for_the_release(tmp_path, capsys):
    guide = tmp_path / "foo.md"
    guide.write_text(GUIDE)
    assert (
        main(["run", str(guide), "--version", "4.6.0", "--dry-run", "--repo", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "    - Edit pyproject.toml to 4.6.0." in out
    assert main(["render", "checklist", str(guide), "--version", "4.6.0"]) == 0
    out = capsys.readouterr().out
    assert "- [ ] Bump the version and tag:\n  - Edit pyproject.toml to 4.6.0.\n" in out
    assert main(["parse", str(guide), "--json"]) == 0
    assert '"details": [\n        "Edit pyproject.toml to 4.5.0."' in capsys.readouterr().out
