"""The generated task commands: deepgrad tasks, deepgrad TASK [--flags], --help, errors,
--resume, deepgrad demo, deepgrad predict."""

import json

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.tasks import TASKS
from deepgrad.tasks.contract import config_fields


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def exits(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.mark.parametrize("name", list(TASKS))
def test_help_lists_every_field_its_type_and_default(capsys, name):
    code, out, _ = exits(capsys, name, "--help")
    assert code == 0
    out = " ".join(out.split())  # argparse wraps lines
    for spec in config_fields(TASKS[name].Config):
        assert "--" + spec.name.replace("_", "-") in out
        assert spec.help.split()[0] in out and f"default: {spec.default}" in out
    for common in ("--quick", "--out", "--seed", "--resume"):
        assert common in out


def test_wrong_flags_and_values_are_argparse_errors_naming_the_field(capsys):
    code, _, err = exits(capsys, "mnist", "--epochs", "two")
    assert code == 2 and "--epochs" in err and "expected int" in err and "'two'" in err
    code, _, err = exits(capsys, "mnist", "--model", "resnet")
    assert code == 2 and "expected one of cnn, mlp" in err
    code, _, err = exits(capsys, "mnist", "--epoch", "2")
    assert code == 2 and "unrecognized arguments: --epoch" in err
    code, _, err = exits(capsys, "nope")
    assert code == 2 and "invalid choice: 'nope'" in err and "mnist" in err


def test_tasks_table_shows_every_task_and_the_latest_headline(capsys, tmp_path, tiny_mnist,
                                                               out_root):
    code, out, _ = run(capsys, "tasks")
    assert code == 0
    for name, m in TASKS.items():
        assert name in out and m.SUMMARY in out
    assert out.count("never run") == len(TASKS)
    code, _, _ = run(capsys, "mnist", "--epochs", "1", "--batch-size", "64", "--data-path",
                     str(tiny_mnist), "--model", "mlp")
    assert code == 0
    (run_dir,) = (out_root / "mnist").iterdir()
    acc = json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
    code, out, _ = run(capsys, "tasks")
    line = next(s for s in out.splitlines() if s.startswith("mnist"))
    assert f"test_accuracy {acc:.4g}" in line and str(run_dir) in line


def test_a_run_prints_metrics_and_where_everything_went_and_refuses_to_overwrite(
        capsys, tmp_path, tiny_mnist):
    out_dir = tmp_path / "run"
    args = ["mnist", "--model", "mlp", "--epochs", "1", "--batch-size", "64", "--data-path",
            str(tiny_mnist), "--out", str(out_dir), "--seed", "4"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "test_accuracy" in out and str(out_dir) in out and "weights.npz" in out
    info = json.loads((out_dir / "config.json").read_text())
    assert info["seed"] == 4 and info["config"]["epochs"] == 1
    before = (out_dir / "metrics.json").read_text()
    code, _, err = run(capsys, *args)
    assert code == 2 and "already exists and is not empty" in err
    assert (out_dir / "metrics.json").read_text() == before
    # resume: a missing directory, another task's, changed fields
    code, _, err = run(capsys, "mnist", "--resume", "--out", str(tmp_path / "missing"))
    assert code == 2 and "no such run directory" in err
    code, _, err = run(capsys, "optlab", "--resume", "--out", str(out_dir))
    assert code == 2 and "a run of task 'mnist', expected a run of 'optlab'" in err
    code, _, err = run(capsys, "mnist", "--resume", "--out", str(out_dir), "--epochs", "3")
    assert code == 2 and "another config" in err and "epochs" in err
    (out_dir / "config.json").write_text("{")
    code, _, err = run(capsys, "mnist", "--resume", "--out", str(out_dir))
    assert code == 2 and "corrupt config.json" in err


def test_resume_without_out_takes_the_latest_unfinished_run(capsys, tiny_mnist, out_root):
    code, _, err = run(capsys, "mnist", "--resume")
    assert code == 2 and "no unfinished run" in err
    args = ["mnist", "--model", "mlp", "--epochs", "1", "--batch-size", "64", "--data-path",
            str(tiny_mnist)]
    assert run(capsys, *args)[0] == 0
    (run_dir,) = (out_root / "mnist").iterdir()
    (run_dir / "metrics.json").unlink()  # as if interrupted before the end
    code, out, _ = run(capsys, "mnist", "--resume")
    assert code == 0 and f"resuming mnist in {run_dir}" in out
    assert (run_dir / "metrics.json").exists()


def test_demo_is_the_mnist_command(capsys):
    code, out, _ = exits(capsys, "demo", "--help")
    assert code == 0 and "--model {cnn,mlp}" in out and "MNIST" in out


def test_predict_classifies_image_files_with_the_latest_run(capsys, tmp_path, tiny_mnist,
                                                            out_root, blob_digits):
    from PIL import Image

    code, _, err = run(capsys, "predict", "mnist", "x.png")
    assert code == 2 and "no finished run of mnist" in err
    assert run(capsys, "mnist", "--model", "mlp", "--epochs", "2", "--batch-size", "32",
               "--data-path", str(tiny_mnist))[0] == 0
    x, y = blob_digits(8, 1)
    paths = []
    for i, img in enumerate(x):
        p = tmp_path / f"d{i}.png"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    code, out, _ = run(capsys, "predict", "mnist", *paths)
    assert code == 0
    got = [int(line.split(": ")[1].split()[0]) for line in out.splitlines()]
    assert np.mean(np.array(got) == y) >= 0.75
    (tmp_path / "junk.png").write_text("not an image")
    code, _, err = run(capsys, "predict", "mnist", str(tmp_path / "junk.png"))
    assert code == 2 and "junk.png: not a readable image" in err


def test_python_dash_m_deepgrad_is_the_deepgrad_command():
    """``python -m deepgrad`` (what a PyTorch user types) runs the same CLI: the task list."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "deepgrad", "tasks"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert all(name in r.stdout for name in TASKS), r.stdout
