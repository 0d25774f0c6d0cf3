"""The human-written dates: each format checked against Python's own parser (strptime) where it
can read it, two-digit years by POSIX's rule, held-out years disjoint, everything seeded."""

import datetime as dt

import numpy as np
import pytest

from deepgrad.data.dates import (
    FORMATS,
    YEARS,
    alphabet,
    date_pairs,
    human_date,
    longest_text,
    split_years,
)

# strptime patterns of the formats it can parse (the ordinal ones it cannot: checked by hand)
STRPTIME = {
    "Tue 3/3/87": "%a %m/%d/%y", "March 3 1987": "%B %d %Y", "March 3, 1987": "%B %d, %Y",
    "3 March 1987": "%d %B %Y", "03/03/1987": "%m/%d/%Y", "3/3/1987": "%m/%d/%Y",
    "3.3.1987": "%d.%m.%Y", "03.03.87": "%d.%m.%y", "Mar 3, 1987": "%b %d, %Y",
    "Tuesday, March 3, 1987": "%A, %B %d, %Y", "3 Mar 87": "%d %b %y",
    "Tue, 3 Mar 1987": "%a, %d %b %Y", "3-Mar-1987": "%d-%b-%Y", "1987/03/03": "%Y/%m/%d",
    "Tuesday 3 March 87": "%A %d %B %y",
}


def test_every_format_writes_its_example_for_the_example_date():
    d = dt.date(1987, 3, 3)  # a Tuesday
    for i, (example, _) in enumerate(FORMATS):
        assert human_date(d, i) == example
        assert human_date(d, i, 1) == example.lower() and human_date(d, i, 2) == example.upper()


def test_strptime_reads_back_the_same_date_in_every_parseable_format():
    rng = np.random.default_rng(0)
    first, last = dt.date(1969, 1, 1).toordinal(), dt.date(2068, 12, 31).toordinal()
    days = [dt.date.fromordinal(int(k)) for k in rng.integers(first, last + 1, 400)]
    days += [dt.date(2000, 2, 29), dt.date(1969, 1, 1), dt.date(2068, 12, 31)]
    for i, (example, _) in enumerate(FORMATS):
        for d in days:
            text = human_date(d, i)
            if example in STRPTIME:
                assert dt.datetime.strptime(text, STRPTIME[example]).date() == d, (example, text)
            else:  # ordinals: the day as 1st/2nd/3rd/4th..., 11th-13th
                day = text.split()[1] if text.startswith("the ") else (
                    text.split()[1].rstrip(",") if example.startswith("March") else
                    text.split()[0])
                suffix = "th" if d.day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(
                    d.day % 10, "th")
                assert day == f"{d.day}{suffix}", (example, text)
                assert str(d.year) in text and FORMATS[2][1](d).split()[0] in text


def test_two_digit_years_name_one_year_of_the_range():
    assert len(YEARS) == 100 and len({y % 100 for y in YEARS}) == 100


def test_pairs_are_seeded_and_their_targets_are_iso():
    a = date_pairs(300, [1999, 2000], seed=5)
    assert a == date_pairs(300, [1999, 2000], seed=5) != date_pairs(300, [1999, 2000], seed=6)
    for text, iso in a:
        d = dt.date.fromisoformat(iso)
        assert d.year in (1999, 2000) and len(iso) == 10
        assert set(text) <= set(alphabet()) and len(text) <= longest_text()


def test_held_out_years_are_disjoint_and_seeded():
    train, test = split_years(15, seed=0)
    assert len(test) == 15 and not set(train) & set(test)
    assert sorted(train + test) == list(YEARS)
    assert split_years(15, seed=0) == (train, test) != split_years(15, seed=1)
    with pytest.raises(ValueError, match="n_test must be between 1 and 99"):
        split_years(0, seed=0)
