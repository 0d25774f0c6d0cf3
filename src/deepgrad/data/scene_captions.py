"""The caption grammar of the composed scenes: object names, relations, paraphrases.

A scene's *primary pair* (objects A and B) stands in one spatial relation, decided by the
centres of their boxes: ``left`` (A to the left of B) or ``above`` (A above B); the converse
relations (right of, below) are the same fact seen from B. Five paraphrases are generated per
scene, e.g. for a small seven left of a large two among three digits::

    a small seven to the left of a large two
    a two to the right of a seven
    the seven is on the left and the two is on the right
    a seven and a two side by side
    three digits: a seven, a two and a four
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DIGIT_NAMES", "FASHION_NAMES", "article", "relation_of", "captions_for",
           "NUMBER_WORDS"]

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FASHION_NAMES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                 "sneaker", "bag", "ankle boot")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")


def article(word: str) -> str:
    """``a`` or ``an`` by the first sound of ``word`` (an eight, an ankle boot, a one)."""
    if word.startswith(("eight", "a", "e", "i", "o")) and not word.startswith("one"):
        return "an"
    return "a"


def _a(word: str) -> str:
    return f"{article(word)} {word}"


def relation_of(box_a: Sequence[float], box_b: Sequence[float],
                dominance: float = 2.0) -> str | None:
    """``"left"``, ``"right"``, ``"above"``, ``"below"`` (A relative to B) from two COCO boxes
    ``[x, y, w, h]``, or ``None`` when neither axis dominates by the factor ``dominance``."""
    ax, ay = box_a[0] + box_a[2] / 2, box_a[1] + box_a[3] / 2
    bx, by = box_b[0] + box_b[2] / 2, box_b[1] + box_b[3] / 2
    dx, dy = bx - ax, by - ay
    if abs(dx) >= dominance * abs(dy) and abs(dx) > 0:
        return "left" if dx > 0 else "right"
    if abs(dy) >= dominance * abs(dx) and abs(dy) > 0:
        return "above" if dy > 0 else "below"
    return None


def _list(words: Sequence[str]) -> str:
    items = [_a(w) for w in words]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def captions_for(name_a: str, size_a: str, name_b: str, size_b: str, relation: str,
                 all_names_left_to_right: Sequence[str], kind: str = "digits") -> list[str]:
    """The five paraphrases for a primary pair in ``relation`` (``left`` or ``above``)."""
    if relation not in ("left", "above"):
        raise ValueError(f"captions_for: relation must be 'left' or 'above', got {relation!r}")
    adj_a, adj_b = f"{size_a} {name_a}", f"{size_b} {name_b}"
    n = len(all_names_left_to_right)
    count = f"{NUMBER_WORDS[n]} {kind}: {_list(all_names_left_to_right)}"
    if relation == "left":
        return [
            f"{_a(adj_a)} to the left of {_a(adj_b)}",
            f"{_a(name_b)} to the right of {_a(name_a)}",
            f"the {name_a} is on the left and the {name_b} is on the right",
            f"{_a(name_a)} and {_a(name_b)} side by side",
            count,
        ]
    return [
        f"{_a(adj_a)} above {_a(adj_b)}",
        f"{_a(name_b)} below {_a(name_a)}",
        f"the {name_a} is at the top and the {name_b} is at the bottom",
        f"{_a(name_a)} on top of {_a(name_b)}",
        count,
    ]
