"""The registry of the course's tasks: ``TASKS[name]`` is the task module, imported on first use."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["TASKS", "get_task"]

# CLI name -> module in this package (imported on first use: each task pulls in its data and
# models). Every task module is listed here, and only those (tests/tasks/test_registry.py).
_MODULES = {
    "mnist": "mnist",
    "optlab": "optlab",
    "autoencoder": "autoencoder",
    "gan": "gan",
    "transfer": "transfer",
    "word2vec": "word2vec",
    "imagenet": "imagenet",
    "pos-tagger": "pos_tagger",
    "name-gender": "name_gender",
    "seq2seq": "seq2seq",
    "char-rnn": "char_rnn",
    "segmentation": "segmentation",
    "localization": "localization",
    "captioning": "captioning",
}


class _Registry(dict):
    """``TASKS[name]`` imports the task module on first use."""

    def __missing__(self, name: str) -> ModuleType:
        if name not in _MODULES:
            raise KeyError(f"unknown task {name!r}; the tasks are {', '.join(_MODULES)}")
        module = importlib.import_module(f"deepgrad.tasks.{_MODULES[name]}")
        self[name] = module
        return module

    def __iter__(self):
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)

    def __contains__(self, name: object) -> bool:
        return name in _MODULES

    def keys(self):  # type: ignore[override]
        return list(_MODULES)

    def items(self):  # type: ignore[override]
        return [(n, self[n]) for n in _MODULES]

    def values(self):  # type: ignore[override]
        return [self[n] for n in _MODULES]


TASKS: dict[str, ModuleType] = _Registry()


def get_task(name: str) -> ModuleType:
    """The task module registered under ``name``; KeyError naming the tasks otherwise."""
    return TASKS[name]
