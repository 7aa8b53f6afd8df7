"""How a service's code keeps the API keys or tokens it issues to its users (``import source``): its
``api_token_storage``.

An API key or personal access token that the service stores as it hands it out, and finds again by comparing the
column with the key the request carries, is a working credential in every row: a dump, a backup, a replica or an
injection that reads the table hands the reader every user's access. A long random key needs no slow hash: storing a
SHA-256 (or an HMAC) of it and looking that up is enough, as GitHub, GitLab and Django REST Knox do (OWASP ASVS 4.0,
V2.10.2/V3.5.2: tokens, like passwords, are not stored in clear; NIST SP 800-63B 5.1.1.2 for memorised secrets).

A token column is a text column named ``api_key``, ``api_token`` or ``access_key`` in any table, or ``token``,
``key`` or ``secret`` in a table or model whose name says it holds API keys or access tokens (``api_keys``,
``PersonalAccessToken``, ``APIToken``: not a one-time verification, reset or invitation token, nor a refresh or
push token), read from:

- SQL the code embeds or a ``.sql`` file holds (``CREATE TABLE api_keys (... token text not null unique ...)``);
- a Django model (``token = models.CharField(...)``), a SQLAlchemy column (``api_key = Column(db.String(40))``), a
  Prisma model (``token String @unique``), a TypeORM entity (``@Column() token: string``).

It counts only when the code also looks the column up by equality with a value (SQL ``WHERE api_keys.token = $1``
in a statement naming the table, Django ``APIToken.objects.get(token=key)`` or ``Q(api_key=key)``, SQLAlchemy
``User.api_key == key`` or ``filter_by(api_key=key)``, Prisma ``findUnique({ where: { token } })`` on the model's
delegate, TypeORM ``findOneBy({ token })``, or a Django REST framework ``TokenAuthentication`` subclass whose
``model`` is the model, which DRF looks up by its ``key`` column): the stored value is then the key itself. A column
whose name says it holds a digest (``token_hash``, ``hashedSecretKey``) is no such column; and the code is taken to
keep digests when it gives the column a hashed value anywhere (``self.api_key = key_hash``, ``token: sha256(raw)``)
or looks it up with one (``api_key=digest``): nothing is then said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.errors import Location

SUFFIXES = (".prisma", ".sql")
"""Files that hold a schema outside the code (a Prisma schema, SQL migrations), read for their tables only."""

_ANY_TABLE = {"apikey", "apitoken", "accesskey", "apikeys", "apitokens"}
"""A column that holds an API key whatever its table (``users.api_key``), its name without ``_`` and lower-cased."""
_IN_TOKEN_TABLE = {"token", "key", "secret", "secretkey", "accesstoken"}
"""A column that holds the key in a table of keys (``api_keys.token``)."""
_TOKEN_TABLE = re.compile(r"^(?:api|access|personalaccess|service|infra|auth|user|project)?(?:api)?(?:keys?|tokens?)$")
"""A table or model of API keys or access tokens, its name without ``_`` and lower-cased (``api_keys``,
``PersonalAccessToken``, ``APIToken``, ``tokens``)."""
_NOT_API = re.compile(r"verif|reset|invit|confirm|refresh|push|device|csrf|magic|email|session|oauth|registration|"
                      r"recovery|password|otp|llm|provider|integration|webhook", re.IGNORECASE)
"""A table of other tokens: one-time links and codes, refresh, push and CSRF tokens, sessions, third parties' keys."""
_DIGEST_NAME = re.compile(r"hash|digest|encrypt|cipher|prefix|preview|display|last4|public|hint|masked|partial",
                          re.IGNORECASE)
"""A column name that says it holds no usable key (a digest, its encrypted form, or a shown fragment)."""
_DIGEST = re.compile(r"hash|digest|hmac|sha\d|sha_?256|bcrypt|argon|scrypt|pbkdf|encrypt|cipher", re.IGNORECASE)
"""A value that is a digest or an encrypted form (``key_hash``, ``hmac.digest(...)``, ``sha256(raw)``)."""

_CREATE = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:[\w\"`]+\.)?[\"`\[]?(\w+)[\"`\]]?\s*\(",
                     re.IGNORECASE)
_SQL_COLUMN = re.compile(r"^\s*[\"`\[]?(\w+)[\"`\]]?\s+(?:text|varchar|character\s+varying|char|nvarchar|"
                         r"string|citext|uuid)\b", re.IGNORECASE | re.MULTILINE)
_CLASS = re.compile(r"^([ \t]*)class\s+(\w+)\s*[(:]", re.MULTILINE)
_PY_COLUMN = re.compile(r"^[ \t]+(\w+)\s*(?::[^=\n]*)?=\s*(?:db\.|sa\.|models\.)?(?:Column|mapped_column|CharField|"
                        r"TextField|UUIDField)\s*\(", re.MULTILINE)
_PY_FIELDS = ("Column(", "mapped_column(", "CharField(", "TextField(", "UUIDField(")
"""What a Python file that declares a text column writes (a cheap test before ``_PY_COLUMN``)."""
_PRISMA_MODEL = re.compile(r"^model\s+(\w+)\s*\{", re.MULTILINE)
_PRISMA_COLUMN = re.compile(r"^\s*(\w+)\s+String\b", re.MULTILINE)
_ENTITY = re.compile(r"@Entity\s*\([^)]*\)\s*(?:export\s+)?class\s+(\w+)")
_TS_COLUMN = re.compile(r"@(?:Primary)?Column\s*\([^)]*\)\s*(\w+)\s*[!?]?\s*:\s*string\b")
_SQL_PARAM = r"(?:\$\d+|\?|:\w+|%s|%\(\w+\)s|@\w+)"


@dataclass(frozen=True)
class Column:
    """A column that holds an API key (``table``, ``name``), where it is declared."""

    table: str
    name: str
    at: Location


@dataclass(frozen=True)
class PlainTokens:
    """The service keeps its API keys as they are: the column, and where and how its code looks one up."""

    column: Column
    lookup: str
    at: Location


def _flat(name: str) -> str:
    return name.replace("_", "").lower()


def _token_column(table: str, column: str) -> bool:
    col = _flat(column)
    if _DIGEST_NAME.search(column) or _NOT_API.search(table):
        return False
    return col in _ANY_TABLE or (col in _IN_TOKEN_TABLE and _TOKEN_TABLE.search(_flat(table)) is not None)


def _loc(path: str, code: str, at: int) -> Location:
    return Location(path, code.count("\n", 0, at) + 1, at - (code.rfind("\n", 0, at) + 1) + 1)


def _block(code: str, start: int, indent: str | None) -> str:
    """The text of a Python class whose header ends at ``start`` (up to the next line as little indented), or of a
    bracketed block opened just before ``start`` (``indent`` None)."""
    if indent is None:
        depth, i = 1, start
        while i < len(code) and depth:
            depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(code[i], 0)
            i += 1
        return code[start:i]
    end = re.compile(rf"^{indent}(?=\S)", re.MULTILINE).search(code, code.find("\n", start) + 1)
    return code[start:end.start() if end else len(code)]


def columns(texts: Sequence[tuple[str, str]]) -> list[Column]:
    """The columns holding API keys the service's code and schema files declare (``_token_column``)."""
    out: list[Column] = []
    for path, code in texts:
        found: list[tuple[str, str, int]] = []
        for m in _CREATE.finditer(code) if "TABLE" in code or "table" in code else ():
            body = _block(code, m.end(), None)
            found.extend((m.group(1), c.group(1), m.end() + c.start(1)) for c in _SQL_COLUMN.finditer(body))
        if path.endswith(".py") and any(k in code for k in _PY_FIELDS) and _PY_COLUMN.search(code):
            for m in _CLASS.finditer(code):
                body = _block(code, m.end(), m.group(1))
                found.extend((m.group(2), c.group(1), m.end() + c.start(1)) for c in _PY_COLUMN.finditer(body))
        if path.endswith(".prisma"):
            for m in _PRISMA_MODEL.finditer(code):
                body = _block(code, m.end(), None)
                found.extend((m.group(1), c.group(1), m.end() + c.start(1)) for c in _PRISMA_COLUMN.finditer(body))
        if path.endswith(".ts") and "@Entity" in code:
            for m in _ENTITY.finditer(code):
                start = code.find("{", m.end()) + 1
                found.extend((m.group(1), c.group(1), start + c.start(1))
                              for c in _TS_COLUMN.finditer(_block(code, start, None)))
        out.extend(Column(table, name, _loc(path, code, at)) for table, name, at in found
                   if _token_column(table, name))
    return out


def _lookups(c: Column, texts: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str, int, str]]:
    """Each place the code looks the column up by equality: the file, what it writes, where, and the value. An SQL
    comparison counts in a statement that names the table (``FROM``, ``JOIN``, ``UPDATE`` within the 800 characters
    before it), a TypeORM one after a mention of the entity."""
    name, table = re.escape(c.name), re.escape(c.table)
    delegate = re.escape(c.table[:1].lower() + c.table[1:])
    in_sql = re.compile(rf"\b(?:FROM|JOIN|UPDATE)\s+[\"`]?{table}\b", re.IGNORECASE)
    patterns: list[tuple[re.Pattern[str], int, re.Pattern[str] | None]] = [
        (re.compile(rf"\bWHERE\b[^;`\"']{{0,400}}?(?<![\w.])(?:[\"`]?{table}[\"`]?\.|\w{{1,3}}\.)?[\"`]?{name}[\"`]?"
                    rf"\s*=\s*({_SQL_PARAM})", re.IGNORECASE), 800, in_sql),
        (re.compile(rf"\b{table}\s*\.\s*objects\s*\.\s*\w+\s*\([^()]*?\b{name}\s*=\s*([\w.]+)"), 0, None),
        (re.compile(rf"\bQ\s*\(\s*{name}\s*=\s*([\w.]+)"), 0, None),
        (re.compile(rf"\b(?:{table}|cls|self)\s*\.\s*{name}\s*==\s*([\w.]+)"), 0, None),
        (re.compile(rf"\bfilter_by\s*\([^()]*?\b{name}\s*=\s*([\w.]+)"), 0, None),
        (re.compile(rf"\.\s*{delegate}\s*\.\s*find(?:Unique|First)(?:OrThrow)?\s*\(\s*\{{\s*where\s*:\s*"
                    rf"\{{[^{{}}]*?\b{name}\b\s*(?::\s*([\w.]+))?"), 0, None),
        (re.compile(rf"\bfindOne(?:By)?\s*\(\s*\{{\s*(?:where\s*:\s*\{{\s*)?[^{{}}]*?\b{name}\b\s*(?::\s*([\w.]+))?"),
         300, re.compile(table, re.IGNORECASE)),
    ]
    if c.name == "key":
        # Django REST framework's TokenAuthentication looks its ``model`` up by ``key`` equal to the header's token
        # (``model.objects.select_related("user").get(key=key)``): a subclass naming the project's model
        patterns.append((re.compile(rf"^[ \t]+model\s*=\s*({table})\s*$", re.MULTILINE), 1500,
                         re.compile(r"\bclass\s+\w+\s*\([^)]*\bTokenAuthentication\b")))
    for path, code in texts:
        if path.endswith(SUFFIXES):
            continue
        for pattern, before, named in patterns:
            for m in pattern.finditer(code):
                if named is None or named.search(code, max(0, m.start() - before), m.end()):
                    yield path, " ".join(m.group(0).split())[-80:], m.start(), m.group(1) or c.name


def _hashed(c: Column, texts: Sequence[tuple[str, str]]) -> bool:
    """Whether the code gives the column a digest anywhere (``self.api_key = key_hash``, ``token: sha256(raw)``)."""
    given = re.compile(rf"(?<![\w\"'])\.?{re.escape(c.name)}[\"']?\s*(?:=|:)(?!=)\s*([^\n;,]*)")
    return any(_DIGEST.search(m.group(1)) for _p, code in texts for m in given.finditer(code))


def plain_tokens(texts: Sequence[tuple[str, str]]) -> PlainTokens | None:
    """The first column holding API keys (``columns``) that the code looks up by equality with a value that is no
    digest, and never gives a digest (``_hashed``); None when there is none."""
    for c in columns(texts):
        if _hashed(c, texts):
            continue
        for path, said, at, value in _lookups(c, texts):
            if _DIGEST.search(value):
                break
            code = dict(texts)[path]
            return PlainTokens(c, said, _loc(path, code, at))
    return None


__all__ = ["SUFFIXES", "Column", "PlainTokens", "columns", "plain_tokens"]
