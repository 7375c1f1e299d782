"""The programs a guide's commands name and the remotes they push to (bash.tools)."""

from __future__ import annotations

from relbook.bash.tools import defined_names, makes_remotes, programs, push_remotes, remote_name


def test_programs_are_first_words_through_wrappers_pipes_and_substitutions():
    source = (
        'sudo -u ops make dist && gh release create "$TAG" | tee out\n'
        "VERSION=1 goreleaser release\n"
        'echo "$(jq -r .version package.json)"\n'
        "# helm upgrade (a comment)\n"
        "cat <<EOF\nkubectl delete ns x\nEOF\n"
    )
    assert programs(source) == [
        (0, "make"),
        (0, "gh"),
        (0, "tee"),
        (1, "goreleaser"),
        (2, "jq"),
        (4, "cat"),
    ]


def test_builtins_paths_and_words_built_at_run_time_are_not_programs():
    source = 'cd dist; ./scripts/x.sh; bin/tool; "$TOOL" run; [ -f x ] && printf "%s" y; : ok'
    assert programs(source) == []


def test_what_the_guide_defines_or_installs_is_its_own():
    sources = [
        "release() { echo hi; }\nfunction publish { :; }\nalias k=kubectl",
        "pip install twine==5.0 'build[virtualenv]'\ngo install github.com/x/goreleaser@latest",
        "npm install -g semantic-release",
    ]
    names = defined_names(sources)
    assert {"release", "publish", "k", "twine", "build", "goreleaser", "semantic-release"} <= names


def test_push_remotes_and_the_names_that_must_exist():
    source = (
        "git push origin main\ngit push -u upstream v1.2.3\ngit push\n"
        "git -C repo push --force-with-lease fork HEAD\ngit push git@example.com:o/r.git main\n"
    )
    found = push_remotes(source)
    assert found == [
        (0, "origin"),
        (1, "upstream"),
        (2, ""),
        (3, "fork"),
        (4, "git@example.com:o/r.git"),
    ]
    assert [remote_name(w) for _, w in found] == ["origin", "upstream", "", "fork", ""]
    assert remote_name('"$REMOTE"') == "" and remote_name("../other.git") == ""
    assert makes_remotes(["git remote add fork https://example.com/r.git"]) == {"fork"}


def test_a_duplicated_descriptor_is_a_redirection_not_a_command():
    source = 'echo "$KEY" >&2\nmake dist 2>&1 | tee log\nrun-it &>/dev/null; cleanup >&-\nsleep 9 &'
    assert programs(source) == [
        (1, "make"),
        (1, "tee"),
        (2, "run-it"),
        (2, "cleanup"),
        (3, "sleep"),
    ]


def test_an_empty_argument_is_an_argument():
    assert programs("trap '' TERM HUP INT\nfind . -name '' -print") == [(1, "find")]


def test_numbers_and_capitals_are_not_taken_for_programs():
    assert programs("VERSION\n2\nmake") == [(2, "make")]


def test_arithmetic_and_array_values_run_no_program():
    source = (
        "N=$((N+1)); ((N++)); x=$(( (a+1)*2 ))\n"
        'for ((i=0; i<3; i++)); do echo "$i"; done\n'
        "arr=(one two) && declare -a more=(three four); list+=(five)\n"
    )
    assert programs(source) == []


def test_a_command_inside_arithmetic_or_an_array_is_still_one():
    source = "n=$(( $(git rev-list --count HEAD) + 1 ))\ntags=($(git tag --list))\n"
    assert programs(source) == [(0, "git"), (1, "git")]


def test_a_push_inside_an_array_is_still_seen():
    assert push_remotes("gone=($(git push upstream --delete v1))") == [(0, "upstream")]
