"""How an order reads in prose, beyond a bare imperative: the forms people use when they
write a release guide as text rather than as a checklist.

- `You should review the commits`, `we need to change the behaviour`, `you can close the
  vote thread`: an order addressed to the reader (a modal and a verb).
- `Release notes need to be written`, `changes should be committed and pushed`: an order
  in the passive (a modal, `be` and a participle of a doing verb).
- `To release, run rake release`, `If it added a directive then remove it`: a purpose or
  a condition before the order.
- `# Wait for the builds`, `` `go.mod` - update the Go version ``: an order written as a
  shell comment, or after the file it is about.
- A heading that is an order (`### Update each CHANGELOG.`, `### Is the CI green? If not,
  make it green.`), and a paragraph whose order is not its first sentence.

Text here is "marked": code spans keep their backticks, so `Run `rake install`` reads as
an order with an object, where the plain `Run rake install` would not.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any


def _words(text: str) -> list[str]:
    return text.split()


# verbs an order starts with beyond the everyday list in parse.infer
EXTRA_VERBS = (
    "identify raise visit broadcast determine locate contact examine input select inspect "
    "navigate attach coordinate communicate discuss share keep hold expedite avoid skip "
    "consider decide install uninstall provide paste insert include invite ping prune re-run "
    "retag re-tag refresh reply report summarize take tidy toggle type uncomment unlock lock "
    "unzip extract watch agree list print fork squash amend increment compose archive "
    "restore revoke append prepend invoke execute perform do complete drop enter freeze "
    "unfreeze give join leave mention monitor nominate obtain point press proceed reopen "
    "re-open repeat retry save scan click specify stop thank track transfer try turn unpack "
    "view wipe read postpone plan celebrate drink submit"
)
MULTIWORD = re.compile(
    r"(?:make sure|double[- ]check|cherry[- ]pick|set up|sign off|log in|look at|look up"
    r"|kick off|back up|spot[- ]check|fill in|fill out|sign in|reach out)\b",
    re.I,
)
# new verbs that are nouns as often: an order has its object right after them
EXTRA_NOUNISH = frozenset(
    _words(
        "report list print view track scan freeze stage point contact watch plan drop hold "
        "leave monitor press save stop thank transfer try turn input select share keep "
        "include complete type lock give enter visit read drink"
    )
)
_MODAL = re.compile(
    r"^(?:you|we|one)\s+(?:will\s+|may\s+|might\s+|would\s+|also\s+|now\s+|then\s+|first\s+)*"
    r"(?:must|should|need to|needs to|have to|has to|want to|can|could|shall|'ll need to"
    r"|are going to|will need to|will want to|may want to)\s+"
    r"(?:also\s+|now\s+|then\s+|first\s+|simply\s+|just\s+|safely\s+|optionally\s+|not\s+)*",
    re.I,
)
_PASSIVE = re.compile(
    r"^[^.;:!?]{1,80}?\s(?:needs?|has|have)\s+to\s+be\s+(\w+)"
    r"|^[^.;:!?]{1,80}?\s(?:should|must|shall)\s+(?:also\s+|then\s+|now\s+|first\s+)?be\s+(\w+)",
    re.I,
)
_IRREGULAR = frozenset(
    _words(
        "built made run cut done set put sent written given taken chosen kept held shown told "
        "found read begun drawn split spun upheld withdrawn bought brought got gotten hung "
        "known laid led lit paid proven rerun rewritten rebuilt redone reset"
    )
)
_EXTRA_LEAD = re.compile(
    r"^(?:to\s[^,:]{1,80},|if\b[^,:]{1,80}?\bthen\s|now\b[^,:]{1,80},"
    r"|`#`\s+|`[^`]+`\s*(?:[-\u2013\u2014:]\s+)|\\?#\s+"
    # `Manual: run ...`, a label before a verb in lower case (`RC releases: Release
    # Candidate, ...` defines a term); not a way's name (`Option A: ...`, see
    # parse.alternatives) nor a note's (`Important: if ...`)
    r"|(?!\W*(?:(?:option|alternative|method|approach|way|variant)\s*[A-Z0-9]\b|(?:note|"
    r"important|warning|tip|caution|attention|info|hint)\W))"
    r"\*{0,2}[A-Z][\w/-]*(?:\s[\w/-]+){0,2}\*{0,2}:\*{0,2}\s+(?=(?-i:[a-z`])))\s*",
    re.I,
)
# sentences that look like orders and are not: a list's introduction ("perform the
# following steps:"), a prohibition ("Do not use release candidates in production"),
# an example or a note; each but the last names steps or "the following"
_NOT_ORDER = re.compile(
    r"\b(?:the\s+)?(?:following|these|those|below|above)\s+(?:\w+\s+)?steps\b"
    r"|\bsteps\s+(?:below|above|that follow)\b|\bthe following(?:\s+\w+){0,2}\s*[:.]?$",
    re.I,
)
# ... or when a section is for: "Perform this when main is ready", "Use this procedure if"
_NOT_ORDER_START = re.compile(
    r"for example|for instance|e\.g\.|i\.e\.|note that|note:|nb\b|(?:perform|do|follow|use)\s+"
    r"this(?:\s+(?:section|procedure|process|scenario|flow|workflow))?\s+(?:only\s+)?(?:when|if|"
    r"whenever|once)\b",
    re.I,
)
_PROHIBITION = re.compile(
    r"^(?:\*\*)?(?:do not|don't|never|avoid|try (?:hard )?(?:to avoid|not to))\b", re.I
)
_PRONOUN = re.compile(r"^(?:this|it|that|these|those|they|which)\s", re.I)
_VAGUE = frozenset(_words("released performed done made required approved met used"))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[`*\"'(\[A-Z0-9])")
_PAREN = re.compile(r"\([^()]*\)")


def participle(word: str, verbs: frozenset[str]) -> bool:
    """`written`, `committed`, `tagged`: the participle of a doing verb."""
    w = word.lower()
    if w in _IRREGULAR:
        return True
    if not w.endswith("ed") or len(w) < 4:
        return False
    stems = {w[:-2], w[:-1], w[:-3] if len(w) > 4 and w[-3] == w[-4] else w[:-2]}
    if w.endswith("ied"):
        stems.add(w[:-3] + "y")
    return bool(stems & verbs)


def strip_extra_lead(text: str) -> str:
    """The order after a purpose clause, an `if ... then`, a file name or a `#`."""
    return _EXTRA_LEAD.sub("", text, count=1)


def not_an_order(text: str) -> bool:
    """A list's introduction, a prohibition (unless an order follows it after `;`), an
    example or a note: it reads like an order and asks for nothing to be done."""
    if _NOT_ORDER_START.match(text):
        return True
    low = text.lower()  # a search of every sentence costs more than a test for its words
    if ("steps" in low or "the following" in low) and _NOT_ORDER.search(text.rstrip(" *")):
        return True
    return prohibits(text)


def prohibits(text: str) -> bool:
    """`Do not run git push --force`, `Never delete a published tag`, `Try to avoid that
    situation`: a caution, not a step; unless an order follows it after `;` (`don't merge
    yet; wait for the vote`), not a reason (`...; it rewrites history`)."""
    if not _PROHIBITION.match(text):
        return False
    after = text.partition(";")[2].strip()
    return not after or bool(_PRONOUN.match(after))


def addressed_order(text: str, starts_order: Callable[[str], bool], verbs: frozenset[str]) -> bool:
    """`You should review ...` (modal + order) or `... needs to be written` (passive)."""
    m = _MODAL.match(text)
    if m and starts_order(text[m.end() :]):
        return True
    p = _PASSIVE.match(text)
    if not p or _PRONOUN.match(text):
        return False  # `This needs to be run for all architectures`: said of what came before
    word = (p.group(1) or p.group(2)).lower()
    return word not in _VAGUE and participle(word, verbs)


def sentences(text: str) -> list[str]:
    """A paragraph's sentences (a split after `.`, `!` or `?` before a capital or code)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def order_in(text: str, reads: Callable[[str], bool], limit: int = 6) -> str:
    """The first of a paragraph's first few sentences that reads as an order, or ""."""
    for sentence in sentences(text)[:limit]:
        if reads(sentence):
            return sentence
    return ""


_STAGES = {"release", "releases", "deploy", "deployment", "launch", "merge", "tasks", "steps"}


def heading_order(title: str, reads: Callable[[str], bool]) -> str:
    """A heading that is an order: any of its sentences (notes in parentheses aside). A
    Title Case heading is read in lower case (`Release Types` names, `Tag The Release`
    orders); `Note on versions` is a noun and its subject, one word (`docker`) a name."""
    text = _PAREN.sub("", title).strip()
    words = text.split()
    if len(words) < 2 or words[1].lower() in {"on", "about", "regarding", "of"}:
        return ""  # `docker` names a tool, `Note on versions` a subject
    if words[0].lower() in {"post", "pre"} and words[1].lower() in _STAGES:
        return ""  # `Post release`: a stage, not an order to post the release
    if sum(w[:1].isupper() for w in words) * 2 > len(words):
        text = " ".join(w if "`" in w or w.isupper() else w.lower() for w in words)
    return title.strip() if text and order_in(text, reads) else ""


def plain_text(tokens: list[dict[str, Any]], *, code_marks: bool = False) -> str:
    """Inline tokens as plain text (code spans and link texts kept); with `code_marks`,
    code spans keep their backticks (for reading orders, not for display)."""
    out: list[str] = []
    for tok in tokens:
        kind = tok.get("type")
        if kind in ("softbreak", "linebreak"):
            out.append(" ")
        elif kind == "inline_html":
            continue
        elif kind == "codespan" and code_marks:
            out.append(f"`{tok.get('raw', '')}`")
        elif kind == "text":
            out.append(html.unescape(tok.get("raw", "")))
        elif "raw" in tok:
            out.append(tok["raw"])
        elif "children" in tok:
            out.append(plain_text(tok["children"], code_marks=code_marks))
    return _spaced("".join(out))


_SPACES = re.compile(r"[ \t]+")


def _spaced(text: str) -> str:
    """`text` with each run of spaces and tabs one space, stripped."""
    if "\t" in text or "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


# what starts an inline token other than text, line breaks, code spans and plain links
# (mistune's escape, emphasis, image, reference link and HTML rules)
_INLINE_MARK = re.compile(r"[\\*_\[\]<]|!\[")
_BREAK = re.compile(r" *\n\s*")
_TICKS = re.compile(r"`+")
# an inline link whose text and destination hold nothing to parse: its text is read
_LINK = re.compile(
    r"(?<!!)\[([^\[\]\\`*_!<>\s](?:[^\[\]\\`*_!<>]*[^\[\]\\`*_!<>\s])?)\]\(([^\s()<>\\`]*)\)"
)


def unmarked_text(text: str, code_marks: bool = False) -> str | None:
    """`plain_text` (or `marked_text`, with `code_marks`) of the inline tokens of a
    block's `text` when it holds no inline markup but code spans and plain inline
    links, read without the inline parser; None when it holds other markup. Text
    between them parses to text tokens between line breaks, each break a space."""
    text = text.strip(" \r\n\t\f")
    if "`" not in text:
        piece = _unmarked_piece(text)
        return None if piece is None else _spaced(piece)
    out: list[str] = []
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    at = i = 0
    while i < len(runs):
        start, end = runs[i]
        size = end - start  # a code span ends at the next run of as many backticks
        close = next((k for k in range(i + 1, len(runs)) if runs[k][1] - runs[k][0] == size), 0)
        piece = _unmarked_piece(text[at:start]) if close else None
        if piece is None:
            return None
        code = text[end : runs[close][0]].replace("\n", " ")
        if code.strip(" ") and code.startswith(" ") and code.endswith(" "):
            code = code[1:-1]
        out += [piece, f"`{code}`" if code_marks else code]
        at, i = runs[close][1], close + 1
    last = _unmarked_piece(text[at:])
    if last is None:
        return None
    return _spaced("".join([*out, last]))


def _unmarked_piece(text: str) -> str | None:
    """Text outside code spans as plain text, not yet spaced (None: other markup)."""
    if "](" in text:
        if "&" in text:  # a link's text and what follows it are separate tokens
            return None
        text = _LINK.sub(r"\1", text)
    if _INLINE_MARK.search(text):
        return None
    if "&" in text:  # an entity: unescaped piece by piece, as each text token is
        return " ".join(html.unescape(piece) for piece in _BREAK.split(text))
    return _BREAK.sub(" ", text) if "\n" in text else text


def marked_text(tokens: list[dict[str, Any]]) -> str:
    """Inline tokens as text with code spans in backticks (for reading, not for display)."""
    return plain_text(tokens, code_marks=True)
