"""`relbook.source.scan`: the flat index of fences, items and headings that lint and notes use."""

from __future__ import annotations

import textwrap

from relbook.parse.source import scan

DOC = textwrap.dedent(
    """\
    ---
    owner: ops
    - not an item
    ---
    # Guide

    1. Numbered
       - [x] Done **thing**
    > ```bash
    > echo quoted
    > ```

    <!--
    - [ ] hidden
    ```bash
    echo hidden
    ```
    -->
    - [ ] Build
      ~~~sh
      make
      ~~~

    ```console
    $ ls
    """
)


def test_fences_keep_source_lines_and_prefix_width():
    fences = scan(DOC).fences
    assert [(f.line, f.marker, f.info, f.closed) for f in fences] == [
        (9, "```", "bash", True),
        (20, "~~~", "sh", True),
        (24, "```", "console", False),
    ]
    assert fences[0].body == [(10, "> echo quoted")] and fences[0].indent == 2
    assert fences[1].body == [(21, "  make")] and fences[1].indent == 2
    assert fences[2].body == [(25, "$ ls")]


def test_items_and_headings():
    s = scan(DOC)
    assert [(i.line, i.ordered, i.task, i.checked, i.text) for i in s.items] == [
        (7, True, False, False, "Numbered"),
        (8, False, True, True, "Done **thing**"),
        (19, False, True, False, "Build"),
    ]
    assert [(h.line, h.level, h.text) for h in s.headings] == [(5, 1, "Guide")]


def test_crlf_and_empty():
    assert [f.line for f in scan(DOC.replace("\n", "\r\n")).fences] == [9, 20, 24]
    assert scan("").fences == [] and scan("").items == []
