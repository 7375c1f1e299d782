"""One classification of each command, used by the run (say-so, dry run) and lint (RB003)."""

from __future__ import annotations

import shlex

import pytest

from relbook.bash.commands import simple_commands
from relbook.bash.effects import classify, destructive_kind, is_destructive, touches_remote
from relbook.guard.lint import check_destructive, shell_blocks
from relbook.parse import parse_runbook

R, D, RD, NONE = "remote", "destructive", "remote+destructive", ""

TABLE = [
    # git: remote unless local; force, delete and +refspec pushes destroy history
    ("git push origin main", R),
    ("git push origin v1.2.3", R),
    ("git push --tags", R),
    ("git push origin +main", RD),
    ("git push --force origin main", RD),
    ("git push -fu origin main", RD),
    ("git push --force-with-lease origin main", RD),
    ("git push --delete origin feature", RD),
    ("git push origin --delete release/v1", RD),
    ("git push origin :refs/tags/x", RD),
    ("git -C repo push origin main", R),
    ("git fetch origin", R),
    ("git pull --rebase", R),
    ("git ls-remote --tags origin", R),
    ("git tag -d v1.2.3", D),
    ("git tag -a v1.2.3 -m 'Release v1.2.3'", NONE),
    ("git branch -D topic", D),
    ("git branch -d merged", NONE),
    ("git reset --hard HEAD~1", D),
    ("git clean -fdx", D),
    ("git commit -m 'push --force later'", NONE),
    ("git checkout -b release/v1", NONE),
    # files
    ("rm -f build.tar", D),
    ("rm -rf dist/", D),
    ("sudo rm -fr /opt/app", D),
    ("rm -r build", D),
    ("rm notes.txt", NONE),
    # deploy and publish tools
    ("kubectl delete pod web-1", RD),
    ("kubectl apply -f deploy.yaml", R),
    ("kubectl get pods", R),
    ("helm uninstall web", RD),
    ("helm delete web", RD),
    ("helm upgrade --install web ./chart", R),
    ("gh release delete v1.2.3 --yes", RD),
    ("gh release create v1.2.3", R),
    ("terraform destroy -auto-approve", RD),
    ("terraform apply", R),
    ("aws s3 rm s3://bucket/key", RD),
    ("aws s3 cp a s3://bucket/a", R),
    ("curl -X DELETE https://api.example.com/v1/x", RD),
    ("curl -fsS https://example.com/health", R),
    ("docker push registry/app:1.2.3", R),
    ("docker build -t app .", NONE),
    ("npm publish", R),
    ("npm ci", NONE),
    ("twine upload dist/*", R),
    ("cargo publish", R),
    ("ssh deploy@host 'systemctl restart app'", R),
    ("psql -c 'DROP TABLE users'", D),
    # where the command sits
    ("echo 'git push --force'", NONE),
    ("cd repo && git push origin main", R),
    ("FOO=1 git push origin main", R),
    ("if git push origin main; then echo ok; fi", R),
    ('echo "pushed: $(git push origin main 2>&1)"', R),
    ("make test  # then git push --force", NONE),
    ("cat <<EOF\ngit push --force\nEOF", NONE),
    ("timeout 60 kubectl delete ns tmp", RD),
    ("for ns in a b; do kubectl delete ns $ns; done", RD),
    ("case $1 in rm) echo no ;; esac", NONE),
]


def _kind(source: str) -> str:
    remote, destructive = touches_remote(source), is_destructive(source)
    return "+".join(k for k, hit in ((R, remote), (D, destructive)) if hit)


@pytest.mark.parametrize(("command", "kind"), TABLE)
def test_one_classification_per_command(command: str, kind: str) -> None:
    assert _kind(command) == kind


@pytest.mark.parametrize(("command", "kind"), TABLE)
def test_lint_rb003_agrees_with_the_run(command: str, kind: str) -> None:
    """RB003 flags exactly the commands the run holds back as destructive."""
    text = f"# Guide\n\n## Release\n\n```bash\n{command}\n```\n"
    rb = parse_runbook(text, "guide.md")
    found = check_destructive(rb, shell_blocks(rb))
    assert bool(found) == (D in kind), found
    assert all(f.line == 6 for f in found)


def test_a_confirm_directive_silences_rb003_only() -> None:
    text = "# Guide\n\n## Release\n\n<!-- relbook: confirm -->\n```bash\ngit tag -d v1\n```\n"
    rb = parse_runbook(text, "guide.md")
    assert shell_blocks(rb) and check_destructive(rb, shell_blocks(rb)) == []
    assert is_destructive(rb.steps[0].body)


def test_the_splitter_finds_commands_where_bash_runs_them() -> None:
    source = (
        "a=1 sudo -u ops kubectl get pods | grep web \\\n  && echo done\n"
        "cat <<EOF\nrm -rf /\nEOF\nx=$(git rev-parse HEAD); echo `date`"
    )
    found = [(c.line, c.words[:2]) for c in simple_commands(source)]
    assert found == [
        (0, ["kubectl", "get"]),
        (0, ["grep", "web"]),
        (0, ["echo", "done"]),
        (2, ["cat"]),
        (5, []),
        (5, ["git", "rev-parse"]),
        (5, ["echo", "`date`"]),
        (5, ["date"]),
    ]


def test_descriptions_say_what_is_destroyed() -> None:
    assert destructive_kind(["git", "push", "origin", "+main"]).startswith("git push --force")
    assert destructive_kind(["kubectl", "delete", "pod", "x"]).startswith("kubectl delete")
    assert classify(["git", "push", "origin", "main"]).remote


WRITTEN = [
    # the words of the first simple command as written: quotes and references kept,
    # operators end it, redirections are no words of it (one lexer with the splitter)
    (
        'git commit -m "Release $RELBOOK_VERSION"',
        ["git", "commit", "-m", '"Release $RELBOOK_VERSION"'],
    ),
    (
        "git tag -a \"$RELBOOK_TAG\" -m 'Release'",
        ["git", "tag", "-a", '"$RELBOOK_TAG"', "-m", "'Release'"],
    ),
    ('git push origin v"$RELBOOK_VERSION"', ["git", "push", "origin", 'v"$RELBOOK_VERSION"']),
    ("git push origin main; echo ok", ["git", "push", "origin", "main"]),
    ("git push origin main|tee log", ["git", "push", "origin", "main"]),
    ("git push origin main >/dev/null 2>&1", ["git", "push", "origin", "main"]),
    ("git tag v1 > out.txt  # a comment", ["git", "tag", "v1"]),
    ("git commit -m '<version-number>'", ["git", "commit", "-m", "'<version-number>'"]),
]


@pytest.mark.parametrize(("command", "words"), WRITTEN)
def test_words_as_written_come_from_the_one_lexer(command: str, words: list[str]) -> None:
    from relbook.bash.commands import words_as_written

    assert words_as_written(command) == words
    # and the splitter reads the same command, quotes removed
    assert simple_commands(command)[0].words == [shlex.split(w)[0] for w in words]


def test_a_guard_keeps_the_words_for_bash_to_expand() -> None:
    from relbook.bash.effects import guard_for

    guard = guard_for('git push origin "$RELBOOK_TAG"; echo pushed')
    assert guard is not None and 'refs/tags/""$RELBOOK_TAG"' in guard.test
    assert guard_for("git push origin main 2>&1").reason == "main already on origin"
    commit = guard_for("git commit -m '<version-number>'")
    assert commit is not None and "= '<version-number>' ]" in commit.test
