"""The registry and the contract: every task module is registered and follows the contract."""

import dataclasses
import json
from pathlib import Path

import pytest

import deepgrad.tasks as tasks
from deepgrad.tasks import TASKS, TaskError, get_task, read_run, run_task
from deepgrad.tasks.contract import (
    Result,
    check_metrics,
    config_fields,
    config_from_dict,
    config_to_dict,
    param,
    parse_value,
)

# the package's own machinery, not tasks
INFRA = {"__init__", "contract", "registry", "rundir", "ranks"}


def test_every_task_module_is_registered_and_vice_versa():
    folder = Path(tasks.__file__).parent
    modules = {p.stem for p in folder.glob("*.py")} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    registered = {m.__name__.rsplit(".", 1)[1] for m in TASKS.values()}
    assert registered == modules - INFRA


@pytest.mark.parametrize("name", list(TASKS))
def test_each_task_follows_the_contract(name):
    m = TASKS[name]
    assert m.NAME == name and isinstance(m.WEEK, int) and 1 <= m.WEEK <= 6
    assert m.SUMMARY and m.HEADLINE and m.__doc__
    specs = config_fields(m.Config)  # every field CLI-able, with a default and a help line
    assert specs
    assert isinstance(m.QUICK, m.Config) and m.QUICK != m.Config()
    assert callable(m.run) and callable(m.load)
    # the config goes through JSON unchanged
    cfg = m.QUICK
    back = config_from_dict(m.Config, json.loads(json.dumps(config_to_dict(cfg))), "x")
    assert back == cfg


def test_unknown_task_names_the_tasks():
    with pytest.raises(KeyError, match="unknown task 'nope'.*mnist.*optlab"):
        get_task("nope")


@dataclasses.dataclass
class _Cfg:
    n: int = param(3, "a count")
    rate: float | None = param(None, "a rate")
    mode: str = param("a", "a mode")
    flag: bool = param(True, "a switch")


def test_parse_value_checks_types_and_names_the_field():
    n, rate, mode, flag = config_fields(_Cfg)
    assert parse_value(n, "7") == 7 and parse_value(rate, "none") is None
    assert parse_value(rate, "0.5") == 0.5 and parse_value(flag, "false") is False
    with pytest.raises(ValueError, match="n: expected int, got '2.5'"):
        parse_value(n, "2.5")
    with pytest.raises(ValueError, match="rate: expected a finite number"):
        parse_value(rate, "nan")
    with pytest.raises(ValueError, match="flag: expected true or false"):
        parse_value(flag, "maybe")


def test_config_from_dict_rejects_unknown_fields_and_wrong_types():
    assert config_from_dict(_Cfg, {"n": 4, "rate": 1}, "f.json") == _Cfg(n=4, rate=1.0)
    with pytest.raises(TaskError, match="f.json: unknown config field.*zzz"):
        config_from_dict(_Cfg, {"zzz": 1}, "f.json")
    with pytest.raises(TaskError, match="f.json: field 'n' should be int, found 'x'"):
        config_from_dict(_Cfg, {"n": "x"}, "f.json")
    with pytest.raises(TaskError, match="field 'flag' should be bool, found 1"):
        config_from_dict(_Cfg, {"flag": 1}, "f.json")


def test_a_field_without_help_or_of_an_unsupported_type_is_refused():
    @dataclasses.dataclass
    class NoHelp:
        n: int = 3

    @dataclasses.dataclass
    class ListField:
        xs: list = param(None, "a list")

    with pytest.raises(TypeError, match="help line"):
        config_fields(NoHelp)
    with pytest.raises(TypeError, match="not one of int, float"):
        config_fields(ListField)


def test_metrics_must_be_flat_finite_numbers():
    assert check_metrics({"a": 1, "b": None, "c": 0.5}, "t") == {"a": 1, "b": None, "c": 0.5}
    for bad in ({"a": [1]}, {"a": float("nan")}, {"a": True}, [1]):
        with pytest.raises(TypeError):
            check_metrics(bad, "t")


class _Fake:
    """A minimal task, to test the runner without training anything."""

    NAME, WEEK, SUMMARY, HEADLINE = "mnist", 2, "fake", "score"
    Config = _Cfg
    QUICK = _Cfg(n=1)
    ran: list = []

    @staticmethod
    def run(cfg, out, resume=False):
        _Fake.ran.append((cfg, out, resume))
        print("working")
        (out / "thing.txt").write_text("x")
        return Result({"score": float(cfg.n)}, {"thing": "thing.txt"}, {"d.bin": "00"})

    @staticmethod
    def load(out):
        return "loaded"


def test_runner_writes_config_metrics_log_and_never_reuses_a_directory(tmp_path, monkeypatch,
                                                                       out_root):
    monkeypatch.setattr(tasks.rundir, "_version", lambda: "9.9")
    path, result = run_task(_Fake, quick=True, seed=5)
    assert path.parent == out_root / "mnist"
    info = json.loads((path / "config.json").read_text())
    assert info["config"] == {"n": 1, "rate": None, "mode": "a", "flag": True}
    assert info["seed"] == 5 and info["quick"] is True and info["deepgrad_version"] == "9.9"
    assert info["data"] == {"d.bin": "00"} and info["artifacts"] == {"thing": "thing.txt"}
    assert json.loads((path / "metrics.json").read_text()) == {"score": 1.0}
    log = (path / "log.txt").read_text()
    assert "working" in log and "score" in log
    # a second run gets its own directory; an explicit, non-empty one is refused
    path2, _ = run_task(_Fake)
    assert path2 != path and path2.parent == path.parent
    with pytest.raises(TaskError, match="already exists and is not empty"):
        run_task(_Fake, out=path)
    assert json.loads((path / "metrics.json").read_text()) == {"score": 1.0}  # untouched


def test_read_run_refuses_missing_foreign_and_corrupt_directories(tmp_path):
    with pytest.raises(TaskError, match="no such run directory"):
        read_run(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TaskError, match="config.json: missing"):
        read_run(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    with pytest.raises(TaskError, match="corrupt config.json"):
        read_run(bad)
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    with pytest.raises(TaskError, match="a run of task 'optlab', expected a run of 'mnist'"):
        read_run(other, "mnist")
    (other / "config.json").write_text(json.dumps({"task": "zzz", "config": {}, "seed": 0}))
    with pytest.raises(TaskError, match="unknown task 'zzz'"):
        read_run(other)
