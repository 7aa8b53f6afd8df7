"""An administrator account a service's own SQL creates with a fixed password (``import source``): its
``default_admin_password``.

A migration or seed script that inserts a user row holding a password hash written out in the file gives every
installation the migration runs on the same account with the same password: whoever knows it (the README that
publishes it, or anyone who cracks the one hash the repository holds) signs in to a fresh install. It matters when
that row is an administrator's.

Read in the service's ``.sql`` files, its migrations' included (tests left out: a fixture's accounts are no
installation's): an ``INSERT INTO`` a table of users or accounts (``user``, ``users``, ``account``, ``auth_user``,
``admin_users``...) with its column list, one of whose rows

- gives a password column (``password``, ``password_hash``, ``passwd``, ``hashed_password``, ``encrypted_password``)
  a literal hash in modular-crypt form (``$2a$``/``$2b$``/``$2y$`` bcrypt, ``$argon2``, ``$scrypt$``, ``$5$``,
  ``$6$``) or Django's (``pbkdf2_sha256$...``, ``argon2$...``, ``bcrypt$...``);
- and says the account is an administrator's: a role, type, name or username column holding ``admin``,
  ``administrator``, ``superadmin`` or ``root``, or an ``is_admin``, ``is_superuser``, ``admin`` or ``superuser``
  column holding true (``true``, ``1``, ``'t'``).

A row without a column list (``INSERT INTO users VALUES (...)``: which value is the password is not written there),
a placeholder or a password the code hashes at start-up is not read: nothing is said. Nothing is said either of
whether the installation forces the password to be changed: the finding asks.

Two readers of the same line serve the other importers: ``password_fallbacks`` finds a password setting read from
the environment with a literal to fall back to (``ENV.fetch("X_PASSWORD", "admin")``, ``os.getenv``,
``process.env.X || "..."``, ``${X:-changeme}``: the Rails reader's Basic-auth consoles), and
``admin_password_setting`` and ``ADMIN_PASSWORD_VARIABLE`` an administrator's password written out in a configuration
file or named by a variable (``compose``: a file mounted into a service, its environment).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.base import Body
from engine.importers.code_text import close_bracket, split_args

SUFFIXES = (".sql",)
KEEP = frozenset({"migrations"})
"""A migration directory holds the SQL an installation runs: it is read, though code reading skips it."""
_INSERT = re.compile(r"\bINSERT\s+INTO\s+(?:[\w\"`\[\]]+\.)?[\"`\[]?(\w+)[\"`\]]?\s*\(", re.IGNORECASE)
_USER_TABLE = re.compile(r"^(?:auth_?|admin_?|app_?|core_?)?(?:users?|accounts?|admins?|members?)$", re.IGNORECASE)
_PASSWORD_COLUMN = re.compile(r"^(?:password|passwd|password_?hash|hashed_?password|encrypted_?password|pass_?hash)$",
                              re.IGNORECASE)
_HASH = re.compile(r"^(?:\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$\S+|\$scrypt\$\S+|\$[56]\$\S+|"
                   r"(?:pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|bcrypt|scrypt)\$\S+)$")
"""A password hash in modular-crypt or Django form."""
_ROLE_COLUMN = re.compile(r"^(?:role|roles|type|user_?type|kind|name|username|user_?name|login)$", re.IGNORECASE)
_ADMIN_VALUE = re.compile(r"^(?:admin|administrator|super_?admin|superuser|root)$", re.IGNORECASE)
_FLAG_COLUMN = re.compile(r"^(?:is_?admin|is_?superuser|admin|superuser|is_?super_?admin)$", re.IGNORECASE)
_TRUE = {"true", "1", "'t'", "'true'", "b'1'"}
_VALUES = re.compile(r"\)\s*VALUES\s*", re.IGNORECASE)
_TEST_PATH = re.compile(r"(?:^|[/\\])(?:tests?|__tests__|spec|fixtures?|e2e)(?:[/\\])|[._-](?:test|spec)\.sql$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class SeededAdmin:
    """An administrator row a SQL file inserts with a fixed password hash: its table, how it is named, and where."""

    table: str
    named: str
    at: Location


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`":
        return value[1:-1]
    return value


def seeded_admin(files: Sequence[tuple[str, str]]) -> SeededAdmin | None:
    """The first administrator that the service's SQL files (path, text) insert with a password hash written out;
    None when none does."""
    for path, text in files:
        if not path.endswith(".sql") or _TEST_PATH.search(path):
            continue
        for m in _INSERT.finditer(text):
            if not _USER_TABLE.match(m.group(1)):
                continue
            close = close_bracket(text, m.end() - 1)
            columns = [_unquote(c).strip("[]") for c in split_args(text[m.end():close - 1])]
            values = _VALUES.match(text, close - 1)
            if values is None:
                continue
            at = values.end()
            while at < len(text) and text[at] == "(":
                end = close_bracket(text, at)
                row = dict(zip(columns, split_args(text[at + 1:end - 1]), strict=False))
                found = _admin(row)
                if found is not None:
                    line = text.count("\n", 0, m.start()) + 1
                    return SeededAdmin(m.group(1), found, Location(path, line, m.start() - (text.rfind(
                        "\n", 0, m.start()) + 1) + 1))
                rest = re.match(r"\s*,\s*", text[end:])
                if rest is None:
                    break
                at = end + rest.end()
    return None


def _admin(row: dict[str, str]) -> str | None:
    """How the row says it is an administrator's with a written-out password hash (``username 'admin'``), or None."""
    if not any(_PASSWORD_COLUMN.match(c) and _HASH.match(_unquote(v)) for c, v in row.items()):
        return None
    for column, value in row.items():
        if _ROLE_COLUMN.match(column) and _ADMIN_VALUE.match(_unquote(value)):
            return f"{column} {value.strip()}"
        if _FLAG_COLUMN.match(column) and value.strip().lower() in _TRUE:
            return f"{column} {value.strip()}"
    return None


_FALLBACK = re.compile(
    r"""\bENV\.fetch\(\s*["'](?P<rb>\w+)["']\s*,\s*["'](?P<rbv>[^"'\n]+)["']"""
    r"""|\bENV\.fetch\(\s*["'](?P<rk>\w+)["']\s*\)\s*\{\s*["'](?P<rkv>[^"'\n]+)["']"""
    r"""|\bENV\[\s*["'](?P<ri>\w+)["']\s*\]\s*(?:\|\||\bor\b)\s*["'](?P<riv>[^"'\n]+)["']"""
    r"""|\b(?:os\.getenv|os\.environ\.get|getenv)\(\s*["'](?P<py>\w+)["']\s*,\s*["'](?P<pyv>[^"'\n]+)["']"""
    r"""|\bprocess\.env(?:\.(?P<js>\w+)|\[\s*["'](?P<jsi>\w+)["']\s*\])\s*(?:\|\||\?\?)\s*["'`](?P<jsv>[^"'`\n]+)["'`]"""
    r"""|\$\{(?P<sh>\w+):?-(?P<shv>[^}\s]+)\}""")
"""A setting read from the environment with a literal it falls back to when the variable is unset: Ruby's
``ENV.fetch("X", "v")``, ``ENV.fetch("X") { "v" }`` and ``ENV["X"] || "v"``, Python's ``os.getenv("X", "v")``,
JavaScript's ``process.env.X || "v"`` (or ``??``), the shell's and Compose's ``${X:-v}``."""
_PASSWORD_NAME = re.compile(r"pass(?:word|wd)?(?![a-z])|pwd|passphrase", re.IGNORECASE)


@dataclass(frozen=True)
class Fallback:
    """A password setting that falls back to a literal: the variable, and the offset of the read in its text."""

    variable: str
    offset: int


def password_fallbacks(text: str) -> list[Fallback]:
    """The password settings ``text`` reads from the environment with a literal to fall back to (``ENV.fetch(
    "WEB_PASSWORD", "admin")``), in order. A variable whose name says no password (a user name, a host) is left out,
    and so is a read with no fallback (``ENV.fetch("WEB_PASSWORD")``): the operator must set it."""
    out: list[Fallback] = []
    for m in _FALLBACK.finditer(text):
        name = next(v for k, v in m.groupdict().items() if v is not None and not k.endswith("v"))
        if _PASSWORD_NAME.search(name) and name.upper() != "PWD":  # the shell's PWD is the working directory
            out.append(Fallback(name, m.start()))
    return out


ADMIN_PASSWORD_VARIABLE = re.compile(r"(?:^|_)(?:ADMIN|ADMINISTRATOR|SUPERUSER|SUPER_USER)(?:_\w*)?_"
                                     r"(?:PASSWORD|PASS|PASSWD|PWD)$|^(?:PG)?ADMIN_DEFAULT_PASSWORD$", re.IGNORECASE)
"""A variable that gives a service's administrator account its password (``ADMIN_PASSWORD``,
``KC_BOOTSTRAP_ADMIN_PASSWORD``, ``FIRST_SUPERUSER_PASSWORD``, ``GF_SECURITY_ADMIN_PASSWORD``)."""
_OTHER_SYSTEM = re.compile(r"(?:^|_)(?:DB|DATABASE|POSTGRES(?:QL)?|PG|MYSQL|MARIADB|MONGO(?:DB)?|REDIS|RABBIT(?:MQ)?|"
                           r"AMQP|KAFKA|ELASTIC(?:SEARCH)?|MINIO|S3|LDAP|SMTP|MAIL)_", re.IGNORECASE)
"""A word naming another system the variable logs in to (``DB_ADMIN_PASSWORD``, ``LDAP_ADMIN_PASSWORD``): the
service's credential for that system, not its own administrator's password."""


def names_admin_password(variable: str) -> bool:
    """Whether an environment variable gives the service's own administrator account its password
    (``ADMIN_PASSWORD``, ``KC_BOOTSTRAP_ADMIN_PASSWORD``, ``PGADMIN_DEFAULT_PASSWORD``), not a login to another
    system (``DB_ADMIN_PASSWORD``)."""
    if not ADMIN_PASSWORD_VARIABLE.search(variable):
        return False
    return variable.upper().startswith("PGADMIN_") or not _OTHER_SYSTEM.search(variable)
_ADMIN_PASSWORD_KEY = re.compile(
    r"""(?P<key>\b[\w.-]*(?:admin|administrator|superuser)[_.-]?(?:pass(?:word|wd)?|pwd))["']?[ \t]*[:=][ \t]*"""
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^"'\s,#;}\]]*))""", re.IGNORECASE)
_NOT_A_PASSWORD = re.compile(r"^(?:|null|none|nil|~|true|false|\$.*|\{\{.*|%\(.*|<.*>|env\(.*|\*+)$", re.IGNORECASE)
"""A value that is no password written out: empty, null, a switch, a reference to a variable or a template's slot."""


def admin_password_setting(text: str) -> tuple[str, int] | None:
    """The first key of a configuration file's text that sets an administrator's password to a value written out
    (``admin_password: "..."`` in YAML, HJSON or TOML, ``"adminPassword": "..."`` in JSON, ``ADMIN_PASS=...``):
    the key and its offset; None when none does (a key left empty, or given a variable: ``${ADMIN_PASSWORD}``)."""
    for m in _ADMIN_PASSWORD_KEY.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start:m.start()].lstrip().startswith(("#", "//", ";")):
            continue  # a commented-out setting
        value = next((v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None), "")
        if not _NOT_A_PASSWORD.match(value.strip()):
            return m.group("key"), m.start()
    return None


def record(body: Body, service: str, seeded: SeededAdmin | None) -> None:
    """``service``'s ``default_admin_password``, when its SQL seeds an administrator with a fixed password."""
    if seeded is None:
        return
    body.set("services", service, "default_admin_password", True, seeded.at)
    body.note("services", service, f"default_admin_password: {seeded.at.file}:{seeded.at.line} inserts an "
                                   f"administrator ({seeded.table} row with {seeded.named}) with a password hash "
                                   "written out, the same on every installation it runs on")


__all__ = ["ADMIN_PASSWORD_VARIABLE", "KEEP", "SUFFIXES", "Fallback", "SeededAdmin", "admin_password_setting",
           "names_admin_password", "password_fallbacks", "record", "seeded_admin"]
