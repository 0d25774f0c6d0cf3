import pytest

from deepgrad.cli import COMMANDS, build_parser, main


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh, empty DEEPGRAD_DATA for one test."""
    root = tmp_path / "store"
    monkeypatch.setenv("DEEPGRAD_DATA", str(root))
    return root


def test_data_list_shows_every_dataset(store, capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert str(store) in out
    for name in ("mnist", "fashion_mnist", "names", "brown", "cifar10", "coco"):
        assert name in out
    assert "never installed" in out


def test_data_get_unknown_and_user_supplied(store, capsys):
    assert main(["data", "get", "nope"]) == 1
    assert "unknown dataset" in capsys.readouterr().err
    assert main(["data", "get", "cifar10"]) == 1
    err = capsys.readouterr().err
    assert "cifar-10-python.tar.gz" in err and str(store) in err


def test_commands_table_is_extensible():
    def add_hello(sub):
        p = sub.add_parser("hello")
        p.set_defaults(func=lambda args: 7)

    COMMANDS.append(add_hello)
    try:
        assert main(["hello"]) == 7
    finally:
        COMMANDS.remove(add_hello)
    with pytest.raises(SystemExit):
        build_parser().parse_args([])
