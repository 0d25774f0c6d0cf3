"""``deepgrad visualize`` on a small finished mnist run: every kind writes its PNG."""

import pytest
from PIL import Image

from deepgrad.cli import main
from deepgrad.tasks import mnist, run_task


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):

    out = tmp_path_factory.mktemp("vis") / "run"
    path, _ = run_task(mnist, mnist.Config(epochs=1, limit=256), out)
    return path


@pytest.mark.parametrize("argv", [["filters"], ["maps", "3"], ["saliency", "3"],
                                  ["gradcam", "3", "--layer", "0"],
                                  ["stimulus", "--target", "7", "--steps", "3"]])
def test_every_kind_writes_a_png(mnist_run, tmp_path, capsys, argv):
    png = tmp_path / "v.png"
    assert main(["visualize", *argv, "--run", str(mnist_run), "--out", str(png)]) == 0
    assert "written to" in capsys.readouterr().out
    with Image.open(png) as im:
        assert im.size[0] >= 28 and im.size[1] >= 28


def test_bad_requests_are_errors(mnist_run, tmp_path, capsys):
    run = ["--run", str(mnist_run), "--out", str(tmp_path / "x.png")]
    assert main(["visualize", "gradcam", *run]) == 2
    assert "needs an IMAGE" in capsys.readouterr().err
    assert main(["visualize", "maps", "3", "--layer", "nope", *run]) == 2
    assert "no layer named 'nope'" in capsys.readouterr().err
    assert main(["visualize", "stimulus", *run]) == 2
    assert "needs --target" in capsys.readouterr().err
    assert main(["visualize", "saliency", str(tmp_path / "missing.png"), *run]) == 2
    assert "neither a test-image index nor an image file" in capsys.readouterr().err
