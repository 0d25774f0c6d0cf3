"""``deepgrad explain backprop`` (real MNIST images) and ``deepgrad explain walk``."""

import re

from PIL import Image

from deepgrad.cli import main


def test_backprop_prints_the_table_and_plots(tmp_path, capsys):
    png = tmp_path / "deltas.png"
    assert main(["explain", "backprop", "--batch", "3", "--seed", "1", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "MNIST test images" in out and "784 -> 30 -> 10" in out
    assert "3 examples, quadratic cost" in out
    rows = [ln for ln in out.splitlines() if re.match(r"^[12]  ", ln)]
    assert len(rows) == 2 and "30x784" in rows[0] and "10x30" in rows[1]
    diffs = [float(v) for ln in rows for v in ln.split()[-3:]]
    assert max(diffs) < 1e-12
    with Image.open(png) as im:
        assert im.size[0] > 300


def test_backprop_other_network(capsys):
    assert (
        main(
            [
                "explain",
                "backprop",
                "--layers",
                "784,16,12,10",
                "--activation",
                "relu",
                "--loss",
                "cross_entropy",
                "--batch",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "cross_entropy cost" in out and "softmax" in out and "16x784" in out


def test_backprop_bad_sizes(capsys):
    assert main(["explain", "backprop", "--layers", "100,10"]) == 2
    assert "from 784 inputs to 10 outputs" in capsys.readouterr().err


def test_walk_default_and_given(capsys):
    assert main(["explain", "walk"]) == 0
    out = capsys.readouterr().out
    assert "f = x*y + sin(x) at x = 2, y = 3" in out and "df/dy = 2" in out
    assert main(["explain", "walk", "x**2 * exp(-x)", "--at", "x=1"]) == 0
    out = capsys.readouterr().out
    assert "df/dx = 0.367879" in out  # (2x - x^2) e^-x at 1 = 1/e


def test_walk_refusals(capsys):
    assert main(["explain", "walk", "open('f')", "--at", "x=1"]) == 2
    assert "is not allowed" in capsys.readouterr().err
    assert main(["explain", "walk", "x + y", "--at", "x=1"]) == 2
    assert "no value for 'y'" in capsys.readouterr().err
    assert main(["explain", "walk", "x", "--at", "x"]) == 2
    assert "NAME=NUMBER" in capsys.readouterr().err
