"""The benchmark, small, as a correctness check: every scenario runs end to end against the
real server and nothing is lost. No timings are asserted (they belong to `make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "smoke.json"
    scratch = tmp_path / "scratch"  # where the run keeps its database and server logs
    scratch.mkdir()
    # Its own process: the benchmark sets Django up for the database it creates.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--n",
            "50",
            "--config",
            "embedded",
            "--out",
            str(out),
        ],  # fmt: skip
        cwd=REPO,
        env=os.environ | {"TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["n"] == 50
    assert result["join_errors"] == 0
    assert result["fanout_gaps"] == 0 and result["fanout_missing"] == 0
    assert result["quiz_stored"] == 50 and result["quiz_tally_ok"] is True
    assert result["chat_stored"] == result["chat_sent"] and result["chat_errors"] == 0
    assert result["resynced"] == 51  # everyone, and the facilitator's console
    assert result["resync_identity_ok"] is True
    assert result["slow_others_gaps"] == 0
    for key in ("fanout_p99_ms", "floor_p99_ms", "fanout_ratio_p99", "server_rss_mb", "git_sha"):
        assert key in result
    # The floors behind the same daphne answered everyone, so each ratio has a figure.
    assert result["floor_acked"] == 50
    for key in ("join_ratio", "quiz_ack_ratio_p99", "resync_ratio"):
        assert result[key] > 0
    assert not any(scratch.glob("dpup-bench-*"))  # a run that went well leaves nothing behind
