"""The Brown corpus tagset and its mapping onto the 12-tag universal tagset.

The universal tagset (Petrov, Das & McDonald 2012, "A Universal Part-of-Speech Tagset"):
``NOUN VERB ADJ ADV PRON DET ADP NUM CONJ PRT . X``. A Brown tag is mapped in four steps:

1. lower-case it; a ``fw-`` prefix (foreign word) gives ``X``;
2. strip the modifiers ``-hl`` (headline), ``-tl`` (title), ``-nc`` (cited word), repeatedly;
3. a combined tag (a contraction, ``ppss+md`` = "I'll", ``pps+bez`` = "it's") is mapped by its
   first part when that is a verb, noun, adjective, adverb or preposition, and to ``PRT`` when
   it starts with a pronoun, determiner or existential "there", as NLTK's mapping does;
4. the base tag (with a trailing ``*`` negation or ``$`` possessive removed when the rest is
   known) is looked up in ``BASE``; anything unknown (e.g. ``nil``) is ``X``.

The choices for the function words follow NLTK's Brown mapping: possessive determiners
(``pp$`` "his") and ``wdt`` ("which") are ``DET``; pre-quantifiers ``abn`` ("all") and ``abl``
("quite"), existential ``ex`` ("there") and interjections ``uh`` are ``PRT``; ``cs``
(subordinating conjunctions) is ``ADP``; ``ap`` ("many") and ``od`` ("first") are ``ADJ``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["UNIVERSAL_TAGS", "BASE", "brown_to_universal"]

UNIVERSAL_TAGS = (
    "NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X",
)

_PUNCT = [".", ",", ":", "(", ")", "--", "''", "``", "'"]
_GROUPS = {
    ".": _PUNCT,
    "NOUN": ["nn", "nns", "np", "nps", "nr", "nrs", "pn"],
    "VERB": ["vb", "vbd", "vbg", "vbn", "vbz", "md", "be", "bed", "bedz", "beg", "bem", "ben",
             "ber", "bez", "do", "dod", "doz", "hv", "hvd", "hvg", "hvn", "hvz"],
    "ADJ": ["jj", "jjr", "jjs", "jjt", "ap", "od"],
    "ADV": ["rb", "rbr", "rbt", "rn", "ql", "qlp", "wql", "wrb", "*"],
    "PRON": ["pps", "ppss", "ppo", "ppl", "ppls", "pp$$", "wps", "wpo"],
    "DET": ["at", "dt", "dti", "dts", "dtx", "abx", "pp$", "wdt", "wp$"],
    "ADP": ["in", "cs"],
    "NUM": ["cd"],
    "CONJ": ["cc"],
    "PRT": ["to", "rp", "abn", "abl", "ex", "uh", "pn$"],
}
BASE: dict[str, str] = {tag: univ for univ, tags in _GROUPS.items() for tag in tags}
_CONTRACTION_PRT = ("PRON", "DET", "ADV", "PRT")
_MODIFIER = re.compile(r"-(hl|tl|nc)$")


def _base(tag: str) -> str:
    if tag in BASE:
        return BASE[tag]
    if tag.endswith("*") and tag[:-1] in BASE:
        return BASE[tag[:-1]]
    if tag.endswith("$") and tag[:-1] in BASE:
        # possessives of nouns and determiners keep their tag ("Atlanta's", "another's"); of
        # anything else ("other's", "1960's", "else's") they are PRT
        return BASE[tag[:-1]] if BASE[tag[:-1]] in ("NOUN", "DET") else "PRT"
    return "X"


@lru_cache(maxsize=4096)
def brown_to_universal(tag: str) -> str:
    """Map one Brown tag (any case, e.g. ``NP-TL``, ``ppss+md``, ``FW-NN``) to a universal tag."""
    t = tag.lower()
    if t.startswith("fw-") or t == "fw":
        return "X"
    while True:
        stripped = _MODIFIER.sub("", t)
        if stripped == t:
            break
        t = stripped
    if t in BASE or "+" not in t:
        return _base(t)
    first = _base(t.split("+")[0])
    return "PRT" if first in _CONTRACTION_PRT else first
