"""bench.similar runs and prints its table (the figures themselves are in docs/benchmarks.md)."""

from __future__ import annotations

import sys

import pytest

from bench import similar


def test_the_similar_notes_bench_prints_a_row_per_size(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["bench.similar", "--notes", "20", "40", "--repeat", "1"])
    similar.main()
    out = capsys.readouterr().out
    assert "Model loaded in" in out
    assert "| 20 |" in out and "| 40 |" in out
