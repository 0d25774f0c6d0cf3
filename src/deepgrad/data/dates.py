"""Human-written dates and their ISO 8601 form, for the seq2seq task (week 5).

Real calendar dates (Python's ``datetime``: leap years, the weekday of each date) written in
the ways people write them::

    3rd of March, 1987   Tue 3/3/87   March 3 1987   03.03.1987   the 3rd of march 1987 ...

and the target ``1987-03-03``. Numeric formats follow one convention each, so the mapping is a
function: ``/`` is month/day/year (US), ``.`` and ``-`` with a month name are day-month-year,
two-digit years follow POSIX ``strptime`` (``%y``: 69-99 are 1969-1999, 00-68 are 2000-2068),
which is why the years run from 1969 to 2068. Names are English and do not depend on the
locale. Everything is drawn from a seeded NumPy generator: the same seed, the same dates.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["FORMATS", "YEARS", "human_date", "iso_date", "date_pairs", "split_years", "alphabet",
           "longest_text"]

YEARS = range(1969, 2069)  # the 100 years a two-digit year names unambiguously (POSIX %y)
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month(d: _dt.date) -> str:
    return MONTHS[d.month - 1]


def _mon(d: _dt.date) -> str:
    return MONTHS[d.month - 1][:3]


def _wd(d: _dt.date) -> str:
    return DAYS[d.weekday()][:3]


def _yy(d: _dt.date) -> str:
    return f"{d.year % 100:02d}"


# each format: date -> text (the case variants are applied afterwards, see human_date)
FORMATS: list[tuple[str, Callable[[_dt.date], str]]] = [
    ("3rd of March, 1987", lambda d: f"{_ordinal(d.day)} of {_month(d)}, {d.year}"),
    ("Tue 3/3/87", lambda d: f"{_wd(d)} {d.month}/{d.day}/{_yy(d)}"),
    ("March 3 1987", lambda d: f"{_month(d)} {d.day} {d.year}"),
    ("March 3, 1987", lambda d: f"{_month(d)} {d.day}, {d.year}"),
    ("3 March 1987", lambda d: f"{d.day} {_month(d)} {d.year}"),
    ("03/03/1987", lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}"),
    ("3/3/1987", lambda d: f"{d.month}/{d.day}/{d.year}"),
    ("3.3.1987", lambda d: f"{d.day}.{d.month}.{d.year}"),
    ("03.03.87", lambda d: f"{d.day:02d}.{d.month:02d}.{_yy(d)}"),
    ("Mar 3, 1987", lambda d: f"{_mon(d)} {d.day}, {d.year}"),
    ("Tuesday, March 3, 1987", lambda d: f"{DAYS[d.weekday()]}, {_month(d)} {d.day}, {d.year}"),
    ("3 Mar 87", lambda d: f"{d.day} {_mon(d)} {_yy(d)}"),
    ("Tue, 3 Mar 1987", lambda d: f"{_wd(d)}, {d.day} {_mon(d)} {d.year}"),
    ("3-Mar-1987", lambda d: f"{d.day}-{_mon(d)}-{d.year}"),
    ("March 3rd, 1987", lambda d: f"{_month(d)} {_ordinal(d.day)}, {d.year}"),
    ("the 3rd of March 1987", lambda d: f"the {_ordinal(d.day)} of {_month(d)} {d.year}"),
    ("1987/03/03", lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}"),
    ("Tuesday 3 March 87", lambda d: f"{DAYS[d.weekday()]} {d.day} {_month(d)} {_yy(d)}"),
]
_CASES = (str, str.lower, str.upper)  # as written, lower case, upper case


def iso_date(d: _dt.date) -> str:
    """``YYYY-MM-DD``."""
    return d.isoformat()


def human_date(d: _dt.date, fmt: int, case: int = 0) -> str:
    """``d`` written in format ``fmt`` (an index into :data:`FORMATS`), in case 0 (as
    written), 1 (lower) or 2 (upper)."""
    return _CASES[case](FORMATS[fmt][1](d))


def split_years(n_test: int, seed: int, years: Sequence[int] = YEARS) -> tuple[list[int],
                                                                              list[int]]:
    """The training years and the ``n_test`` held-out test years (drawn with ``seed``)."""
    ys = list(years)
    if not 0 < n_test < len(ys):
        raise ValueError(f"split_years: n_test must be between 1 and {len(ys) - 1}, got {n_test}")
    test = sorted(np.random.default_rng(seed).choice(ys, size=n_test, replace=False).tolist())
    return [y for y in ys if y not in set(test)], test


def date_pairs(n: int, years: Sequence[int], seed: int) -> list[tuple[str, str]]:
    """``n`` (human text, ISO) pairs of uniformly drawn days of ``years``, each in a uniformly
    drawn format and case."""
    if n < 0 or not years:
        raise ValueError(f"date_pairs: need n >= 0 and some years, got n={n}, years={years!r}")
    rng = np.random.default_rng(seed)
    days = []
    for y in years:
        first = _dt.date(y, 1, 1).toordinal()
        days.append(np.arange(first, _dt.date(y + 1, 1, 1).toordinal()))
    all_days = np.concatenate(days)
    pick = rng.integers(0, len(all_days), size=n)
    fmts = rng.integers(0, len(FORMATS), size=n)
    cases = rng.choice(3, size=n, p=[0.7, 0.15, 0.15])
    out = []
    for k, f, c in zip(pick, fmts, cases, strict=True):
        d = _dt.date.fromordinal(int(all_days[k]))
        out.append((human_date(d, int(f), int(c)), iso_date(d)))
    return out


def alphabet() -> list[str]:
    """Every character a format can write (all months, weekdays, digits, in every case)."""
    chars: set[str] = set("0123456789")
    for m in range(1, 13):
        for wd in range(7):
            d = _dt.date(2001, m, 1 + wd)  # 2001-01-01 was a Monday: every weekday
            for f in range(len(FORMATS)):
                for c in range(len(_CASES)):
                    chars.update(human_date(d, f, c))
    return sorted(chars)


def longest_text() -> int:
    """The most characters a format writes (every day of a leap year: the length does not
    depend on the year, all of which have four digits)."""
    start = _dt.date(2000, 1, 1).toordinal()
    return max(len(FORMATS[f][1](_dt.date.fromordinal(start + k)))
               for k in range(366) for f in range(len(FORMATS)))
