"""An embedded in-memory database a Spring service keeps its data in (code_embedded)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_embedded import embedded_store
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

POM = """
    <project>
      <dependencies>
        <dependency>
          <groupId>org.springframework.boot</groupId>
          <artifactId>spring-boot-starter-data-jpa</artifactId>
        </dependency>
        <dependency>
          <groupId>org.hsqldb</groupId>
          <artifactId>hsqldb</artifactId>
          <scope>runtime</scope>
        </dependency>
      </dependencies>
    </project>
"""

CONTROLLER = """
    @RestController
    class BookingController {
        private final BookingRepository bookings;
        @PostMapping("/bookings")
        Booking book(@RequestBody Booking b) { return bookings.save(b); }
        @GetMapping("/bookings")
        List<Booking> all() { return bookings.findAll(); }
    }
"""

REPOSITORY = "interface BookingRepository extends JpaRepository<Booking, Long> { }\n"


def _service(tmp: str, pom: str = POM, controller: str = CONTROLLER, extra: dict[str, str] | None = None,
             environment: str = "{}") -> list[str]:
    compose = write(tmp, "compose.yaml", f"""
        services:
          bookings: {{image: acme/bookings, ports: ["8080:8080"], environment: {environment}}}
    """)
    write(tmp, "bookings/pom.xml", pom)
    java = "bookings/src/main/java/acme/bookings/"
    write(tmp, java + "BookingController.java", controller)
    write(tmp, java + "BookingRepository.java", REPOSITORY)
    for name, text in (extra or {}).items():
        write(tmp, "bookings/" + name, text)
    return [f"compose={compose}", f"source={os.path.join(tmp, 'bookings')}"]


def test_a_service_writing_through_jpa_to_an_embedded_hsqldb_keeps_its_data_in_memory(tmp_path: Any) -> None:
    docs = load_artifacts(_service(str(tmp_path)))
    design = load_documents(docs)
    db = fact(design, "datastore:bookings-db").data
    assert db["engine"] == "HSQLDB (embedded, in-memory)"
    assert (db["durable_storage"], db["role"], db["owner"], db["writers"]) == (False, "system_of_record", "bookings",
                                                                                ["bookings"])
    notes = [n for d in docs for n in getattr(d, "notes", {}).get("datastore:bookings-db", [])]
    assert any("pom.xml:9" in n and "lost on every restart" in n for n in notes)  # the hsqldb dependency's line
    rv = review([], extra=docs)
    assert [f.subject for f in rv.findings if f.rule == "datastore-on-ephemeral-storage"] == ["datastore:bookings-db"]


@pytest.mark.parametrize(("change", "why"), [
    ({"pom": POM.replace("<scope>runtime</scope>", "<scope>test</scope>")}, "the database is for the tests only"),
    ({"pom": POM.replace("spring-boot-starter-data-jpa", "spring-boot-starter-web"),
      "controller": CONTROLLER.replace("bookings.save(b)", "b"), "repository": True},
     "no JPA or JDBC: nothing kept there"),
    ({"controller": CONTROLLER.replace("return bookings.save(b);", "return b;")}, "it only reads (data seeded)"),
    ({"extra": {"src/main/resources/application.yml":
                "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/bookings\n"}}, "a database server"),
    ({"extra": {"src/main/java/acme/bookings/Db.java":
                "class Db { @Bean DataSource dataSource() { return new HikariDataSource(cfg); } }\n"}},
     "its code builds its own DataSource"),
    ({"environment": '{SPRING_DATASOURCE_URL: "jdbc:mysql://db/bookings"}'}, "the deployment points it elsewhere"),
])
def test_no_embedded_store_is_said_when_something_shows_otherwise(tmp_path: Any, change: dict[str, Any],
                                                                   why: str) -> None:
    args = _service(str(tmp_path), change.get("pom", POM), change.get("controller", CONTROLLER),
                    change.get("extra"), change.get("environment", "{}"))
    if change.get("repository"):  # no Spring Data repository either
        os.remove(os.path.join(str(tmp_path), "bookings/src/main/java/acme/bookings/BookingRepository.java"))
    design = load_documents(load_artifacts(args))
    assert "datastore:bookings-db" not in design.by_key(), why


def test_a_gradle_runtime_dependency_counts_and_a_test_one_does_not() -> None:
    code = [("A.java", "@Entity class A { }")]
    gradle = "dependencies {\n    implementation 'org.springframework.boot:spring-boot-starter-data-jpa'\n" \
             "    runtimeOnly 'com.h2database:h2'\n}\n"
    found = embedded_store([("build.gradle", gradle)], code, [])
    assert found is not None and (found.engine, found.at.line) == ("H2", 3)
    assert embedded_store([("build.gradle", gradle.replace("runtimeOnly", "testRuntimeOnly"))], code, []) is None
    assert embedded_store([("build.gradle", gradle)], code, [("application.properties",
                                                              "spring.datasource.url=jdbc:h2:mem:test\n")]) is not None
