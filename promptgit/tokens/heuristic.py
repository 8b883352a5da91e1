"""The heuristic token estimate: no data files, deterministic, a few regex passes in C.

A weighted sum of text features that mirror how cl100k_base splits text (words, long words, digit
groups, punctuation runs, line breaks, indentation, non-Latin scripts). The weights were fitted against
exact cl100k_base counts by `bench/tokens.py --calibrate` on half of a corpus of real prompts and checked
on the other half; docs/tokens.md has the measured error.
"""

from __future__ import annotations

import re

METHOD = "heuristic"

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_LONG_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{7,}")
_DIGITS = re.compile(r"[0-9]+")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]+")
# one match per whitespace run that holds a newline; starting at the newline keeps it linear (no backtracking)
_LINE_BREAKS = re.compile(r"\n\s*")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_LATIN_EXTENDED = re.compile(r"[\u0080-\u024f]")

FEATURES = (
    "words",
    "long_word_chars",
    "digit_groups",
    "punctuation_runs",
    "punctuation_chars",
    "line_breaks",
    "space_runs",
)
# fitted by bench/tokens.py --calibrate (weighted least squares on relative error); one weight per feature
WEIGHTS = (1.026, 0.049, 1.252, 0.792, 0.221, 0.707, 0.549)
# Scripts beyond Latin are not in the calibration corpus; cl100k spends about half a token per extra UTF-8
# byte on them (Cyrillic ~0.5 per letter, CJK ~1 per character, emoji ~1.5), so that is fixed, not fitted.
WEIGHT_PER_EXTRA_BYTE = 0.5
# Accented Latin letters (French, German, ...) mostly break a word into one more token each; also fixed.
WEIGHT_PER_ACCENTED_LETTER = 1.0
LONG_WORD = 7  # words of this many letters or more split into several tokens


def features(text: str) -> tuple[float, ...]:
    """The feature vector of `text`, in the order of FEATURES."""
    words = len(_WORD.findall(text))
    long_words = _LONG_WORD.findall(text)
    long_word_chars = sum(map(len, long_words)) - (LONG_WORD - 1) * len(long_words)
    digit_runs = _DIGITS.findall(text)
    digit_groups = (sum(map(len, digit_runs)) + 2 * len(digit_runs)) / 3  # a group is up to 3 digits
    punctuation = _PUNCTUATION.findall(text)
    punctuation_chars = sum(map(len, punctuation)) - len(punctuation)
    line_breaks = len(_LINE_BREAKS.findall(text))
    space_runs = len(_SPACE_RUNS.findall(text))
    return (
        words,
        long_word_chars,
        digit_groups,
        len(punctuation),
        punctuation_chars,
        line_breaks,
        space_runs,
    )


def non_ascii_tokens(text: str) -> float:
    """The fixed-weight part of the estimate: accented Latin letters and characters of other scripts."""
    if text.isascii():
        return 0.0
    accented = len(_LATIN_EXTENDED.findall(text))
    extra_bytes = len(text.encode("utf-8", "surrogatepass")) - len(text) - accented
    return WEIGHT_PER_ACCENTED_LETTER * accented + WEIGHT_PER_EXTRA_BYTE * extra_bytes


def estimate(text: str) -> int:
    """Estimated cl100k_base tokens of `text`; 0 only for the empty string."""
    if not text:
        return 0
    total = sum(weight * value for weight, value in zip(WEIGHTS, features(text), strict=True))
    total += non_ascii_tokens(text)
    return max(1, round(total))


def _most_per_character() -> float:
    """The most any one character can add to `estimate`, from the weights (every feature counts at most
    one unit per character of its class; a space run needs two characters, a UTF-8 character at most
    three extra bytes)."""
    weight = dict(zip(FEATURES, (max(0.0, value) for value in WEIGHTS), strict=True))
    letter = weight["words"] + weight["long_word_chars"]
    return max(
        letter + WEIGHT_PER_ACCENTED_LETTER,  # an accented Latin letter is also a word character
        weight["digit_groups"],
        weight["punctuation_runs"] + weight["punctuation_chars"],
        weight["line_breaks"],
        weight["space_runs"] / 2,
        WEIGHT_PER_EXTRA_BYTE * 3,
    )


MOST_PER_CHARACTER = _most_per_character()


def upper_bound(length: int) -> int:
    """An estimate of a text of `length` characters is never above this (whatever the characters are):
    budget checks skip the estimate of a text that cannot reach their limit."""
    return int(MOST_PER_CHARACTER * length) + 2  # + rounding, and the minimum of 1
