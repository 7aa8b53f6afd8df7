"""An embedded in-memory database a Java service keeps its data in (``archplan import source``).

Spring Boot starts an embedded database when its build puts HSQLDB, H2 or Derby on the runtime classpath and the
configuration names no datasource URL: the service's JPA or JDBC data then lives in the process's memory (seeded
from ``data.sql``, say) and is gone on every restart. No deployment shows such a database (it is no container),
only the build file, the code and the configuration do. Read here:

- a build file's runtime dependency on ``hsqldb``, ``h2`` or ``derby`` (a Maven ``<dependency>`` not in the
  ``test`` scope, a Gradle configuration not named ``test...``);
- JPA or JDBC in the code or the build (``@Entity``, a Spring Data repository, ``JdbcTemplate``, a
  ``spring-boot-starter-data-jpa`` / ``-jdbc`` dependency);
- no JDBC URL to a database server in the service's own configuration or code (a ``jdbc:h2:mem:`` one is the same
  embedded store), and no ``DataSource`` its code builds itself; a deployment that sets ``SPRING_DATASOURCE_URL`` is
  checked by ``code_routes.compose``.

Only a service that writes through its repositories is said to keep its data there (a store read only, seeded at
every start, loses nothing): it is stated as a datastore ``<service>-db`` the service owns and writes, with
``durable_storage: false`` and ``role: system_of_record``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location

_MAVEN = re.compile(r"<dependency>((?:(?!</dependency>).){0,2000}?)</dependency>", re.DOTALL)
_MAVEN_ARTIFACT = re.compile(r"<artifactId>\s*(hsqldb|h2|derby)\s*</artifactId>")
_GRADLE = re.compile(r"^\s*(\w+)\s*\(?\s*['\"]"
                     r"(?:org\.hsqldb:(hsqldb)|com\.h2database:(h2)|org\.apache\.derby:(derby))\b", re.MULTILINE)
_ENGINES = {"hsqldb": "HSQLDB", "h2": "H2", "derby": "Derby"}
_PERSISTENCE = re.compile(r"@Entity\b|\bextends\s+(?:Jpa|Crud|PagingAndSorting|ListCrud|ListPagingAndSorting)"
                          r"Repository\b|\bJdbcTemplate\b|spring-boot-starter-data-jpa|spring-boot-starter-jdbc")
_SERVER_URL = re.compile(r"jdbc:(?!hsqldb:mem:|h2:mem:|derby:memory:)[a-z0-9]+:")
_OWN_DATASOURCE = re.compile(r"\bDataSource\s+\w+\s*\(|\bDataSourceBuilder\b|\bHikariConfig\b")
"""Code that builds its own ``DataSource`` (a ``@Bean`` method returning one): it, not Spring Boot, picks the
database."""


@dataclass(frozen=True)
class Embedded:
    """The embedded database a service's build gives it: its engine, and where the dependency is declared."""

    engine: str
    at: Location


def embedded_store(builds: Sequence[tuple[str, str]], code: Sequence[tuple[str, str]],
                   config: Sequence[tuple[str, str]]) -> Embedded | None:
    """The embedded database a service keeps its JPA/JDBC data in, when its build, code and own configuration say so
    (see the module); None otherwise. ``builds``, ``code``, ``config``: (path, text) of its build files, Java or
    Kotlin files and configuration files."""
    found = _dependency(builds)
    if found is None or not any(_PERSISTENCE.search(t) for _p, t in [*code, *builds]):
        return None
    if any(_SERVER_URL.search(text) for _path, text in [*config, *code]) or any(
            _OWN_DATASOURCE.search(text) for _path, text in code):
        return None
    return found


def _dependency(builds: Sequence[tuple[str, str]]) -> Embedded | None:
    for path, text in builds:
        if path.endswith(".xml"):
            for dep in _MAVEN.finditer(text):
                artifact = _MAVEN_ARTIFACT.search(dep.group(1))
                if artifact is not None and not re.search(r"<scope>\s*test\s*</scope>", dep.group(1)):
                    line = text.count("\n", 0, dep.start(1) + artifact.start()) + 1
                    return Embedded(_ENGINES[artifact.group(1)], Location(path, line, 1))
        else:
            for dep in _GRADLE.finditer(text):
                if not dep.group(1).lower().startswith("test"):
                    name = dep.group(2) or dep.group(3) or dep.group(4)
                    return Embedded(_ENGINES[name], Location(path, text.count("\n", 0, dep.start()) + 1, 1))
    return None
