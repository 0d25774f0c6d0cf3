"""Reading a generated caption back with the scenes' caption grammar: which two objects does it
name, and in which relation?

The grammar (:mod:`deepgrad.data.scene_captions`) writes every fact "A left of B" or "A above
B" in four relational paraphrases, and one count caption that lists the objects without a
relation. :func:`parse_caption` inverts the four (size words optional) and returns the canonical
fact ``(A, "left" | "above", B)`` as class indices, or None for a count caption or anything the
grammar does not write. :func:`content_accuracy` is the fraction of captions whose fact is the
scene's primary pair: both classes and their relation right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...data.scene_captions import DIGIT_NAMES, FASHION_NAMES

__all__ = ["parse_caption", "content_accuracy", "class_names"]


def class_names(source: str) -> tuple[str, ...]:
    """The ten class names of a scenes source (``mnist`` digits or ``fashion`` items)."""
    return DIGIT_NAMES if source == "mnist" else FASHION_NAMES


def _patterns(names: Sequence[str]) -> list[tuple[re.Pattern, str, bool]]:
    name = "(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"
    obj = rf"(?:an?|the) (?:(?:small|large) )?{name}"
    rules = [  # (pattern, relation, True when the first name is B)
        (rf"{obj} to the left of {obj}", "left", False),
        (rf"{obj} to the right of {obj}", "left", True),
        (rf"the {name} is on the left and the {name} is on the right", "left", False),
        (rf"{obj} and {obj} side by side", "left", False),
        (rf"{obj} above {obj}", "above", False),
        (rf"{obj} below {obj}", "above", True),
        (rf"the {name} is at the top and the {name} is at the bottom", "above", False),
        (rf"{obj} on top of {obj}", "above", False),
    ]
    return [(re.compile(f"^{p}$"), r, swap) for p, r, swap in rules]


_CACHE: dict[tuple[str, ...], list] = {}


def parse_caption(words: Sequence[str] | str, names: Sequence[str]
                  ) -> tuple[int, str, int] | None:
    """``(A, relation, B)`` (class indices into ``names``, relation ``left`` or ``above``) that
    ``words`` state, or None when they state no relation the grammar writes."""
    key = tuple(names)
    if key not in _CACHE:
        _CACHE[key] = _patterns(names)
    text = words if isinstance(words, str) else " ".join(words)
    for pattern, relation, swap in _CACHE[key]:
        m = pattern.match(text)
        if m:
            a, b = m.group(1), m.group(2)
            if swap:
                a, b = b, a
            return names.index(a), relation, names.index(b)
    return None


def content_accuracy(captions: Sequence[Sequence[str]],
                     truth: Sequence[tuple[int, str, int]], names: Sequence[str]) -> float:
    """The fraction of ``captions`` (word lists) that state their scene's primary pair."""
    if len(captions) != len(truth):
        raise ValueError(f"content_accuracy: {len(captions)} captions for {len(truth)} scenes")
    if not captions:
        raise ValueError("content_accuracy: no captions")
    right = sum(parse_caption(c, names) == tuple(t) for c, t in zip(captions, truth, strict=True))
    return right / len(captions)
