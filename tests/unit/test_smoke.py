from relbook.cli import main
from tests.conftest import RUNBOOKS


def test_parse_release_management_counts(capsys):
    assert main(["parse", str(RUNBOOKS / "release-management.md")]) == 0
    out = capsys.readouterr().out
    assert "19 task items (4 sign-offs), 3 shell blocks" in out


def test_bad_version_is_one_line_exit_2(capsys):
    assert main(["params", str(RUNBOOKS / "release-management.md"), "--version", "1.2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'1.2'" in err and "Traceback" not in err
