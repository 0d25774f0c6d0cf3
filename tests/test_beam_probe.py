"""The beam-search benchmark probe runs (tiny batch, one round) and prints its ratio line."""

from benchmarks.beam_probe import main


def test_beam_probe_prints_the_ratio(capsys):
    assert main(["--untrained", "--batch", "3", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "beam / greedy" in out and "CPU:" in out and "BLAS:" in out
