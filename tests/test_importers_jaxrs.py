"""Routes of JAX-RS resources read by ``import source`` (``code_jaxrs``), on a lending library's code of our own."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

CRUD_BASE = """
    package lib.common;

    import java.util.List;
    import jakarta.ws.rs.*;

    @Path("unused")  // replaced by the path of each class that extends it
    @Produces({ "application/json" })
    public abstract class Crud<T> {
        @GET
        public List<T> all(@QueryParam("from") Integer from) { return load(from); }

        @GET
        @Path("/{id: [0-9]{1,9}}")
        public T one(@PathParam("id") Long id) { return find(id); }

        @DELETE
        @Path("{id}")
        public void drop(@PathParam("id") Long id) { remove(id); }

        @POST
        public long add(T item) { return save(item); }

        protected abstract T find(long id);
    }
"""
BOOKS = """
    package lib.web;

    import jakarta.ws.rs.GET;
    import jakarta.ws.rs.Path;
    import jakarta.ws.rs.PathParam;

    @Path("books")
    public class Books extends Crud<Book> {
        @GET
        @Path("isbn/{isbn}")
        public Book one(@PathParam("isbn") String isbn) { return byIsbn(isbn); }  // an overload, not an override

        @Override
        public void drop(Long id) { archive(id); }  // keeps the DELETE its base declares

        // @PUT
        // @Path("{id}")
        public void replace(Long id, Book book) { }
    }
"""
PROBE = """
    package lib.web;

    import javax.ws.rs.Path;

    @Path("probe")
    public class Probe {
        public String ping() { return "pong"; }
    }
"""
CLIENT = """
    package lib.web;

    import java.util.List;
    import jakarta.ws.rs.GET;
    import jakarta.ws.rs.Path;

    @Path("catalogue")
    public interface CatalogueClient {
        @GET
        List<String> titles();
    }
"""
LOANS = """
    package lib.web;

    import java.util.List;
    import jakarta.ws.rs.*;

    @Path("loans")
    public interface LoanApi {
        @GET
        List<Loan> open();

        @POST
        @Path("{loan}/return")
        void giveBack(@PathParam("loan") String loan);
    }
"""
LOAN_SERVICE = """
    package lib.web;

    public class LoanService implements LoanApi {
        public List<Loan> open() { return repository.open(); }
        public void giveBack(String loan) { repository.close(loan); }
    }
"""
SHELVES = """
    package lib.web;

    import jakarta.ws.rs.*;

    @Path("shelves")
    public class Shelves {
        @Path("{shelf}/slots")
        public Slots slots(@PathParam("shelf") String shelf) { return new Slots(shelf); }
    }

    class Slots {
        @GET
        public String list() { return ""; }

        @PUT
        @Path("{slot}")
        public void fill(@PathParam("slot") int slot, String isbn) { }
    }
"""
ADMIN = """
    package lib.admin;

    import jakarta.ws.rs.*;

    @Path("reindex")
    public class Reindex {
        @POST
        public void run() { }
    }
"""
APPLICATION = """
    package lib;

    import jakarta.ws.rs.ApplicationPath;
    import jakarta.ws.rs.core.Application;

    @ApplicationPath("/v2/*")
    public class LibraryApp extends Application {
    }
"""
WEB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<web-app>
  <servlet>
    <servlet-name>library</servlet-name>
    <servlet-class>org.glassfish.jersey.servlet.ServletContainer</servlet-class>
    <init-param>
      <param-name>jersey.config.server.provider.packages</param-name>
      <param-value>lib.web</param-value>
    </init-param>
  </servlet>
  <servlet-mapping>
    <servlet-name>library</servlet-name>
    <url-pattern>/api/*</url-pattern>
  </servlet-mapping>
</web-app>
"""
POM = """
    <project>
      <packaging>war</packaging>
      <build><finalName>lending</finalName></build>
    </project>
"""
ROUTES = {
    ("GET", "/books"), ("POST", "/books"), ("GET", "/books/{id}"), ("DELETE", "/books/{id}"),
    ("GET", "/books/isbn/{isbn}"),
    ("GET", "/loans"), ("POST", "/loans/{loan}/return"),
    ("GET", "/shelves/{shelf}/slots"), ("PUT", "/shelves/{shelf}/slots/{slot}"),
}


def _served(root: str) -> set[tuple[str, str]]:
    design = load_documents(load_artifacts([f"source:library={os.path.join(root, 'library')}",
                                            f"source:common={os.path.join(root, 'common')}"]))
    return {(f.data["method"], f.data["path"]) for f in design.of_kind("endpoint")
            if f.data.get("served_by") == "library"}


def _library(root: str) -> None:
    for name, code in (("Books", BOOKS), ("Probe", PROBE), ("CatalogueClient", CLIENT), ("LoanApi", LOANS),
                       ("LoanService", LOAN_SERVICE), ("Shelves", SHELVES)):
        write(root, f"library/src/main/java/lib/web/{name}.java", code)
    write(root, "library/src/main/java/lib/admin/Reindex.java", ADMIN)
    write(root, "library/src/main/java/lib/common/Crud.java", CRUD_BASE)
    write(root, "common/Unrelated.java", "package lib.other;\npublic class Unrelated {}\n")


@pytest.mark.parametrize(("extra", "prefix", "admin"), [
    # neither a web.xml nor an @ApplicationPath: the resources answer at the root, all of them
    ({}, "", True),
    # the Application's path prefixes every resource
    ({"library/src/main/java/lib/LibraryApp.java": APPLICATION}, "/v2", True),
    # the web.xml servlet's mapping wins over @ApplicationPath, and Jersey serves only the packages it scans
    ({"library/src/main/java/lib/LibraryApp.java": APPLICATION,
      "library/src/main/webapp/WEB-INF/web.xml": WEB_XML}, "/api", False),
    # a WAR with a final name is served under it
    ({"library/src/main/webapp/WEB-INF/web.xml": WEB_XML, "library/pom.xml": POM}, "/lending/api", False),
])
def test_jaxrs_resources_answer_their_annotated_methods_under_the_applications_prefix(
        tmp_path: Any, extra: dict[str, str], prefix: str, admin: bool) -> None:
    root = str(tmp_path)
    _library(root)
    for path, text in extra.items():
        write(root, path, text)
    expected = {(m, prefix + p) for m, p in ROUTES} | ({("POST", prefix + "/reindex")} if admin else set())
    # no route for the class with no HTTP method (probe), the interface no class implements (a client) nor the
    # abstract base's own path (unused); the commented-out PUT is no route either
    assert _served(root) == expected


def test_code_that_does_not_import_jaxrs_declares_no_jaxrs_route(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "library/src/main/java/lib/Files.java",
          'package lib;\n@Path("files")\npublic class Files {\n    @GET\n    public String list() { return ""; }\n}\n')
    write(root, "common/Unrelated.java", "package lib.other;\npublic class Unrelated {}\n")
    assert _served(root) == set()


MEMBERS = """
    package lib.web;

    import java.util.List;
    import jakarta.ws.rs.*;

    @Path("members")
    public class Members {
        private MemberRepository memberRepository;

        @GET
        public List<Member> everyone() { return memberRepository.findAll(); }

        @GET
        @Path("paged")
        public List<Member> some(@QueryParam("page") int page, @QueryParam("size") int size) {
            return memberRepository.findPage(page, size);
        }

        @POST
        public void join(Member member) { memberRepository.save(member); }
    }
"""


def test_a_jaxrs_handler_says_what_its_method_returns_and_writes_as_a_spring_handler_does(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "library/src/main/java/lib/web/Members.java", MEMBERS)
    write(root, "common/Unrelated.java", "package lib.other;\npublic class Unrelated {}\n")
    design = load_documents(load_artifacts([f"source:library={os.path.join(root, 'library')}",
                                            f"source:common={os.path.join(root, 'common')}"]))
    found = {(f.data["method"], f.data["path"]): f.data for f in design.of_kind("endpoint")
             if f.data.get("served_by") == "library"}
    assert found[("GET", "/members")].get("returns_collection") is True
    assert found[("GET", "/members")].get("pagination") is False  # nothing limits what it returns
    assert found[("GET", "/members/paged")].get("returns_collection") is True
    assert "pagination" not in found[("GET", "/members/paged")]  # it takes a page and a size
    assert found[("POST", "/members")].get("mutating") is True  # it saves through a repository
