"""Routes of JAX-RS resources (Jakarta REST or ``javax.ws.rs``: Jersey, RESTEasy, CXF, Quarkus, Dropwizard).

Only files that import ``jakarta.ws.rs`` or ``javax.ws.rs`` are read. A resource is a concrete class with a ``@Path``
of its own (or one an interface it implements carries): each of its methods annotated with an HTTP method
designator (``@GET``, ``@POST``, ``@PUT``, ``@DELETE``, ``@PATCH``, ``@HEAD``, ``@OPTIONS``) answers that method at
the class's path joined with the method's own ``@Path``. Annotated methods of the classes it extends and of the
interfaces it implements count too (JAX-RS passes a method's annotations on to the class that overrides it without
annotations of its own). A method with a ``@Path`` and no HTTP method is a sub-resource locator: the methods of the
class it returns (when the code holds it) answer under its path. An abstract class or an interface is no resource on
its own (an interface with ``@Path`` may just as well describe a REST client), and neither is a class whose methods
carry no HTTP method: it answers nothing.

The application's prefix is the ``url-pattern`` of the ``WEB-INF/web.xml`` servlet that runs the JAX-RS application
(a Jersey, RESTEasy or CXF servlet, or one named after the ``Application`` class), else an ``@ApplicationPath`` of
the code. When that servlet names the packages Jersey scans (``jersey.config.server.provider.packages``), a resource
outside them is not served. Path templates keep their names only (``{id:[0-9]+}`` -> ``{id}``). A root path a
framework's own configuration sets (Quarkus's ``quarkus.rest.path``, Dropwizard's ``rootPath``) is not read: such
resources are taken to answer at their own paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import call_args, close_bracket
from engine.source import DEFAULT_LIMITS, Limits, read_text

_PKG = r"@(?:(?:jakarta|javax)\.ws\.rs\.)?"
IMPORTS = re.compile(r"\b(?:jakarta|javax)\.ws\.rs\b")
_PATH = re.compile(_PKG + r"Path\b(?!Param)")
_VERB = re.compile(_PKG + r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\b(?!\s*\()")
_APPLICATION_PATH = re.compile(_PKG + r"ApplicationPath\b")
_CLASS = re.compile(r"\b(class|interface)\s+(\w+)(?:\s*<[^{;]*?>)?(?:\s+extends\s+([\w.]+)(?:\s*<[^{;]*?>)?)?"
                    r"(?:\s+implements\s+([^{;]+))?\s*\{")
_ANNOTATION = re.compile(r"@([\w.]+)")
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.MULTILINE)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_CONTAINERS = frozenset({
    "org.glassfish.jersey.servlet.ServletContainer", "com.sun.jersey.spi.container.servlet.ServletContainer",
    "org.jboss.resteasy.plugins.server.servlet.HttpServletDispatcher",
    "org.jboss.resteasy.plugins.server.servlet.HttpServlet30Dispatcher",
    "org.apache.cxf.jaxrs.servlet.CXFNonSpringJaxrsServlet",
    "jakarta.ws.rs.core.Application", "javax.ws.rs.core.Application"})
"""The servlets that run a JAX-RS application (the last two: the name a container gives the default one)."""
_DEPTH = 4
"""How many sub-resource locators are followed one into another."""


@dataclass(frozen=True)
class JaxrsRoute:
    """One method and path a JAX-RS resource answers (before any prefix), and where its method is annotated."""

    method: str
    path: str
    at: Location
    resource: str


@dataclass(frozen=True)
class _Method:
    name: str
    params: tuple[str, ...]
    """The types of its parameters (type arguments left out): an overload with others is another method."""
    verbs: tuple[str, ...]
    path: str | None
    returns: str
    at: Location


@dataclass(frozen=True)
class _Class:
    name: str
    concrete: bool
    base: str | None
    interfaces: tuple[str, ...]
    path: str | None
    methods: tuple[_Method, ...]
    package: str


def _first_string(args: str) -> str:
    found = _STRING.search(args)
    return found.group(1) if found else ""


def _template(path: str) -> str:
    """``{id:[0-9]{2}}`` -> ``{id}``: a template's name without its pattern (one level of braces inside)."""
    return re.sub(r"\{\s*(\w+)\s*:(?:[^{}]|\{[^{}]*\})*\}", r"{\1}", path)


def _flat(code: str) -> str:
    """``code`` with what parentheses hold blanked (lengths kept): the braces of ``@Produces({..})`` are no block."""
    out, last = code, None
    while out != last:
        last, out = out, re.sub(r"\([^()]*\)", lambda m: "(" + re.sub(r"[^\n]", " ", m.group(0)[1:-1]) + ")", out)
    return out


def _annotations_before(code: str, flat: str, end: int) -> tuple[int, list[tuple[str, int, str]]]:
    """The annotations written just before ``code[end]`` (a class declaration), as (name, offset, arguments), and
    where the declaration's head starts (after the statement or block before it)."""
    start = max(flat.rfind(";", 0, end), flat.rfind("}", 0, end), flat.rfind("{", 0, end)) + 1
    out: list[tuple[str, int, str]] = []
    for a in _ANNOTATION.finditer(flat, start, end):
        if a.group(1) != "interface":
            out.append((a.group(1), a.start(), call_args(code, a.end())))
    return start, out


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _run(code: str, i: int, end: int) -> tuple[list[tuple[str, int, str]], int]:
    """The run of annotations starting at ``code[i]``: (name, offset, arguments) each, and where the run ends."""
    names: list[tuple[str, int, str]] = []
    while i < end:
        a = _ANNOTATION.match(code, i)
        if a is None or a.group(1) == "interface":
            break
        i = a.end()
        blank = re.compile(r"\s*").match(code, i)
        args = ""
        if blank and code.startswith("(", blank.end()):
            close = close_bracket(code, blank.end())
            args, i = code[blank.end() + 1:close - 1], close
        names.append((a.group(1), a.start(), args))
        skipped = re.compile(r"\s*").match(code, i)
        i = skipped.end() if skipped else i
    return names, i


def _param_type(param: str) -> str:
    """The type of one parameter's declaration (``@PathParam("id") final Long id`` -> ``Long``)."""
    words = re.findall(r"[\w.]+", re.sub(r"@[\w.]+\s*(?:\([^()]*\))?|\bfinal\b", " ", param))
    return words[-2].rsplit(".", 1)[-1] if len(words) > 1 else ""


def _overrides(method: _Method, base: _Method) -> bool:
    """Whether ``method`` overrides ``base``: the same name and parameter types, a type variable of the base (``T``)
    standing for any."""
    return method.name == base.name and len(method.params) == len(base.params) and all(
        a == b or re.fullmatch(r"[A-Z][A-Z0-9]?", b) for a, b in zip(method.params, base.params, strict=True))


def _is(name: str, pattern: re.Pattern[str]) -> bool:
    return pattern.fullmatch("@" + name) is not None


def _methods(path: str, code: str, start: int, end: int) -> list[_Method]:
    """The methods of the class body ``code[start:end]`` that carry a JAX-RS ``@Path`` or HTTP method."""
    out: list[_Method] = []
    i = start + 1
    while True:
        a = _ANNOTATION.search(code, i, end)
        if a is None:
            break
        names, j = _run(code, a.start(), end)
        paren = code.find("(", j, end)
        head = code[j:paren] if paren >= 0 else ""
        if not names or paren < 0 or re.search(r"[;={}]|\b(?:class|interface|enum|record)\b", head):
            i = max(j, a.end())
            continue
        words = re.findall(r"[\w.]+", re.sub(r"<[^()]*?>|\[\s*\]", " ", head))
        after = close_bracket(code, paren)
        body = re.compile(r"\s*(?:throws\s+[\w.,\s]+)?([{;])").match(code, after)
        i = close_bracket(code, body.end() - 1) if body and body.group(1) == "{" else after
        verbs = tuple(n.rsplit(".", 1)[-1] for n, _s, _a in names if _is(n, _VERB))
        paths = [_first_string(args) for n, _s, args in names if _is(n, _PATH)]
        if (not verbs and not paths) or not words:
            continue
        first = next(s for n, s, _a in names if _is(n, _VERB) or _is(n, _PATH))
        returns = words[-2].rsplit(".", 1)[-1] if len(words) > 1 else ""
        params = _flat(code[paren:after])[1:-1]
        for _ in range(3):  # Map<String, List<X>>: the commas of type arguments separate no parameters
            params = re.sub(r"<[^<>]*>", "", params)
        types = tuple(_param_type(x) for x in params.split(",")) if params.strip() else ()
        out.append(_Method(words[-1], types, verbs, paths[0] if paths else None, returns, _at(path, code, first)))
    return out


def _classes(texts: Sequence[tuple[str, str]]) -> dict[str, _Class]:
    out: dict[str, _Class] = {}
    for path, code in texts:
        jaxrs = IMPORTS.search(code) is not None  # a file that imports none is read for its classes' lineage only
        package = _PACKAGE.search(code)
        flat = _flat(code) if jaxrs else code
        for m in _CLASS.finditer(code):
            start = m.end() - 1
            end = close_bracket(code, start)
            head_start, annotations = _annotations_before(code, flat, m.start())
            modifiers = code[head_start:m.start()]
            klass_path = next((_first_string(args) for n, _s, args in annotations if _is(n, _PATH)), None)
            interfaces = tuple(re.sub(r"<.*", "", t).strip().rsplit(".", 1)[-1]
                               for t in re.split(r",(?![^<]*>)", m.group(4) or "") if t.strip())
            out.setdefault(m.group(2), _Class(
                m.group(2), m.group(1) == "class" and not re.search(r"\babstract\b", modifiers),
                m.group(3).rsplit(".", 1)[-1] if m.group(3) else None, interfaces, klass_path if jaxrs else None,
                tuple(_methods(path, code, start, end)) if jaxrs else (), package.group(1) if package else ""))
    return out


def _inherited(name: str, classes: dict[str, _Class]) -> tuple[str | None, list[_Method]]:
    """The class ``name``'s path (its own, else that of an interface it implements) and its JAX-RS methods with
    those of the classes it extends and the interfaces it implements, the nearest definition of a name first."""
    own = classes[name]
    path = own.path if own.path is not None else next(
        (classes[i].path for i in own.interfaces if i in classes and classes[i].path is not None), None)
    methods: list[_Method] = []
    todo, seen = [name], set()
    while todo:
        current = todo.pop(0)
        klass = classes.get(current)
        if klass is None or current in seen:
            continue
        seen.add(current)
        methods.extend([m for m in klass.methods if not any(_overrides(d, m) for d in methods)])
        todo.extend([*([klass.base] if klass.base else []), *klass.interfaces])
    return path, methods


def _join(*parts: str) -> str:
    out = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return "/" + re.sub(r"/{2,}", "/", out)


def _answers(name: str, prefix: str, classes: dict[str, _Class], depth: int) -> list[tuple[str, str, Location]]:
    _path, methods = _inherited(name, classes)
    out: list[tuple[str, str, Location]] = []
    for m in methods:
        here = _join(prefix, m.path or "")
        if m.verbs:
            out.extend((v, here, m.at) for v in m.verbs)
        elif m.path is not None and m.returns in classes and depth < _DEPTH:  # a sub-resource locator
            out.extend(_answers(m.returns, here, classes, depth + 1))
    return out


def routes(texts: Sequence[tuple[str, str]], packages: Sequence[str] | None = None) -> list[JaxrsRoute]:
    """The routes of the JAX-RS resources of the Java files ``texts`` (comments already blanked), before any
    prefix; only the resources of ``packages`` (and the packages under them) when it is given."""
    classes = _classes(texts)
    out: list[JaxrsRoute] = []
    for klass in classes.values():
        if not klass.concrete:
            continue
        path = _inherited(klass.name, classes)[0]
        if path is None:
            continue
        if packages and not any(klass.package == p or klass.package.startswith(p + ".") for p in packages):
            continue
        out.extend(JaxrsRoute(verb, _template(p), at, klass.name)
                   for verb, p, at in _answers(klass.name, _join(path), classes, 0))
    return out


def application_path(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """The ``@ApplicationPath`` of the code (``/api``), and where; None when no class carries one."""
    for path, code in texts:
        for m in _APPLICATION_PATH.finditer(code):
            value = _first_string(call_args(code, m.end()))
            return _join(value.removesuffix("/*")), _at(path, code, m.start())
    return None


_XML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SERVLET = re.compile(r"<servlet>(.*?)</servlet>", re.DOTALL)
_MAPPING = re.compile(r"<servlet-mapping>(.*?)</servlet-mapping>", re.DOTALL)


def _tag(text: str, tag: str) -> list[str]:
    return [t.strip() for t in re.findall(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)]


def web_xml_servlets(files: Sequence[str], applications: Sequence[str],
                     limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, tuple[str, ...], Location]]:
    """The JAX-RS servlets of the ``WEB-INF/web.xml`` files among ``files``: the prefix each is mapped to
    (``/rest/*`` -> ``/rest``), the packages Jersey scans for it (none: all), and where its mapping is. A servlet
    runs JAX-RS when its class is a JAX-RS container's or its name is an ``Application`` class of
    ``applications``."""
    out: list[tuple[str, tuple[str, ...], Location]] = []
    for f in files:
        if os.path.basename(os.path.dirname(f)) == "WEB-INF" and os.path.basename(f) == "web.xml":
            text = read_text(f, limits)
            code = _XML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
            for s in _SERVLET.finditer(code):
                name = next(iter(_tag(s.group(1), "servlet-name")), "")
                klass = next(iter(_tag(s.group(1), "servlet-class")), "")
                if klass not in _CONTAINERS and name not in _CONTAINERS and \
                        name.rsplit(".", 1)[-1] not in applications:
                    continue
                packages: tuple[str, ...] = ()
                for param in re.findall(r"<init-param>(.*?)</init-param>", s.group(1), re.DOTALL):
                    if next(iter(_tag(param, "param-name")), "") == "jersey.config.server.provider.packages":
                        packages = tuple(x for x in re.split(r"[\s,;]+", next(iter(_tag(param, "param-value")), ""))
                                         if x)
                for m in _MAPPING.finditer(code):
                    if next(iter(_tag(m.group(1), "servlet-name")), "") != name:
                        continue
                    for pattern in _tag(m.group(1), "url-pattern"):
                        if pattern.startswith("/"):
                            out.append((_join(pattern.removesuffix("*")), packages, _at(f, code, m.start())))
    return out


def applications(texts: Sequence[tuple[str, str]]) -> list[str]:
    """The names of the classes of the code that extend JAX-RS's ``Application``."""
    return [m.group(2) for _p, code in texts if IMPORTS.search(code) for m in _CLASS.finditer(code)
            if m.group(3) and m.group(3).rsplit(".", 1)[-1] in ("Application", "ResourceConfig")]


__all__ = ["IMPORTS", "JaxrsRoute", "application_path", "applications", "routes", "web_xml_servlets"]
