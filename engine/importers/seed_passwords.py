"""How the user records a database's seed script writes store their passwords: the owning service's hashing.

The official MongoDB, PostgreSQL, MySQL and MariaDB images run the scripts mounted under
``/docker-entrypoint-initdb.d`` when they first start. A seed that inserts user accounts writes each password in
the form the service keeps and compares, so the form says how the service hashes passwords:

- a modular-crypt string names its function: ``$2a$``/``$2b$``/``$2y$`` bcrypt, ``$argon2`` Argon2, ``$scrypt$``
  scrypt, ``pbkdf2...`` PBKDF2;
- a bare hexadecimal digest of 32, 40, 64 or 128 digits is MD5, SHA-1, SHA-256 or SHA-512, when its record keeps no
  salt or an empty one. A salted key-derivation function may store hexadecimal too (PBKDF2-HMAC-SHA1 gives 40
  digits), but never without its salt, so a record with a salt of some value says nothing.

A password of any other form (a clear-text word a start-up hook hashes later, a placeholder) says nothing, nor does
a key that only contains the word (``password_reset_token``, ``passwordChangedAt``). A record is the text between
the braces around its password (a JSON or JavaScript object, one ``insertMany`` element). Of several records, the
weakest form is the seed's: a reviewer flags the weak accounts even when others are strong. Positional forms (an SQL
``INSERT ... VALUES`` row, whose column list is elsewhere) are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PASSWORD = re.compile(
    r"""["']?\b(?P<key>password|passwd|pwd|password_?hash|hashed_?password|pass_?hash)["']?\s*[:=]\s*"""
    r"""(?P<q>["'])(?P<value>[^"'\n]{0,512})(?P=q)""", re.IGNORECASE)
_SALT = re.compile(r"""["']?\b(?:salt|password_?salt)["']?\s*[:=]\s*(?P<q>["'])(?P<value>[^"'\n]*)(?P=q)""",
                   re.IGNORECASE)
_HEX = re.compile(r"[0-9a-fA-F]+")
_HEX_LENGTHS = {32: ("md5", "MD5"), 40: ("sha1", "SHA-1"), 64: ("sha256", "SHA-256"), 128: ("sha512", "SHA-512")}
_CRYPT: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}"), "bcrypt", "bcrypt"),
    (re.compile(r"\$argon2(?:id|i|d)\$\S+"), "argon2", "Argon2"),
    (re.compile(r"\$scrypt\$\S+|\$7\$\S+"), "scrypt", "scrypt"),
    (re.compile(r"(?:\$pbkdf2[-_$]|pbkdf2_)\S+", re.IGNORECASE), "pbkdf2", "PBKDF2"),
)
_RANK = {name: rank for rank, name in enumerate(("md5", "sha1", "sha256", "sha512", "pbkdf2", "scrypt", "bcrypt",
                                                  "argon2"))}
_RECORD_SPAN = 4000
"""The most characters looked at on each side of a password for the braces of its record."""


@dataclass(frozen=True)
class SeededHashing:
    """The form a seed's passwords are stored in, and where the weakest one is."""

    algorithm: str
    """A ``password_hashing`` value: md5, sha1, sha256, sha512, pbkdf2, scrypt, bcrypt or argon2."""
    shown: str
    line: int
    """The 1-based line of ``text`` holding the password."""
    records: int
    """How many records gave a form."""


def seeded_hashing(text: str) -> SeededHashing | None:
    """The weakest password form among the user records of a seed script ``text``; None when no record gives one."""
    found: list[tuple[str, str, int]] = []
    for m in _PASSWORD.finditer(text):
        form = _form(m.group("value"), _record(text, m.start(), m.end()))
        if form is not None:
            found.append((*form, text.count("\n", 0, m.start()) + 1))
    if not found:
        return None
    algorithm, shown, line = min(found, key=lambda f: (_RANK[f[0]], f[2]))
    return SeededHashing(algorithm, shown, line, len(found))


def _record(text: str, start: int, end: int) -> str:
    """The text of the object holding the match at ``start:end``: from the nearest ``{`` before it to the nearest
    ``}`` after it (the line alone when there are none)."""
    lo = text.rfind("{", max(0, start - _RECORD_SPAN), start)
    hi = text.find("}", end, end + _RECORD_SPAN)
    if lo < 0 or hi < 0:
        lo = text.rfind("\n", 0, start) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi < 0 else hi
    return text[lo:hi]


def _form(value: str, record: str) -> tuple[str, str] | None:
    """(algorithm, shown) of one stored password, or None when its form says nothing."""
    for pattern, algorithm, shown in _CRYPT:
        if pattern.fullmatch(value):
            return algorithm, shown
    fast = _HEX_LENGTHS.get(len(value)) if _HEX.fullmatch(value) else None
    if fast is None:
        return None
    salts = [s.group("value") for s in _SALT.finditer(record)]
    return None if any(s.strip() for s in salts) else fast


def rank(algorithm: str) -> int:
    """How strong a ``password_hashing`` value this module gives is: lower is weaker."""
    return _RANK[algorithm]
