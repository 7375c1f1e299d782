"""Prompts pasted in front of commands, as terminals show them.

Guides copy a terminal: `$ make release`, `% make dist`, `user@host:~/src$ make`,
`[root@build ~]# make install`, `(venv) $ twine upload dist/*`, `❯ git tag v1.2.3`,
`➜  repo git:(main) git push`, or `> npm publish`. The prompt is not part of the
command, and the lines between prompted ones are what the command printed. Bash would
read each of them otherwise: `> git push origin v1` truncates a file named `git`,
and a pasted `Building...` runs as a program.

A prompt is one of those forms at the start of a line (after any indentation),
followed by a space and the command. `> ` counts as a prompt only when the block
starts with it (elsewhere it continues a command, as bash's second prompt does); a
bare `# ` is a comment, not a root prompt (`[root@host ~]# ` and `host:~# ` are).
"""

from __future__ import annotations

import re

_PROMPT = re.compile(
    r"[ \t]*(?:\([\w.@-]+\)[ \t]*)?"  # a virtualenv's or conda's name: `(venv) $ `
    r"(?:"
    r"[$%❯»λ]"  # `$ `, `% ` (zsh, csh), `❯ ` (starship, pure), `» `, `λ `
    r"|[\w.-]+@[\w.-]+(?::\S*?)?[ \t]?[$#%]"  # `user@host:~/src$ `, `root@box:/# `
    r"|\[[^\]\s][^\]\n]*\][$#%]"  # `[user@host dir]$ `, `[root@build ~]# `
    r"|➜(?:[ \t]+\S+[ \t]+git:\([^)\s]*\)(?:[ \t]+✗)?|  \S+)?"  # oh-my-zsh
    r")[ \t]+(?=\S)"
)
_STARTS = frozenset("$%❯»λ[(➜")  # how a prompt starts, but for `user@host...`
_ANGLE = re.compile(r"[ \t]*>[ \t]+(?=[^\s>])")


def prompt_end(line: str) -> int:
    """Where the command after a prompt starts in `line`, or 0 when it has none."""
    stripped = line.lstrip(" \t")
    if not stripped or (stripped[0] not in _STARTS and "@" not in stripped[:80]):
        return 0  # a cheap test first: most lines of most blocks are plain commands
    m = _PROMPT.match(line)
    return m.end() if m else 0


def angle_prompted(lines: list[str]) -> bool:
    """A block that starts with `> command`: `>` is its prompt (Windows, PowerShell and
    many guides write it), not a redirection that truncates a file named `command`."""
    first = next((ln for ln in lines if ln.strip()), "")
    return bool(_ANGLE.match(first))


def prompted(lines: list[str]) -> bool:
    """Commands written after prompts: the other lines are their output."""
    return any(prompt_end(ln) for ln in lines) or angle_prompted(lines)


def console_commands(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The commands of a console block: prompted lines and their continuations."""
    angle = angle_prompted([text for _, text in lines])
    out: list[tuple[int, str]] = []
    cont = after = False  # after: the line before was a command's
    for no, text in lines:
        stripped = text.lstrip()
        # bash's second prompt, `> `, goes on with the command above it: after a `\`,
        # inside a heredoc or an open quote (`$ cat > notes <<EOF` / `> text` / `> EOF`)
        if cont or (after and not angle and stripped[:2] in ("> ", ">")):
            body = stripped[2:] if stripped[:2] in ("> ", ">") else stripped
            out[-1] = (out[-1][0], out[-1][1] + "\n" + body)
            cont = body.rstrip().endswith("\\")
            continue
        after = False
        end = prompt_end(text)
        if not end and angle:
            m = _ANGLE.match(text)
            end = m.end() if m else 0
        if end:
            cmd = text[end:]
            out.append((no, cmd))
            cont, after = cmd.rstrip().endswith("\\"), True
    return out
