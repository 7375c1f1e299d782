"""A shell step's kept output and source are stored once in the notebook (in the
cell), and read back from there."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import outcomes, run


def test_kept_output_is_stored_once(origin_repo: Repo, tmp_path: Path) -> None:
    rb = tmp_path / "once.md"
    rb.write_text(
        "# Once\n\n## Steps\n\n```bash\nfor i in $(seq 500); do echo zq-$i-qz; done\n```\n"
    )
    rec = tmp_path / "rec"
    assert run(rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", rec) == 0
    nb = rec / "once" / "1.3.0.ipynb"
    text = nb.read_text()
    assert text.count("zq-250-qz") == 1
    got = outcomes(nb)["steps.1"]
    assert got["output"].splitlines()[249] == "zq-250-qz"
    assert "seq 500" in got["source"]
