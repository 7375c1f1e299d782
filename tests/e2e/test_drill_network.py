"""A drill cannot reach the network: its steps run in a network namespace with
only loopback, whatever they call (absolute paths, Python sockets, bash's /dev/tcp).

The target is 192.0.2.1 (TEST-NET-1, reserved for documentation): no real host."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from relbook.engines.netns import isolation
from tests.e2e.drilltools import drill, drill_records, notebook, outcomes, write

UNREACHABLE = "Network is unreachable"


def _runbook(tmp_path: Path) -> tuple[str, Path]:
    out = tmp_path / "out"
    out.mkdir()
    text = textwrap.dedent(
        f"""\
        # Leaky release

        ## Reach out
        ```bash
        /usr/bin/ssh -o BatchMode=yes -o ConnectTimeout=3 git@192.0.2.1 true 2> {out}/ssh.err \\
          || echo "ssh failed" >> {out}/results
        ```

        ```bash
        python3 -c 'import socket; socket.create_connection(("192.0.2.1", 80), timeout=3)' \\
          2> {out}/python.err || echo "python failed" >> {out}/results
        ```

        ```bash
        (echo > /dev/tcp/192.0.2.1/80) 2> {out}/tcp.err || echo "tcp failed" >> {out}/results
        ```

        <!-- relbook: done-if: (echo > /dev/tcp/192.0.2.1/80) 2> {out}/check.err -->
        ```bash
        echo "done-if did not hold" >> {out}/results
        ```

        ```bash
        python3 -c 'import socket
        s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
        socket.create_connection(s.getsockname(), timeout=3); print("loopback ok")' \\
          >> {out}/results
        ```
        """
    )
    return write(tmp_path / "leaky.md", text), out


def test_drill_steps_cannot_reach_the_network(tmp_path, monkeypatch, capsys):
    why = isolation()
    if why:
        pytest.skip(f"no network namespace here: {why}")
    if not Path("/usr/bin/ssh").exists():
        pytest.skip("no /usr/bin/ssh on this machine")
    runbook, out = _runbook(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, stdout, err = drill([runbook, "--version", "1.0.0"], capsys)
    assert code == 0, stdout + err
    first = stdout.splitlines()[0]
    assert first.startswith("DRILL: ") and "network isolated" in first
    assert (out / "results").read_text().splitlines() == [
        "ssh failed",
        "python failed",
        "tcp failed",
        "done-if did not hold",
        "loopback ok",
    ]
    for name in ("ssh", "python", "tcp", "check"):  # a done-if check runs there too
        assert UNREACHABLE in (out / f"{name}.err").read_text(), name
    record = drill_records(tmp_path, "leaky")[0]
    assert {o["status"] for o in outcomes(notebook(record)).values()} == {"done"}
    scorecard = record.with_name(record.name.replace(".ipynb", ".scorecard.md")).read_text()
    assert "- Network: isolated: steps run in a network namespace with only loopback" in scorecard


def test_a_drill_says_when_it_cannot_isolate_the_network(tmp_path, monkeypatch, capsys):
    import relbook.engines.netns as netns

    monkeypatch.setattr(netns, "isolation", lambda: "unshare: Operation not permitted")
    runbook = write(tmp_path / "quiet.md", "# Quiet\n\n## Steps\n```bash\necho hi\n```\n")
    monkeypatch.chdir(tmp_path)
    code, stdout, err = drill([runbook, "--version", "1.0.0"], capsys)
    assert code == 0, stdout + err
    first = stdout.splitlines()[0]
    assert "network NOT isolated (unshare: Operation not permitted)" in first
    record = drill_records(tmp_path, "quiet")[0]
    scorecard = record.with_name(record.name.replace(".ipynb", ".scorecard.md")).read_text()
    assert "- Network: NOT isolated (unshare: Operation not permitted)" in scorecard
