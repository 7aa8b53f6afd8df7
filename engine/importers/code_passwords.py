"""How a service's code hashes the passwords it keeps (``import source``): its ``password_hashing``.

A password stored as a fast digest (MD5, SHA-1, SHA-256, SHA-512, salted or not) is cracked offline at billions of
guesses a second once the store leaks; a slow, salted function made for passwords (bcrypt, scrypt, Argon2, PBKDF2
with many iterations) is what OWASP's Password Storage Cheat Sheet asks for
(https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html).

A digest counts only where a password goes into it: the call's own arguments name one (``sha256.Sum256([]byte(
req.Password))``, ``picosha2::hash256_hex_string(password + salt)``), or one of the next three lines feeds the
digest one (``h := sha1.New()`` then ``io.WriteString(h, pass)``), or the function it is in, opened at most six
lines above, names one (``func calculatePassHash(pass, salt string)``). A digest of one variable the function assigns
above it from values that name no password (``salted = (email + SECRET_KEY).encode()``, ``sha1(salted)``: a
rate-limit bucket's name) hashes no password, whatever the function is called, unless the next lines, string
literals and comments aside, hand it one. A digest of anything else (a file, a
cache key, an ETag) says nothing of passwords; nor does a helper whose only password word is the name of its own
parameter, when the service's code calls it and no call hands it a password (``getSha512(String passwordToHash)``
called as ``getSha512(blobString)`` signs a session blob). A helper nobody in the code calls, or one whose own name
says password (``hashPassword(String value)``), stays a password digest. A name counts as a password by its words
(``req.Password``, ``password_hashed``, ``calculatePassHash``, ``pwd``), never by a prefix (``passenger``,
``bypass``). The slow functions are recognised by their calls and encoders, never by an import alone: a Python class
deriving from one of Django's slow hashers (``class H(PBKDF2PasswordHasher)``) is one. A digest whose result goes on
into a slow function is a pre-hash, not how the password is kept (a legacy scheme's rounds handed to PBKDF2, a
SHA-256 taken before bcrypt's 72-byte limit): the slow function is then called further down the same function, or
the digest lies in a class deriving from a Django slow hasher whose methods hand their result to that hasher's own
``encode`` (``super().encode(...)``). Of several, the weakest is the service's: a reviewer flags the weak path even
when a strong one exists beside it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.code_text import inside

_FAST: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (name, shown, re.compile(pattern)) for name, shown, pattern in (
        ("md5", "MD5", r"(?<![\w.])md5\.(?:Sum|New)\b|\bhashlib\.md5\b|\bcreateHash\(\s*['\"]md5['\"]|"
                       r"\bgetInstance\(\s*\"MD5\"|\bMD5\.(?:Create|HashData)\b|\bDigestUtils\.md5(?:Hex)?\b|"
                       r"\bHashing\.md5\("),
        ("sha1", "SHA-1", r"(?<![\w.])sha1\.(?:Sum|New)\b|\bhashlib\.sha1\b|\bcreateHash\(\s*['\"]sha1['\"]|"
                          r"\bgetInstance\(\s*\"SHA-?1\"|\bSHA1\.(?:Create|HashData)\b|"
                          r"\bDigestUtils\.sha1(?:Hex)?\b|\bHashing\.sha1\("),
        ("sha256", "SHA-256", r"(?<![\w.])sha256\.(?:Sum256|New)\b|\bhashlib\.sha256\b|"
                              r"\bcreateHash\(\s*['\"]sha256['\"]|\bgetInstance\(\s*\"SHA-?256\"|"
                              r"\bSHA256\.(?:Create|HashData)\b|\bDigestUtils\.sha256(?:Hex)?\b|"
                              r"\bHashing\.sha256\(|\bpicosha2::hash256\w*"),
        ("sha512", "SHA-512", r"(?<![\w.])sha512\.(?:Sum512|New)\b|\bhashlib\.sha512\b|"
                              r"\bcreateHash\(\s*['\"]sha512['\"]|\bgetInstance\(\s*\"SHA-?512\"|"
                              r"\bSHA512\.(?:Create|HashData)\b|\bDigestUtils\.sha512(?:Hex)?\b|"
                              r"\bHashing\.sha512\("),
    ))
"""Fast digests, weakest first, by the calls that make them in Go, Python, Node.js, Java, C# and C++."""

_SLOW: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (name, shown, re.compile(pattern)) for name, shown, pattern in (
        ("pbkdf2", "PBKDF2", r"\bpbkdf2(?:_hmac|Sync)?\s*[.(]|\bpbkdf2\.Key\(|\bPbkdf2PasswordEncoder\s*[(.]|"
                             r"\bRfc2898DeriveBytes\s*[(.]|\bKeyDerivation\.Pbkdf2\("),
        ("scrypt", "scrypt", r"\bscrypt(?:Sync)?\s*\(|\bscrypt\.(?:Key|hash)\(|\bSCryptPasswordEncoder\s*[(.]"),
        ("bcrypt", "bcrypt", r"\bbcrypt\.(?:GenerateFromPassword|CompareHashAndPassword|hashpw|checkpw|gensalt|hash|"
                             r"hashSync|compare|compareSync)\(|\bBCryptPasswordEncoder\s*[(.]|"
                             r"\bBCrypt\.(?:HashPassword|Verify|EnhancedHashPassword|hashpw|checkpw)\("),
        ("argon2", "Argon2", r"\bargon2\.(?:IDKey|Key|hash|verify)\(|\bArgon2PasswordEncoder\s*[(.]|"
                             r"\bPasswordHasher\(\)\.(?:hash|verify)\("),
    ))
"""Functions made for passwords, by their calls and encoders (never an import alone)."""

_DJANGO_SLOW = {"PBKDF2PasswordHasher": ("pbkdf2", "PBKDF2"), "PBKDF2SHA1PasswordHasher": ("pbkdf2", "PBKDF2"),
                "ScryptPasswordHasher": ("scrypt", "scrypt"), "BCryptPasswordHasher": ("bcrypt", "bcrypt"),
                "BCryptSHA256PasswordHasher": ("bcrypt", "bcrypt"), "Argon2PasswordHasher": ("argon2", "Argon2")}
"""Django's slow password hashers (``django.contrib.auth.hashers``), by class name, with what they compute."""
_CLASS = re.compile(r"^([ \t]*)class\s+\w+\s*\(([^()]*)\)\s*:", re.MULTILINE)
"""A Python class header and its bases."""
_NOT_FOR_SECURITY = re.compile(r"\busedforsecurity\s*=\s*False\b")
"""hashlib's declaration that a digest is no security measure."""
_SUPER_ENCODE = re.compile(r"\bsuper\s*\([^()]*\)\s*\.\s*encode\s*\(")
_PREHASH_LINES = 15
"""The most lines after a digest, in its function, searched for the slow function its result goes into."""

_RANK = {name: rank for rank, name in enumerate(("plaintext", "md5", "sha1", "sha256", "sha512", "pbkdf2", "scrypt",
                                                  "bcrypt", "argon2"))}
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "passw", "pw"})
_NEWLINE = re.compile(r"\n")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_KEYWORD = re.compile(r"\b(?:func|def|function|fn)\b")
"""A line that opens a function by its keyword (Go, Python, JavaScript, Rust): the search for a password stops there."""
_FUNCTION = re.compile(rf"{_KEYWORD.pattern}|\)\s*(?:const\s*)?(?:throws\s+[\w.,\s]+)?\{{\s*$")
"""A line that opens a function or a block (a C-family signature or statement ending in ``{``)."""
_AFTER = 3
_ABOVE = 6
_WINDOW = 1000
"""The most characters read after a digest's call for a password (its arguments, its line, the next lines)."""
_FAST_NAMES = frozenset(name for name, _shown, _p in _FAST)


@dataclass(frozen=True)
class PasswordHash:
    """How the code hashes a password, what shows it, and where."""

    algorithm: str
    """A ``password_hashing`` value: md5, sha1, sha256, sha512, pbkdf2, scrypt, bcrypt or argon2."""
    shown: str
    """The algorithm as people write it (``SHA-256``)."""
    what: str
    """The code that shows it, on one line."""
    at: Location

    @property
    def fast(self) -> bool:
        return self.algorithm in ("md5", "sha1", "sha256", "sha512")


def names_password(text: str, python: bool = False) -> bool:
    """Whether an identifier in ``text`` is a password by its words (``req.Password``, ``calculatePassHash``); in
    ``python`` code, not the ``pass`` statement."""
    for ident in _IDENT.findall(text):
        if python and ident == "pass":
            continue
        if any(w.lower() in _PASSWORD_WORDS for w in _WORD.findall(ident)):
            return True
    return False


def hashing(texts: Sequence[tuple[str, str]]) -> PasswordHash | None:
    """The weakest way the code hashes a password (comments already blanked), or None when it shows none."""
    found: list[PasswordHash] = []
    for path, code in texts:
        starts: list[int] | None = None
        for (name, shown, _pattern), matches in zip((*_FAST, *_SLOW), _calls(code), strict=True):
            fast = name in _FAST_NAMES
            for m in matches:
                if starts is None:  # where each line starts, worked out once a file has a candidate
                    starts = [0, *(n.end() for n in _NEWLINE.finditer(code))]
                line = bisect.bisect_right(starts, m.start()) - 1
                if not fast or (_password_goes_in(code, m.end(), starts, line, path.endswith(".py"), texts)
                                and not _prehash(code, m.end(), starts, line)
                                and not (path.endswith(".py") and _not_for_security(code, m.end()))):
                    found.append(_at(name, shown, path, code, m, starts[line], line))
                    break
        if path.endswith(".py"):
            found.extend(_django_hashers(path, code))
    if not found:
        return None
    return min(found, key=lambda h: (_RANK[h.algorithm], h.at.file, h.at.line, h.at.column))


@code_trees.kept()
def _calls(code: str) -> tuple[tuple[re.Match[str], ...], ...]:
    """The calls of each fast digest and slow function (``_FAST``, then ``_SLOW``) in the code of one file, worked out
    once an import whatever the services that read it."""
    return tuple(tuple(pattern.finditer(code)) for _name, _shown, pattern in (*_FAST, *_SLOW))


def _password_goes_in(code: str, end: int, starts: Sequence[int], line: int, python: bool,
                      texts: Sequence[tuple[str, str]]) -> bool:
    """Whether a password goes into the digest made at ``end``: named in the call's arguments, the rest of its line
    and the next lines, or else in the function it is in, unless that name is only the function's parameter and
    the code's calls of the function hand it no password."""
    after = starts[line + 1 + _AFTER] if line + 1 + _AFTER < len(starts) else len(code)
    window = code[end:min(after, end + _WINDOW)]
    paren = end - 1 if code[end - 1:end] == "(" else end + len(window) - len(window.lstrip())
    if code[paren:paren + 1] == "(":
        window += " " + inside(code, paren)[:_WINDOW]
    args = inside(code, paren) if code[paren:paren + 1] == "(" else ""
    built = _built_locally(code, args, starts, line, python)
    if built is not None:  # a local value built of no password: only the rest of the window can hand it one
        rest = _STRING.sub(" ", window.replace(args, " ", 1))
        return names_password(_HASH_COMMENT.sub(" ", rest) if python else rest, python)
    named = names_password(window, python)
    for above in range(line - 1, max(-1, line - 1 - _ABOVE), -1):  # the blocks it is in, up to its function
        text = code[starts[above]:starts[above + 1]]
        if _FUNCTION.search(text) and (named or names_password(text, python)):
            return not _callers_hand_no_password(text, window if named else "", python, texts)
        if _KEYWORD.search(text):
            return named
    return named


_BARE = re.compile(r"\s*([A-Za-z_]\w*)\s*")
_STRING = re.compile(r"([\"'])(?:\\.|(?!\1)[^\\\n])*\1")
"""A one-line string literal: a password word inside one (``f"pw-{hashed}"``, a key's prefix) names no variable."""
_HASH_COMMENT = re.compile(r"#[^\n]*")
"""A Python comment (left in the text the readers get), once string literals are out of the way."""
_LOCAL_LINES = 20
"""The most lines above a digest, in its function, searched for the assignment of the variable it digests."""


def _built_locally(code: str, args: str, starts: Sequence[int], line: int, python: bool) -> str | None:
    """What the digest's one argument, a variable the enclosing function assigns above it, is assigned (``salted =
    (email + settings.SECRET_KEY).encode()`` then ``sha1(salted)``), when neither the variable nor that expression
    names a password; None otherwise (an argument that is an expression, a parameter, or built from a password)."""
    bare = _BARE.fullmatch(args)
    if bare is None or names_password(bare.group(1), python):
        return None
    assigned = re.compile(rf"^\s*(?:(?:var|let|const)\s+)?{re.escape(bare.group(1))}\s*(?::[^=\n]*)?:?=(?!=)(.*)$")
    for above in range(line - 1, max(-1, line - 1 - _LOCAL_LINES), -1):
        text = code[starts[above]:starts[above + 1]].rstrip("\n")
        m = assigned.match(text)
        if m is not None:
            return None if names_password(m.group(1), python) else m.group(1).strip()
        if _KEYWORD.search(text):
            return None
    return None


def _not_for_security(code: str, end: int) -> bool:
    """Whether the Python digest made at ``end`` is declared to protect nothing: ``usedforsecurity=False`` among its
    call's arguments (hashlib's flag since Python 3.9, for a fingerprint or a cache key, never a stored password)."""
    paren = end + len(code[end:]) - len(code[end:].lstrip())
    return code[paren:paren + 1] == "(" and _NOT_FOR_SECURITY.search(inside(code, paren)) is not None


def _prehash(code: str, end: int, starts: Sequence[int], line: int) -> bool:
    """Whether the digest made at ``end`` (on ``line``) is a pre-hash: a slow function is called after it in the same
    function, or it lies in a Python class deriving from a Django slow hasher whose body hands its result to the
    hasher's own ``encode``."""
    stop = min(len(starts), line + 1 + _PREHASH_LINES)
    for below in range(line, stop):
        text = code[starts[below]:starts[below + 1] if below + 1 < len(starts) else len(code)]
        if below > line and _FUNCTION.search(text):
            break
        if any(pattern.search(text) for _n, _s, pattern in _SLOW):
            return True
    header = None
    for c in _CLASS.finditer(code, 0, end):
        header = c
    if header is None or not any(b in _DJANGO_SLOW for b in _IDENT.findall(header.group(2))):
        return False
    indent = len(header.group(1).expandtabs())
    body_end = len(code)
    for below in range(bisect.bisect_right(starts, header.start()), len(starts)):
        text = code[starts[below]:starts[below + 1] if below + 1 < len(starts) else len(code)]
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            body_end = starts[below]
            break
    return end < body_end and _SUPER_ENCODE.search(code, header.end(), body_end) is not None


def _django_hashers(path: str, code: str) -> list[PasswordHash]:
    """The Django slow hashers the code's classes derive from (a use of the hasher, not its import)."""
    out: list[PasswordHash] = []
    starts: list[int] | None = None
    for c in _CLASS.finditer(code):
        base = next((b for b in _IDENT.findall(c.group(2)) if b in _DJANGO_SLOW), None)
        if base is None:
            continue
        if starts is None:
            starts = [0, *(n.end() for n in _NEWLINE.finditer(code))]
        line = bisect.bisect_right(starts, c.start()) - 1
        name, shown = _DJANGO_SLOW[base]
        at = c.start() + c.group(0).index(base)
        out.append(PasswordHash(name, shown, " ".join(c.group(0).split())[:120], Location(path, line + 1,
                                                                                             at - starts[line] + 1)))
    return out


_SIGNATURE = re.compile(r"([A-Za-z_]\w*)\s*\(([^()]*)\)[^()]*$")
"""A function's signature on its line: its name and its parameter list (the last parenthesised list on the line)."""


def _callers_hand_no_password(signature: str, window: str, python: bool, texts: Sequence[tuple[str, str]]) -> bool:
    """Whether the password the function of ``signature`` digests is only the name of one of its parameters (every
    password word of the digest's ``window``, or of the signature when the window names none, is a parameter), the
    function's own name says no password, and the service's code calls it at least once, never with a password."""
    m = _SIGNATURE.search(signature.rstrip().rstrip("{").rstrip())
    if m is None or names_password(m.group(1), python):
        return False
    params = {p for p in _IDENT.findall(m.group(2)) if names_password(p, python)}
    words = {p for p in _IDENT.findall(window or m.group(2)) if names_password(p, python)}
    if not params or not words <= params:
        return False
    call = re.compile(rf"(?<![\w.]){re.escape(m.group(1))}\s*\(|(?<=\.){re.escape(m.group(1))}\s*\(")
    calls = 0
    for _path, code in texts:
        for c in call.finditer(code):
            args = inside(code, c.end() - 1)
            if code[c.end():].startswith(m.group(2)) or code[c.end() - 1:].startswith(f"({m.group(2)})"):
                continue  # the definition itself
            calls += 1
            if names_password(args, python):
                return False
    return calls > 0


def _at(name: str, shown: str, path: str, code: str, m: re.Match[str], start: int, line: int) -> PasswordHash:
    end = code.find("\n", m.start())
    text = " ".join(code[start:end if end >= 0 else len(code)].split())
    return PasswordHash(name, shown, text[:120], Location(path, line + 1, m.start() - start + 1))
