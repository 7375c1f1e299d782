"""How people write release steps when they write no checklist: the rules that tell an
action from text about one.

- A section is about things going wrong (contingency) by what its title means:
  rollback, revert, undo, recovery, troubleshooting, "if it goes wrong", "if you
  make a mistake", "known issues", "if the release is not approved", "start over".
- A list item or a paragraph is an action when it reads as one: it starts with an
  imperative verb ("Bump the version", "Announce the release"), with a sequencing
  word and a verb ("Then push the tag"), or with a command (`git push`, `make tag`).
  A list item that is only a link (a table of contents, a list of references) is not.
- A fence without a language, or marked `text`/`terminal`, holds shell when every
  line of it reads as a command (or it carries `$ ` prompts); otherwise it is output
  or configuration, shown and never run.
"""

from __future__ import annotations

import re
from typing import Any

from relbook.bash.prompts import prompted
from relbook.parse.orders import (
    EXTRA_NOUNISH,
    EXTRA_VERBS,
    MULTIWORD,
    addressed_order,
    not_an_order,
    sentences,
    strip_extra_lead,
)


def _words(text: str) -> list[str]:
    return text.split()


# what text about things going wrong says: each term beside a word it cannot match without
_CONTINGENCY_TERMS = (
    ("roll", r"roll[- ]?back"), ("incident", "incident"), ("emergenc", "emergenc"),
    ("disaster", "disaster"), ("recover", "recover"), ("revert", "revert"), ("undo", r"\bundo"),
    ("troubleshoot", "troubleshoot"), ("wrong", r"go(?:es)? wrong|went wrong|something wrong"),
    ("mistake", r"\bmistake"), ("known", r"known (?:issue|problem)s?"),
    ("approved", r"not (?:be )?approved"), ("over", r"start(?:ing)? over"), ("abort", r"\babort"),
    ("fail", r"\bif\b[^.]*\bfail|^(?:on |upon |in case of )?failures?\b|failed release"),
    ("fixing", r"^fixing\b"), ("clean", r"clean ?up after"),
    ("back", r"\bbackout\b|\bback out\b"), ("roll", "rolling back"), ("rejected", r"\brejected\b"),
    ("back", r"\bbacking out\b"), ("fail", r"\bfailures\b"), ("yank", r"\byank"),
    ("retract", r"\bretract"), ("broken", r"\bbroken\b"),
    ("problem", r"\bproblems\b"), ("pitfall", r"\bpitfalls?\b"), ("gotcha", r"\bgotchas?\b"),
    ("error", r"\berrors\b|\berror handling\b"), ("faq", r"\bfaqs?\b"),
    ("frequently", r"\bfrequently asked\b"), ("unpublish", r"\bunpublish"),
    ("bad ", r"\bbad (?:release|tag|build|version|publish|upload|commit)s?\b"),
    ("re-releas", r"\bre-releas"), ("rereleas", r"\brereleas"),
    ("cancel", r"\bcancel\w*\s+(?:a|the|this)\s+release\b"),
    ("delet", r"\bdelet\w*\s+(?:a|the|this)\s+(?:release|tag)\b"),
    ("remov", r"\bremov\w*\s+(?:a|the|this)\s+(?:release|tag)\b"),
)  # fmt: skip
CONTINGENCY = re.compile("|".join(term for _, term in _CONTINGENCY_TERMS), re.I)
_CONTINGENCY_WORDS = tuple(dict.fromkeys(word for word, _ in _CONTINGENCY_TERMS))


def about_failure(text: str) -> bool:
    """Whether `text` speaks of things going wrong (CONTINGENCY finds one of its terms)."""
    low = text.lower()  # a test for the terms' words first: most texts hold none
    if text.isascii() and not any(w in low for w in _CONTINGENCY_WORDS):
        return False  # (re.I folds `ſ`, `K` and `İ` as lower() does not: those are searched)
    return bool(CONTINGENCY.search(text))


_VERBS = _words(
    "abort add announce apply approve archive ask assign attach backport build bump cancel "
    "change check checkout cherry-pick choose clean clone close comment commit compile "
    "configure contact confirm copy create cut delete deploy document download draft edit "
    "email enable ensure fetch file fill find finish fix follow generate get go grant "
    "increase increment inform install label land launch let lint log login make mark merge "
    "message modify monitor move name note notify open pick pin post prepare promote "
    "publish pull push put rebase record regenerate release remove rename replace request "
    "rerun reset resolve restart review revert roll rotate run schedule send set sign start "
    "submit switch sync tag tell test trigger tweet unpin update upgrade upload use "
    "validate verify vote wait write"
)
_VERBS += _words(EXTRA_VERBS)
_VERB_SET = frozenset(_VERBS)
_VERB = re.compile(
    r"(?:" + "|".join(re.escape(v) for v in sorted(_VERBS, key=len, reverse=True)) + r")\b(?!-)",
    re.I,
)
_LEAD = re.compile(
    r"^(?:(?:then|next|now|finally|first|second|third|afterwards|after that|optionally|also|"
    r"alternatively|instead|either|"
    r"please|(?:for|in|on|at|before|after|during|once|when|if|while|as soon as"
    r"|(?:an?|one|two|three|a few|a couple of|several|\d+) (?:days?|weeks?|hours?) "
    r"(?:before|after|ahead of|prior to))\b[^,:]{1,80},"
    r"|step\s+\d+[a-z]?\s*[:.)\u2013\u2014-]|\d\ufe0f?\u20e3)"  # `Step 5: Publish ...`, `1️⃣ ...`
    r"\s*,?\s*)+",
    re.I,
)
_COMMANDS = _words(
    "git gh make go cargo npm npx yarn pnpm pip pipx python python3 docker kubectl helm "
    "goreleaser twine poetry hatch tox nox bazel gradle ./gradlew mvn sbt rake bundle gem "
    "cd export ssh scp curl wget tar sha256sum gpg cosign ls cat echo sed mkdir rm cp mv "
    "sudo uv just task dotnet swift ./scripts scripts hack ./hack"
)
_COMMAND = re.compile(r"^(?:\$ )?(?:" + "|".join(re.escape(c) for c in _COMMANDS) + r")(?:\s|/|$)")
_ASSIGN = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*")
# a command in code and what it does (`pip uninstall <legacy>` walks the RECORD ...): told,
# not ordered; `needs to`/`has to` be run orders it
_DOES = re.compile(r"`[^`]+`\s+(?!(?:needs|has)\b)[a-z]+s\b")
_LINK_ONLY = re.compile(r"^\W*\[[^\]]*\]\([^)]*\)\W*$|^\W*<?https?://\S+>?\W*$")


def is_contingency(title: str) -> bool:
    """A heading about things going wrong (a note in parentheses does not count)."""
    return about_failure(re.sub(r"\([^)]*\)", "", title).strip())


# a code span the sentence says what it is: "`release.py --help` is your friend"
_SUBJECT_CODE = re.compile(r"`[^`]+`\s+(?:is|are|was|were|has|have|means)\b", re.I)


def reads_as_action(text: str) -> bool:
    """A list item's or paragraph's first words make it something to do."""
    text = text.strip().lstrip("\\").strip()
    if not text or _LINK_ONLY.match(text):
        return False
    if _SUBJECT_CODE.match(text):
        return False  # "`release.py --help` is your friend": a statement about the command
    bare = text.replace("`", "") if text.startswith("`") else text
    if _COMMAND.match(bare) or _ASSIGN.match(bare):
        return not (bare is not text and _DOES.match(text))
    if not_an_order(text):
        return False
    rest = _LEAD.sub("", strip_extra_lead(text), count=1)
    if rest != text:  # a lead taken off: another may stand behind it (unchanged, none does)
        rest = _LEAD.sub("", strip_extra_lead(rest), count=1)
    return _starts_order(rest) or addressed_order(rest, _starts_order, _VERB_SET)


def _starts_order(text: str) -> bool:
    """The words start with an order: a verb (or `make sure`, `set up`) and its object."""
    if MULTIWORD.match(text):
        return True
    return _starts_with_verb(text) and not _describes(text)


_LEADING_WORD = re.compile(r"[\w-]*")


def _starts_with_verb(text: str) -> bool:
    """`_VERB.match(text)`: a verb ends where its word does (`\\b(?!-)`), so the text's first
    word (letters, digits, `_` and `-`) is one, or it starts with none."""
    word = _LEADING_WORD.match(text).group()  # type: ignore[union-attr]
    if word.isascii():  # a set look-up, not a try of each verb in turn
        return word.lower() in _VERB_SET
    return bool(_VERB.match(text))  # re.I folds `ſ`, `K` and `İ` as lower() does not


# verbs that are nouns as often ("Release candidate two ships ...", "Pull request"): an
# order has its object or a particle right after them
_NOUNISH = (
    frozenset(
        _words(
            "build change check comment commit copy cut document draft email file fix follow get "
            "go label land launch log make merge message move name note open pick pin post pull "
            "push put record release request review run schedule set sign start tag test update "
            "use vote wait"
        )
    )
    | EXTRA_NOUNISH
)
_OBJECT = re.compile(
    r"(?:the|a|an|all|any|each|every|your|our|this|that|these|those|it|them|its|their|up|out|"
    r"back|over|down|off|on|in|to|for|with|from|and|or|new|next|latest|final|release|"
    r"version|changes|minimum|maximum|current|previous|some|both|missing|required|relevant|"
    r"old|existing|local|remote|upstream|main|master)\b|[`'\"*\[<]|[A-Z0-9]",
)


def _describes(text: str) -> bool:
    """`Release notes are ...`, `Tag: the git tag`: a verb used as a noun, not an order."""
    words = text.split()
    if len(words) < 2:
        return True
    if words[0].lower() in _NOUNISH and not _OBJECT.match(words[1]):
        return True
    second = words[1].lower().strip(",.:;")
    return second in {"is", "are", "was", "were", "will", "can", "should", "must", "may",
                      "has", "have", "means", "of", "notes", "process", "manager"} or (
        words[0].endswith(":")
    )  # fmt: skip


_TELLS = re.compile(
    r"\b(?:will|would|does|automatically|(?:is|are)\s+(?:fully\s+|entirely\s+)?automated|"
    r"performs|includes|consists? of|contains|"
    r"following (?:things|steps) happen|such as|for example|e\.g\.)\b",
    re.I,
)


def introduces_description(text: str) -> bool:
    """`That will kick off a workflow that will:` - the list after it says what happens."""
    text = text.strip()
    if re.match(r"^what to (?:include|write|say|cover|mention)\b", text, re.I):
        return True  # the list after it is content, not steps
    if not text.endswith(":"):
        return False  # it introduces no list
    text = sentences(text)[-1]  # the sentence right before the list introduces it
    if re.search(r"\b(?:need|needs|must|should|have to)\b", text, re.I):
        return False  # "These files will need editing:" asks for work
    if re.search(r"\b(?:you|we|I|us|yourself)\b", text, re.I):
        return False  # "you will need to:" introduces what the reader does
    return bool(_TELLS.search(text))


_UNDO = re.compile(
    r"^(?:roll ?back|revert|undo|back out)\b"
    r"|^(?:if|should)\b[^,:]*\b(?:fails?|failed|failure|errors?|goes wrong|broken|problems?"
    r"|unusual)\b"
    r"|^if\b[^,:]*\b(?:(?:does|do|did) not|doesn't|don't|didn't) (?:pass|work|succeed)\b"
    r"|^in case of\b[^,:]*\b(?:issues?|problems?|errors?|failures?|trouble)\b"
    r"|^fix (?:any|the) (?:issues?|problems?|errors?|failures?)\b",
    re.I,
)


def undoes(text: str) -> bool:
    """A step whose own words are an undo or a repair (`roll back any updates which didn't
    compile`, `If the build fails, abort the release`, `Should that fail, ...`, `If CI does
    not pass, stop`, `In case of issues that can't be solved, skip it`): contingency
    wherever it stands."""
    return bool(_UNDO.match(text.strip()))


def first_sentence(text: str) -> str:
    """The paragraph's first sentence (a step is the sentence that says what to do)."""
    m = re.search(r"(?<=[.!?])\s", text)
    return (text[: m.start()] if m else text).strip()


def shell_like(lines: list[str]) -> bool:
    """An unlabelled fence whose every non-blank line reads as a command."""
    body = [ln.strip() for ln in lines if ln.strip()]
    if not body:
        return False
    if prompted(body):
        return True
    for ln in body:
        if ln.startswith("#") and not ln.startswith("#!"):
            continue
        if not (_COMMAND.match(ln) or _ASSIGN.match(ln) or ln.endswith("\\")):
            return False
    return True


_NUMBERED = re.compile(r"^(?:step\s+)?\d+[.)]?\s+|^\d+[.)]\s*", re.I)


def heading_step(title: str) -> str:
    """The step a numbered heading names (`### 3. Tag the release`), or ""."""
    text = title.strip()
    numbered = _NUMBERED.match(text)
    return text[numbered.end() :].strip() if numbered else ""


_UNLABELLED = {"", "terminal"}
_TEXT = {"text", "txt", "plain", "plaintext"}


def unlabelled_shell(lang: str, raw: str) -> bool:
    """A fence with no language (or `terminal`) whose lines read as shell; one marked as
    text holds commands only after `$ ` prompts (its author said it is text)."""
    lines = raw.split("\n")
    if lang in _TEXT:
        return prompted(lines)
    return lang in _UNLABELLED and shell_like(lines)


def heads(tok: dict[str, Any]) -> list[dict[str, Any]]:
    """The first text block of each item of a list."""
    out = []
    for item in tok.get("children", []):
        kids = item.get("children", [])
        head = next((k for k in kids if k.get("type") in ("block_text", "paragraph")), None)
        if head:
            out.append(head)
    return out


_COMMAND_SHAPED = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*[~./\w][\w./+@:-]*(?:\s|$)")


def unprompted_shell(lines: list[str]) -> bool:
    """A `console` fence written without prompts (`docker buildx build ...`): its lines
    are all commands when each starts with a command name (or continues the last)."""
    body = [ln.strip() for ln in lines if ln.strip()]
    if not body:
        return False
    continued = False
    for ln in body:
        if not (continued or ln.startswith("#") or _COMMAND_SHAPED.match(ln)):
            return False
        continued = ln.endswith("\\")
    return True
