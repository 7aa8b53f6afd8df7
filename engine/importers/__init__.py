"""Importers: design facts from the artifacts teams already have.

Each format module turns an artifact into ``engine.source.Document``s (``ArtifactDocument``) whose
data is a design-file body and whose locations are the artifact's own lines. The loader validates
and merges them like hand-written files; a hand-written value wins over an imported one.

Formats: ``openapi`` (OpenAPI 3.0/3.1, Swagger 2.0), ``asyncapi`` (2.x, 3.x), ``compose``
(docker-compose), ``kubernetes`` (manifests, multi-document files, directories), ``gateway``
(Spring Cloud Gateway, Zuul, Envoy, nginx and Apache httpd routes), ``spring`` (Spring Boot application YAML:
the connections, client timeouts and circuit breakers a service's configuration states) and ``source``
(the routes a service's code declares: Flask, FastAPI, Express, Spring MVC, PHP files), placed behind the
gateway routes and entry points the other artifacts state (``code_routes.compose``), and ``aspire`` (a .NET Aspire
AppHost's resources, references, external endpoints and YARP routes).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine import budget
from engine.errors import (
    ArchplanError,
    InputError,
    Location,
    MissingExtraError,
    UsageError,
    did_you_mean,
    raise_all,
    require_extra,
)
from engine.source import DEFAULT_LIMITS, Document, Limits, parse_all, read_text

Importer = Callable[[str, Limits, "str | None"], list[Document]]
ProjectImporter = Callable[[Sequence[str], Limits, "str | None"], list[Document]]
ProfiledImporter = Callable[[Sequence[str], Limits, "str | None", Sequence[str], Sequence[str]], list[Document]]


@dataclass(frozen=True)
class Format:
    """An artifact format: its importer and the agent whose facts it yields.

    A format with a ``project`` importer reads all its inputs together, as its own tool does:
    ``docker compose -f a -f b`` merges compose files; Kubernetes manifests form one cluster whose
    host names resolve across files. The others read one file at a time.
    """

    name: str
    agent: str
    importer: Importer
    accepts_dirs: bool = False
    project: ProjectImporter | None = None
    needs: tuple[str, ...] = ()
    """Modules of the ``importers`` extra this format needs (``referencing`` follows ``$ref``s)."""
    profiled: ProfiledImporter | None = None
    """The ``project`` importer for a deployment whose profiles or env files the import names (compose's ``--profile``
    and ``--env-file``)."""


def _formats() -> dict[str, Format]:
    from engine.importers import aspire, asyncapi, code_routes, compose, gateway, kubernetes, openapi, spring

    return {
        "openapi": Format("openapi", "api", openapi.import_file, needs=("referencing",)),
        "asyncapi": Format("asyncapi", "api", asyncapi.import_file, needs=("referencing",)),
        "compose": Format("compose", "infrastructure", compose.import_file, accepts_dirs=True,
                          project=compose.import_paths, profiled=compose.import_paths),
        "kubernetes": Format("kubernetes", "infrastructure", kubernetes.import_path, accepts_dirs=True,
                             project=kubernetes.import_paths),
        "gateway": Format("gateway", "infrastructure", gateway.import_file),
        "spring": Format("spring", "infrastructure", spring.import_file, accepts_dirs=True,
                         project=spring.import_paths),
        "source": Format("source", "api", code_routes.import_file, accepts_dirs=True, project=code_routes.import_paths),
        "aspire": Format("aspire", "infrastructure", aspire.import_file, accepts_dirs=True,
                         project=aspire.import_paths),
    }


FORMAT_NAMES = ("openapi", "asyncapi", "compose", "kubernetes", "gateway", "spring", "source", "aspire")
ALIASES = {"swagger": "openapi", "docker-compose": "compose", "k8s": "kubernetes", "kube": "kubernetes",
           "nginx": "gateway", "httpd": "gateway", "apache": "gateway", "envoy": "gateway",
           "spring-cloud-gateway": "gateway", "zuul": "gateway", "spring-boot": "spring", "code": "source",
           "apphost": "aspire", "dotnet-aspire": "aspire"}


def detect(path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The format of an artifact, judged by its content; a clear error when that is ambiguous.

    A directory is a compose project when it holds compose's default files, Spring configuration when
    it holds that and no manifest (a config server's), source code when it holds code and no manifest,
    else manifests. A Python, JavaScript, TypeScript or Java file is source code. An
    nginx ``.conf`` that proxies is told before YAML parsing (it is not YAML). A C# file that calls
    ``DistributedApplication.CreateBuilder``, or a directory holding one, is a .NET Aspire AppHost.
    """
    from engine.importers import aspire, asyncapi, code_routes, compose, gateway, kubernetes, openapi, spring

    if (path.endswith(".cs") or os.path.isdir(path)) and aspire.detect_path(path, limits):
        return "aspire"
    if os.path.isdir(path):
        if compose.project_files(path):
            return "compose"
        if _spring_directory(path, limits):
            return "spring"
        return "source" if code_routes.has_code(path) and not _manifest_in(path, limits) else "kubernetes"
    if code_routes.detect_path(path):
        return "source"
    text = read_text(path, limits)
    if gateway.detect_text(path, text):
        return "gateway"
    if path.endswith(".properties"):  # Java properties: only Spring's are read
        return "spring"
    docs = [d.data for d in parse_all(text, path, limits, merge_keys=True, artifact=True) if d.data is not None]
    if not docs:
        raise InputError("file is empty", Location(path))

    found: list[str] = []
    if len(docs) == 1:
        found += [name for name, mod in (("openapi", openapi), ("asyncapi", asyncapi), ("compose", compose))
                  if mod.detect(docs[0])]
    if kubernetes.detect(docs):
        found.append("kubernetes")
    if gateway.detect(docs):
        found.append("gateway")
    if not found and any(spring.detect(d) for d in docs):
        found.append("spring")
    if len(found) == 1:
        return found[0]
    what = "could be " + " or ".join(found) if found else "is none of " + ", ".join(FORMAT_NAMES)
    raise UsageError(f"{path}: cannot tell the artifact format by its content (it {what}); name it, e.g. "
                     f"--from openapi={path}")


def _spring_directory(path: str, limits: Limits) -> bool:
    """Whether a directory holds Spring configuration and no Kubernetes manifest (a config server's)."""
    from engine.importers import kubernetes, spring

    found = False
    for name, docs in _config_files(path, limits):
        if name in kubernetes.KUSTOMIZATION_FILES or kubernetes.detect(docs):
            return False
        found = found or name.endswith(".properties") or any(spring.detect(d) for d in docs)
    return found


def _manifest_in(path: str, limits: Limits) -> bool:
    """Whether a directory holds a Kubernetes manifest (or a kustomization)."""
    from engine.importers import kubernetes

    return any(name in kubernetes.KUSTOMIZATION_FILES or kubernetes.detect(docs)
               for name, docs in _config_files(path, limits))


def _config_files(path: str, limits: Limits) -> Iterator[tuple[str, list[Any]]]:
    """(file name, its YAML documents) of every file under a directory, sorted; a file that is not YAML, or
    does not parse, has none (not a detector's to report: the importer chosen says it)."""
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for name in sorted(names):
            docs: list[Any] = []
            if name.endswith((".yml", ".yaml")):
                file = os.path.join(root, name)
                with contextlib.suppress(ArchplanError):
                    docs = [d.data for d in parse_all(read_text(file, limits), file, limits, merge_keys=True,
                                                      artifact=True) if d.data is not None]
            yield name, docs


def resolve_format(name: str) -> str:
    """A format name (or alias) checked, with a did-you-mean."""
    fmt = ALIASES.get(name.lower(), name.lower())
    if fmt not in FORMAT_NAMES and fmt != "auto":
        raise UsageError(f"unknown artifact format '{name}'{did_you_mean(name, (*FORMAT_NAMES, 'auto'))}; "
                         f"expected one of {', '.join(FORMAT_NAMES)} or auto")
    return fmt


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause the cyclic collector while parsing: YAML composition allocates millions of small acyclic
    objects, and generation-2 passes over them made a 3,000-endpoint import twice as slow (superlinear)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def import_paths(fmt: str, paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                 service: str | None = None, profiles: Sequence[str] = (),
                 env_files: Sequence[str] = (), *, require_project: bool = True) -> list[Document]:
    """Import artifact files (``fmt`` may be ``auto``); documents sorted by file, errors collected.

    Inputs of a format that reads a project (compose, Kubernetes) are imported together, in the
    order given; with ``auto``, a compose override (services without an image) joins the compose
    files given with it. ``profiles`` are the compose profiles of the deployment to import (``docker compose
    --profile``; none: those the project's ``.env`` enables) and ``env_files`` the files its variables are
    interpolated from (``docker compose --env-file``; none: the project's ``.env``), each a usage error when no input
    is a compose file (unless ``require_project`` is false: ``load_artifacts`` asks it of all its groups together).
    The code readers share the syntax trees of the files they read while the import lasts (``code_trees.shared``).
    """
    from engine.importers import code_trees

    with code_trees.shared():
        return _import_paths(fmt, paths, limits, service, profiles, env_files, require_project)


def _import_paths(fmt: str, paths: Sequence[str], limits: Limits, service: str | None,
                  profiles: Sequence[str] = (), env_files: Sequence[str] = (),
                  require_project: bool = True) -> list[Document]:
    formats = _formats()
    fmt = resolve_format(fmt)
    groups: dict[str, list[str]] = {}
    errors: list[ArchplanError] = []
    for path in paths:
        try:
            if not os.path.exists(path):
                raise InputError("no such file or directory", Location(path))
            this = _detect_in(path, paths, limits) if fmt == "auto" else fmt
            if os.path.isdir(path) and not formats[this].accepts_dirs:
                raise InputError(f"is a directory; a {this} artifact is one file", Location(path))
            require_extra("importers", formats[this].needs, f"the {this} importer")
            groups.setdefault(this, []).append(path)
        except MissingExtraError:
            raise  # said once, not once per artifact
        except ArchplanError as exc:
            errors.append(exc)
    raise_all(errors)
    if profiles and require_project and not any(formats[this].profiled for this in groups):
        raise UsageError(f"compose profiles ({', '.join(profiles)}) apply to a compose project, and none of "
                         f"{', '.join(paths)} is one")
    if env_files and require_project and not any(formats[this].profiled for this in groups):
        raise UsageError(f"env files ({', '.join(env_files)}) apply to a compose project, and none of "
                         f"{', '.join(paths)} is one")
    docs: list[Document] = []
    for this, members in groups.items():
        spec = formats[this]
        batches: list[Sequence[str]] = [members] if spec.project else [[m] for m in members]
        for batch in batches:
            try:
                with _paused_gc():
                    docs.extend(spec.profiled(batch, limits, service, profiles, env_files)
                                if (profiles or env_files) and spec.profiled else
                                spec.project(batch, limits, service) if spec.project else
                                spec.importer(batch[0], limits, service))
            except ArchplanError as exc:
                errors.append(exc)
    raise_all(errors)
    return sorted(compose_routes(docs, whole=False), key=lambda d: d.file)


def fill_templates(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each configuration template its container fills from its environment (``refill``) imported
    again with the environment the deployment (compose, Kubernetes) gives that container."""
    if not any(getattr(d, "refill", None) for d in docs):
        return list(docs)
    from engine.importers.base import environments

    env = environments(docs)
    out: list[Document] = []
    for d in docs:
        refill = getattr(d, "refill", None)
        out.append(refill[1](env[refill[0]]) if refill and env.get(refill[0]) else d)
    return out


def _gateway_stores(docs: list[Document]) -> list[Document]:
    """A gateway route's target that another document says is a datastore (an object store whose S3 API the proxy
    publishes under a path) is that datastore: the gateway's bare declaration of it as a service is left out, its
    route and call to it kept."""
    from engine.importers.base import ArtifactDocument, without_facts

    stores = {str(item["name"]) for d in docs if isinstance(d.data, dict)
              for item in d.data.get("datastores") or [] if isinstance(item, dict) and "name" in item}
    out: list[Document] = []
    for d in docs:
        if isinstance(d, ArtifactDocument) and d.format.startswith("gateway") and isinstance(d.data, dict):
            drop = {str(item["name"]): f"{item['name']} is a datastore (another artifact says so): the gateway's "
                                        "routes reach it as a store, not as a service"
                    for item in d.data.get("services") or []
                    if isinstance(item, dict) and set(item) == {"name"} and str(item["name"]) in stores}
            out.append(without_facts(d, "services", drop) if drop else d)
        else:
            out.append(d)
    return out


def compose_routes(docs: Sequence[Document], whole: bool = True) -> list[Document]:
    """Templates filled from their container's environment (``fill_templates``), and routes read from source placed
    behind the gateway routes and entry points of the other documents (the module is imported only when some
    document is one: ``check`` without ``--from`` stays quick); endpoints two services share a method and path of told
    apart (``base.distinct_endpoints``); channels named like another component renamed (``base.distinct_channels``);
    channels carried by a Dapr pub/sub component given its broker, durability and delivery (``dapr.channels``);
    channels on a broker that keeps no message over a restart not durable (``base.volatile_channels``); what a
    Spring configuration says of a workload that is infrastructure not under review left out
    (``base.not_configured``); endpoints that no Ingress path reaches kept internal (``base.unrouted_endpoints``); the
    system-of-record role taken back from a datastore no connection reaches any more (``base.unconnected_records``);
    a web process and its worker running one image or build, and services whose code was read from the same folders,
    made processes of one application (``base.applications``); a gateway's target that another document says is a
    datastore left that datastore (``_gateway_stores``); when the documents are ``whole`` (every artifact given, not
    one import step of several), the start orders of callers given nothing and whose code is not read taken out
    (``base.bare_start_orders``), and ``observability.metrics: false`` / ``tracing: none`` stated when the services'
    code was read and nothing imported shows metrics or tracing (``code_telemetry.absent_telemetry``), and
    ``security.service_to_service_auth: none`` when every call between services whose code was read is unauthenticated
    (``code_service_auth.unauthenticated_system``)."""
    from engine.importers.base import distinct_channels, distinct_endpoints, volatile_channels

    docs = _gateway_stores(fill_templates(docs))
    if whole and any(getattr(d, "start_orders", None) for d in docs):
        from engine.importers.base import bare_start_orders

        docs = bare_start_orders(docs)  # before the code is placed: what nothing calls any more is known
    docs = distinct_channels(_placed(distinct_endpoints(docs)))
    if any(getattr(d, "pubsubs", None) for d in docs):
        from engine.importers import dapr

        docs = dapr.channels(docs)
    if any(getattr(d, "volatile_brokers", None) for d in docs):
        docs = volatile_channels(docs)
    if any(getattr(d, "routed_paths", None) for d in docs):
        from engine.importers.base import unrouted_endpoints

        docs = unrouted_endpoints(docs)
    if any(getattr(d, "records", None) for d in docs):
        from engine.importers.base import unconnected_records

        docs = unconnected_records(docs)
    if any(getattr(d, "code_paths", None) or getattr(d, "builds", None) for d in docs):
        from engine.importers.base import applications, same_application_start_orders

        docs = same_application_start_orders(applications(docs))
    if whole and any(getattr(d, "telemetry", None) for d in docs):
        from engine.importers.code_telemetry import absent_telemetry

        docs = absent_telemetry(docs)  # every artifact given: what none of them shows is absent
    if whole and any(getattr(d, "open_code", None) for d in docs):
        from engine.importers.code_routes import RoutesDocument
        from engine.importers.code_service_auth import unauthenticated_system

        docs = unauthenticated_system(docs, [d.service for d in docs if isinstance(d, RoutesDocument)])
    return docs


def _placed(docs: list[Document]) -> list[Document]:
    if not any(getattr(d, "format", "") in ("source", "spring") or getattr(d, "signing_secrets", None) for d in docs):
        return docs
    from engine.importers.base import not_configured, overridden_properties, token_secret_readers

    docs = token_secret_readers(not_configured(overridden_properties(docs)))
    if not any(getattr(d, "format", "") == "source" for d in docs):
        return docs
    from engine.importers import code_routes

    return code_routes.compose(docs)


def _detect_in(path: str, given: Sequence[str], limits: Limits) -> str:
    """``detect``, except that a compose override given with a compose file is compose."""
    try:
        return detect(path, limits)
    except UsageError:
        from engine.importers import compose

        if os.path.isfile(path) and compose.is_fragment(path, limits) and any(
                p != path and os.path.isfile(p) and compose.is_fragment(p, limits, whole=True) for p in given):
            return "compose"
        raise


def parse_spec(spec: str) -> tuple[str, str | None, str]:
    """``FORMAT[:SERVICE]=PATH`` -> (format, service or None, path)."""
    left, sep, path = spec.partition("=")
    if not sep or not path or not left:
        raise UsageError(f"--from '{spec}': expected FORMAT=PATH (FORMAT: {', '.join(FORMAT_NAMES)} or auto), "
                         "optionally FORMAT:SERVICE=PATH to name the serving service")
    fmt, _c, service = left.partition(":")
    return resolve_format(fmt), service or None, path


def load_artifacts(specs: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                   profiles: Sequence[str] = (), env_files: Sequence[str] = ()) -> list[Document]:
    """The documents of ``--from FORMAT[:SERVICE]=PATH`` options, for ``load_design(..., extra=...)``.

    Options naming the same format (and service) are imported together, in the order given, like
    ``docker compose -f a -f b``: an override merges into its base, manifests share host names.
    The code of one repository read for several services is parsed once (``code_trees.shared``).
    ``profiles`` (``--profile``) are the compose profiles of the compose projects among them (``--from compose=``,
    or ``auto`` on a compose file), and ``env_files`` (``--env-file``) the files their variables come from: a usage
    error when there is none.
    """
    from engine.importers import code_trees

    grouped: dict[tuple[str, str | None], list[str]] = {}
    errors: list[ArchplanError] = []
    for spec in specs:
        try:
            fmt, service, path = parse_spec(spec)
            grouped.setdefault((fmt, service), []).append(path)
        except ArchplanError as exc:
            errors.append(exc)
    docs: list[Document] = []
    with code_trees.shared():
        for (fmt, service), paths in grouped.items():
            budget.check("importing artifacts")
            try:
                docs.extend(import_paths(fmt, paths, limits, service, profiles, env_files, require_project=False))
            except MissingExtraError:
                raise
            except ArchplanError as exc:
                errors.append(exc)
    raise_all(errors)
    if (profiles or env_files) and not any(getattr(d, "format", "") == "compose" for d in docs):
        shown = f"--profile {', '.join(profiles)}" if profiles else f"--env-file {', '.join(env_files)}"
        raise UsageError(f"{shown}: applies to a compose project, and no --from artifact is one (--from "
                         "compose=PATH)")
    return sorted(compose_routes(docs), key=lambda d: d.file)
