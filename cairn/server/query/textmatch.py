"""Substring and regular-expression matching of text fields: checks, and the SQLite functions.

Both backends must answer ``$regex`` and ``$contains`` alike, so a pattern is limited to the
subset of syntax that Python's ``re`` (SQLite, through :func:`regexp`) and PostgreSQL's ARE engine
read the same way, and matching runs with byte-order ("C") semantics on both:

- search semantics (``^``/``$`` anchor), ``.`` matches a newline (PostgreSQL's default);
- ``\\w``, ``\\d``, ``\\s`` and case-insensitivity cover ASCII only (PostgreSQL with collation
  "C"; Python with ``re.ASCII``);
- refused with a 400: ``\\b``/``\\B`` (a word boundary in Python, a backspace in PostgreSQL),
  ``\\x``, ``\\N``, ``(?`` groups other than ``(?:`` ``(?=`` ``(?!`` ``(?<=`` ``(?<!`` (use
  ``$options: "i"`` instead of inline flags), POSIX classes ``[[:alpha:]]``, possessive
  quantifiers, ``{,n}``, counts above 255, and a repeated group that itself repeats (``(a+)+``,
  which backtracking engines can take exponential time on).

``$`` also matches before a final newline in Python; text with a trailing newline is the one
known difference left.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

from cairn.errors import InvalidInputError

PATTERN_MAX = 256
"""Longest ``$regex`` pattern or ``$contains`` substring, in characters."""
REPEAT_MAX = 255  # PostgreSQL refuses larger {m,n} counts
LIKE_ESCAPE = "\\"

_OK_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_BAD_ESCAPES = {
    "b": "\\b is a word boundary in Python but a backspace in PostgreSQL; use \\W or ^/$",
    "B": "\\B means different things in Python and PostgreSQL",
    "x": "\\x reads a different number of hex digits in Python and PostgreSQL; use \\u0041",
    "N": "\\N{name} is not understood by PostgreSQL",
}
_COUNT = re.compile(r"\{(\d*)(,?)(\d*)\}")


def check_pattern(pattern: object, where: str, ignore_case: bool = False) -> str:
    """The pattern when it is a valid, portable regular expression; else InvalidInputError."""
    if not isinstance(pattern, str):
        raise InvalidInputError(f"{where}: $regex takes a string pattern")
    if len(pattern) > PATTERN_MAX:
        raise InvalidInputError(f"{where}: regular expression longer than {PATTERN_MAX} characters")
    ambiguous: FutureWarning | None = None
    try:
        with warnings.catch_warnings():
            # Python warns of set syntax it will read differently some day ("[[", "--", "&&").
            warnings.simplefilter("error", FutureWarning)
            compiled(pattern, ignore_case)
    except re.error as exc:
        raise InvalidInputError(f"{where}: invalid regular expression {pattern!r}: {exc}") from None
    except FutureWarning as warning:
        ambiguous = warning
    problem = _portability_problem(pattern)
    if problem is None and ambiguous is not None:
        problem = f"{ambiguous}; escape the character"
    if problem:
        raise InvalidInputError(f"{where}: unsupported regular expression {pattern!r}: {problem}")
    return pattern


def check_substring(value: object, where: str) -> str:
    """The ``$contains`` operand when it is a string of at most PATTERN_MAX characters."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{where}: $contains takes a string")
    if len(value) > PATTERN_MAX:
        raise InvalidInputError(f"{where}: $contains text longer than {PATTERN_MAX} characters")
    return value


def _portability_problem(pattern: str) -> str | None:
    """Why ``pattern`` may mean something else on one backend, or None (it passed ``re``)."""
    groups: list[bool] = []  # per open group: whether something inside it repeats
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        inner_repeats = False  # the atom just read is a group with a repetition inside
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in _BAD_ESCAPES:
                return _BAD_ESCAPES[escaped]
            i += 2
        elif char == "[":
            end = _class_end(pattern, i)
            if re.search(r"\[[:=.]", pattern[i + 1 : end]):
                return "POSIX classes like [[:alpha:]] are read differently; use [a-zA-Z]"
            i = end + 1
        elif char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith(_OK_GROUPS, i):
                return (
                    "only (?: (?= (?! (?<= (?<! groups are portable; "
                    'for case-insensitivity use $options "i" (or ~* in the text form)'
                )
            groups.append(False)
            i += 1
            continue
        elif char == ")":
            inner_repeats = groups.pop() if groups else False
            i += 1
        elif char == "{":
            return "a literal { must be escaped as \\{"
        elif char in "|^$":
            i += 1
            continue
        else:
            i += 1
        repeat, length, problem = _quantifier(pattern, i)
        if problem:
            return problem
        if repeat and inner_repeats:
            return "a repeated group that repeats inside, like (a+)+, can take exponential time"
        if (repeat or inner_repeats) and groups:
            groups[-1] = True
        i += length
    return None


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` that closes the class opened at ``start``."""
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i


def _quantifier(pattern: str, i: int) -> tuple[bool, int, str | None]:
    """At ``i``: (does a quantifier allow more than one, its length, a portability problem)."""
    char = pattern[i : i + 1]
    if char in ("*", "+"):
        repeat, length = True, 1
    elif char == "?":
        repeat, length = False, 1
    elif char == "{":
        match = _COUNT.match(pattern, i)
        if match is None:
            return False, 1, "a literal { must be escaped as \\{"
        low, comma, high = match.groups()
        if not low:
            return False, 0, "write {0,n} instead of {,n}"
        if int(low) > REPEAT_MAX or (high and int(high) > REPEAT_MAX):
            return False, 0, f"repetition counts above {REPEAT_MAX} are not supported"
        repeat, length = bool(comma) or int(low) > 1, match.end() - i
    else:
        return False, 0, None
    follow = pattern[i + length : i + length + 1]
    if follow == "+":
        return False, 0, "possessive quantifiers (a*+) are not supported"
    if follow == "?":
        length += 1  # lazy: the same matches for a yes/no test
    return repeat, length, None


@functools.lru_cache(maxsize=512)
def compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """The Python form of a pattern with the shared semantics (cached; raises re.error)."""
    flags = re.ASCII | re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(pattern, flags)


def regexp(pattern: str | None, value: str | None) -> bool | None:
    """SQLite's ``value REGEXP pattern`` (case-sensitive); NULL in, NULL out."""
    if pattern is None or value is None:
        return None
    return compiled(pattern, False).search(value) is not None


def iregexp(pattern: str | None, value: str | None) -> bool | None:
    """The case-insensitive twin of :func:`regexp` (``cairn_iregexp(pattern, value)``)."""
    if pattern is None or value is None:
        return None
    return compiled(pattern, True).search(value) is not None


def like_contains(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) matching any value that contains ``text``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_META = set(".^$*+?{}[]\\|()")


def literal_prefix(pattern: str) -> str:
    """A prefix every match of a ``^``-anchored, case-sensitive pattern starts with (or "")."""
    if not pattern.startswith("^") or "|" in pattern:
        return ""
    out: list[str] = []
    i = 1
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            out.append(pattern[i + 1])
            i += 2
        elif char in _META:
            if char in "*?{" and out:
                out.pop()  # the last character may repeat zero times
            break
        else:
            out.append(char)
            i += 1
    return "".join(out)


def prefix_upper(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix`` (None: there is none)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:
            last = 0xE000  # surrogates are not text
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


@contextlib.contextmanager
def regex_errors() -> Iterator[None]:
    """Turn PostgreSQL's refusal of a pattern (SQLSTATE 2201B) into a 400, as a safety net.

    :func:`check_pattern` refuses what the two engines read differently, so this only catches
    syntax PostgreSQL rejects that nobody thought of yet.
    """
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "2201B":
            raise
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "refused"
        raise InvalidInputError(f"filter: {detail}") from None
