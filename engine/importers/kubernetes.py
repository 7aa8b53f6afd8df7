"""Kubernetes manifests -> the infrastructure agent's services, datastores, deployments and edges.

Reads a file (multi-document YAML, ``kind: List`` too) or a directory of them. Per workload
(Deployment, StatefulSet, DaemonSet; named after the one Service that selects it alone, the name its clients call,
when that differs from its own: ``orders-v1`` behind ``orders``): image; datastore or broker (as for compose);
replicas (the default of one when unset, or the autoscaler's minimum); liveness and readiness probes; resource
limits on every container; volumes (``durable_storage`` is true only for persistent volume claims,
``volumeClaimTemplates`` and cloud disks; ``emptyDir`` and ``hostPath`` lose the data when the pod moves; a
broker with no persistent volume makes the channels it carries, when they state nothing, not ``durable``);
the rollout strategy. Services and Ingresses give exposure: a workload behind an Ingress, a Gateway or
a ``LoadBalancer`` Service (unless annotated internal) is ``public``; one behind a ``NodePort`` Service
only is ``host`` (reachable on every node's address, not stated to face the internet); otherwise
``internal``. Each Ingress path becomes a public endpoint (method unknown: ``ANY``), served with TLS when the
Ingress has a ``spec.tls`` section (and no annotation turns the HTTPS redirect off) and over plain HTTP when it has
none and no annotation puts a certificate on a load balancer instead (``alb...certificate-arn``, GKE's managed or
pre-shared certificates) or forces a redirect; a public or host-published workload with no named path gets one entry
endpoint.
HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy objects are matched to workloads by
target or label selector. Edges are inferred from environment variables (ConfigMaps included) and
commands that name a Service's DNS name; a Service port's ``appProtocol``, or its name by Istio's
convention (``grpc``, ``grpc-web``, ``http2-api``), gives those calls their protocol. Istio objects
(``engine.importers.istio``) add what the mesh does to those calls: VirtualService timeouts and retries,
DestinationRule circuit breakers (``outlierDetection``) and bulkheads (``connectionPool``), and the routes an
ingress Gateway publishes.
A kustomization's ``images`` edits are applied to the workloads of its resources; an image that is a bare name
of an image the repository's Skaffold configuration builds (``engine.importers.skaffold``) is released as
Skaffold tags it, not pulled as ``latest``. A workload that reads a Secret whose values are written in the
manifests given (``data``, ``stringData``) keeps its secrets in repository configuration
(``secrets_source: repo_config``).
Workloads in the cluster's own namespaces (``kube-system``: DNS, the metrics add-ons) are left out with a
remark, as observability and load generators are. A ``team`` (or ``owner``) label on the workload or its pods
names the service's owning team (``owner``), so a call between two labelled teams is known to cross a team
boundary, and one inside a team is known not to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, InputError, Location, raise_all
from engine.importers import infra, istio, seed_passwords, skaffold
from engine.importers.base import Body, console_entry, entry_endpoint, route_endpoint, safe_name
from engine.importers.infra import Mention, Recognised
from engine.importers.istio import Entry, strictest_tls
from engine.model.kinds import identity
from engine.source import DEFAULT_LIMITS, Document, Limits, Path, keypath, parse, parse_all, read_text

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
_DURABLE_VOLUMES = ("persistentVolumeClaim", "gcePersistentDisk", "awsElasticBlockStore", "azureDisk", "azureFile",
                    "nfs", "cephfs", "rbd", "iscsi", "cinder", "portworxVolume", "csi")
_NOT_DATA = ("configMap", "secret", "projected", "downwardAPI", "serviceAccountToken")


@dataclass
class _Obj:
    doc: Document
    path: Path
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        meta = self.data.get("metadata")
        ns = meta.get("namespace") if isinstance(meta, dict) else None
        return str(ns) if ns else "default"

    def loc(self, *more: str | int) -> Location:
        return self.doc.locate((*self.path, *more))

    def get(self, *keys: str | int) -> Any:
        node: Any = self.data
        for k in keys:
            if isinstance(node, dict):
                node = node.get(k)
            elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
                node = node[k]
            else:
                return None
        return node


@dataclass
class _Workload:
    obj: _Obj
    name: str
    labels: dict[str, str]
    rec: Recognised | None
    exposure: list[Entry] = field(default_factory=list)
    secrets: list[tuple[str, Location]] = field(default_factory=list)
    """Variables holding a credential written out (``env[].value``), by name: their values are never kept."""
    auth: infra.DatastoreAuth | None = None
    registry_auth: infra.DatastoreAuth | None = None
    """What the image, environment and command say about the datastore's client authentication."""
    built: skaffold.Artifact | None = None
    """The Skaffold artifact its image names (a placeholder Skaffold replaces with the image it builds)."""
    ports: dict[int, list[tuple[str, str] | None]] = field(default_factory=dict)
    """The protocol (and why) each Service port reaching the workload names, per port number (None: it names none)."""
    called_as: str | None = None
    """The Service the workload is named after, in place of its own name (``_called_names``)."""


def detect(docs: Sequence[Any]) -> bool:
    """Whether parsed documents are Kubernetes objects."""
    return bool(docs) and all(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs)


KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_KUSTOMIZE_UNAPPLIED = ("patches", "patchesStrategicMerge", "patchesJson6902", "replacements",
                        "replicas", "namePrefix", "nameSuffix", "namespace", "commonLabels", "labels",
                        "configMapGenerator", "secretGenerator", "components", "helmCharts")
_MANIFEST_EXT = (".yaml", ".yml", ".json")


class _Collector:
    """The manifest files of the inputs, read the way ``kubectl apply -f`` / ``-k`` reads them.

    A directory is walked; a directory that holds a kustomization file contributes its ``resources``
    (``kubectl apply -k``), not every file in it (patches there are partial objects); a Helm chart
    (``Chart.yaml``) is not rendered and is skipped with a remark. Each file is read once, however
    many inputs reach it, so that a list of files and their directory give the same design.
    """

    def __init__(self, body: Body, limits: Limits) -> None:
        self.body = body
        self.limits = limits
        self.files: list[str] = []
        self._seen: set[str] = set()
        self._kustomizations: set[str] = set()
        self.images: dict[str, list[_ImageEdit]] = {}
        """The kustomize ``images`` edits that apply to each file, the innermost kustomization's first."""
        self._edits: list[list[_ImageEdit]] = []

    def add(self, path: str, *, explicit: bool) -> None:
        if os.path.isdir(path):
            before = (len(self.files), len(self.body.remarks))
            self._dir(path)
            if explicit and (len(self.files), len(self.body.remarks)) == before:
                raise InputError("directory holds no .yaml, .yml or .json manifest", Location(path))
        elif os.path.basename(path) in KUSTOMIZATION_FILES:
            self._kustomization(path)
        else:
            real = os.path.realpath(path)
            if real not in self._seen:
                self._seen.add(real)
                self.files.append(path)
                self.images[path] = [e for level in reversed(self._edits) for e in level]

    def _dir(self, path: str) -> None:
        names = sorted(os.listdir(path))
        kust = next((n for n in KUSTOMIZATION_FILES if n in names), None)
        if kust is not None:
            self._kustomization(os.path.join(path, kust))
            return
        if "Chart.yaml" in names:
            self.body.remark(Location(os.path.join(path, "Chart.yaml")),
                             "a Helm chart: archplan does not render templates; import the output of `helm template`")
            return
        for n in names:
            full = os.path.join(path, n)
            if n.startswith("."):
                continue
            if os.path.isdir(full):
                self._dir(full)
            elif n.endswith(_MANIFEST_EXT):
                self.add(full, explicit=False)

    def _kustomization(self, path: str) -> None:
        real = os.path.realpath(path)
        if real in self._kustomizations:
            return
        self._kustomizations.add(real)
        doc = parse(read_text(path, self.limits), path, self.limits, merge_keys=True, artifact=True)
        data = doc.data if isinstance(doc.data, dict) else {}
        base = os.path.dirname(path)
        self._edits.append(_image_edits(doc, data.get("images")))
        try:
            self._resources(doc, data, base)
        finally:
            self._edits.pop()
        unapplied = [k for k in _KUSTOMIZE_UNAPPLIED if k in data]
        if unapplied:
            self.body.remark(doc.locate((unapplied[0],)),
                             f"kustomize {', '.join(unapplied)} not applied: import the output of `kustomize build` "
                             "to review the rendered objects")

    def _resources(self, doc: Document, data: dict[str, Any], base: str) -> None:
        for key in ("resources", "bases"):
            entries = data.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise InputError(f"'{key}' must be a list, not a {type(entries).__name__}", doc.locate((key,)), key)
            for i, entry in enumerate(entries):
                where = doc.locate((key, i))
                if not isinstance(entry, str) or "://" in entry or entry.startswith(("github.com/", "git@")):
                    self.body.remark(where, f"kustomize resource {str(entry)[:200]!r} is not a local path: not read")
                    continue
                target = os.path.normpath(os.path.join(base, entry))
                if not os.path.exists(target):
                    raise InputError(f"kustomize resource '{entry}' does not exist", where, keypath((key, i)))
                self.add(target, explicit=False)


@dataclass(frozen=True)
class _ImageEdit:
    """A kustomize ``images`` entry: containers running ``name`` run ``new_name``, ``new_tag`` or ``digest``."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None


def _image_edits(doc: Document, entries: Any) -> list[_ImageEdit]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError(f"'images' must be a list, not a {type(entries).__name__}", doc.locate(("images",)),
                         "images")
    out = []
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            def text(key: str, entry: dict[str, Any] = e) -> str | None:
                value = entry.get(key)
                return str(value) if isinstance(value, (str, int, float)) and str(value).strip() else None
            out.append(_ImageEdit(e["name"], text("newName"), text("newTag"), text("digest")))
    return out


def _split_image(image: str) -> tuple[str, str]:
    """``registry:5000/shop/cart:1.2@sha256:…`` -> (``registry:5000/shop/cart``, ``:1.2@sha256:…``)."""
    at = image.find("@")
    head, digest = (image[:at], image[at:]) if at >= 0 else (image, "")
    slash = head.rfind("/")
    colon = head.rfind(":")
    if colon > slash:
        return head[:colon], head[colon:] + digest
    return head, digest


def _edited_image(image: str, edits: Sequence[_ImageEdit]) -> str:
    """The image a container runs once kustomize's ``images`` edits are applied (innermost first)."""
    for e in edits:
        name, rest = _split_image(image)
        if name != e.name:
            continue
        name = e.new_name or name
        if e.digest:
            image = f"{name}@{e.digest}"
        elif e.new_tag:
            image = f"{name}:{e.new_tag}"
        else:
            image = name + rest
    return image


def _apply_image_edits(objs: Sequence[_Obj], images: Mapping[str, list[_ImageEdit]]) -> None:
    """Rewrite the images of the workloads as the kustomizations that include their files say."""
    for o in objs:
        edits = images.get(o.doc.file)
        containers = o.get("spec", "template", "spec", "containers")
        if not edits or o.kind not in WORKLOAD_KINDS or not isinstance(containers, list):
            continue
        for c in containers:
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                c["image"] = _edited_image(c["image"], edits)


def _objects(files: list[str], limits: Limits, body: Body) -> list[_Obj]:
    out: list[_Obj] = []
    errors: list[ArchplanError] = []
    for f in files:
        try:
            for doc in parse_all(read_text(f, limits), f, limits, merge_keys=True, artifact=True):
                items: list[tuple[Path, Any]] = [((), doc.data)]
                if isinstance(doc.data, dict) and doc.data.get("kind") == "List":
                    listed = doc.data.get("items")
                    if not isinstance(listed, list):
                        errors.append(InputError("a List needs 'items:' as a list", doc.locate(("items",)), "items"))
                        continue
                    items = [(("items", i), it) for i, it in enumerate(listed)]
                for path, item in items:
                    data = item
                    if data is None:
                        continue  # an empty document: a trailing '---', or one holding only comments
                    if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or "apiVersion" not in data:
                        body.remark(doc.locate(path), "not a Kubernetes object (no 'apiVersion' and 'kind'): skipped")
                        continue
                    if str(data.get("apiVersion", "")).startswith("kustomize.config.k8s.io"):
                        body.remark(doc.locate(path), "a kustomization read as a manifest: name it kustomization.yaml "
                                                      "to have its resources followed")
                        continue
                    meta = data.get("metadata")
                    if isinstance(meta, dict) and "name" not in meta and isinstance(meta.get("generateName"), str) \
                            and meta["generateName"].strip("-"):
                        data = {**data, "metadata": {**meta, "name": meta["generateName"].rstrip("-")}}
                        meta = data["metadata"]
                    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                        errors.append(InputError("a Kubernetes object needs metadata.name", doc.locate(
                            (*path, "metadata")), keypath((*path, "metadata"))))
                        continue
                    obj = _Obj(doc, path, data)
                    shape = _shape_errors(obj)
                    if shape:
                        errors.extend(shape)
                        continue
                    out.append(obj)
        except ArchplanError as exc:
            errors.append(exc)
    raise_all(errors)
    return out


_LISTS: tuple[Path, ...] = (("spec", "template", "spec", "containers"), ("spec", "template", "spec", "volumes"),
                             ("spec", "volumeClaimTemplates"), ("spec", "rules"), ("spec", "metrics"),
                             ("spec", "http"), ("spec", "gateways"), ("spec", "hosts"), ("spec", "subsets"))
_CONTAINER_LISTS = ("env", "envFrom", "volumeMounts", "command", "args", "ports")
_MAPS: tuple[Path, ...] = (("metadata", "labels"), ("metadata", "annotations"), ("spec", "selector"),
                           ("spec", "template", "metadata", "labels"), ("data",))


def _shape_errors(o: _Obj) -> list[ArchplanError]:
    """The lists and mappings this importer walks must have their shape (else a located error)."""
    errors: list[ArchplanError] = []

    def check(path: Path, want: type, what: str) -> None:
        value = o.get(*path)
        if value is not None and not isinstance(value, want):
            errors.append(InputError(f"{what} must be a {'list' if want is list else 'mapping'}, not a "
                                     f"{type(value).__name__}", o.loc(*path), keypath((*o.path, *path))))

    for path in _LISTS:
        check(path, list, str(path[-1]))
    for path in _MAPS:
        check(path, dict, str(path[-1]))
    containers = o.get("spec", "template", "spec", "containers")
    for ci, c in enumerate(containers if isinstance(containers, list) else []):
        if not isinstance(c, dict):
            check(("spec", "template", "spec", "containers", ci), dict, "a container")
            continue
        for key in _CONTAINER_LISTS:
            check(("spec", "template", "spec", "containers", ci, key), list, key)
    rules = o.get("spec", "rules")
    for ri, _r in enumerate(rules if isinstance(rules, list) else []):
        check(("spec", "rules", ri, "http", "paths"), list, "paths")
    http = o.get("spec", "http") if o.kind == "VirtualService" else None
    for hi, _h in enumerate(http if isinstance(http, list) else []):
        for key in ("match", "route"):
            check(("spec", "http", hi, key), list, key)
        check(("spec", "http", hi, "retries"), dict, "retries")
    return errors


def _matches(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector (``matchLabels`` form or a plain map) against a pod template's labels."""
    if not isinstance(selector, dict):
        return False
    match = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    if not isinstance(match, dict):
        match = {}
    if not match and not selector.get("matchExpressions"):
        return True  # the empty selector selects every pod
    return all(labels.get(str(k)) == str(v) for k, v in match.items())


def import_path(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """Import a manifest file or a directory of manifests into one document."""
    return import_paths([path], limits, service)


def import_paths(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                 service: str | None = None) -> list[Document]:
    """Import manifest files and directories together, as one cluster: host names resolve across all of them.

    A list of files gives the same facts as their directory.
    """
    path = paths[0]
    body = Body(path, "infrastructure", "kubernetes")
    collector = _Collector(body, limits)
    for p in paths:
        collector.add(p, explicit=True)
    if not collector.files and not body.remarks:
        raise InputError("no Kubernetes manifest found", Location(path))
    objs = _objects(sorted(collector.files), limits, body)
    _apply_image_edits(objs, collector.images)
    workloads, mentions, observers = _workloads(objs, body)
    built = skaffold.build_artifacts([*skaffold.config_files(paths), *(
        f for f in collector.files if os.path.basename(f) in skaffold.CONFIG_FILES)], limits, body)
    for w in workloads:
        w.built = _built_here(w, built)
    hosts, svc_targets = _services(objs, workloads, body)
    _published_consoles(objs, observers, body)
    _ingresses(objs, svc_targets)
    mesh, entries = _mesh_entries(objs, workloads, svc_targets, body)
    _record_workloads(objs, workloads, body)
    _reviewed_consoles(objs, workloads, body)
    _record_calls(path, workloads, mentions, hosts, entries, body)
    _seeded_password_hashing(objs, workloads, body)
    _spans_sent_nowhere(workloads, mentions, body)
    mesh.apply({ident: (str(d["from"]), str(d["to"])) for ident, d in body.items.get("interactions", {}).items()})
    infra.record_cache_roles(body)
    body.backups = tuple(_backups(objs))
    infra.record_systems_of_record(body, body.backups)
    return [body.document()]


_BACKUP_API_GROUPS = ("velero.io", "k8up.io", "snapshot.storage.k8s.io", "gkebackup.gke.io", "dataprotection.")
"""API groups whose objects take backups or volume snapshots (Velero, K8up, CSI snapshots, Backup for GKE)."""
_BACKUP_KINDS = frozenset({"ScheduledBackup", "Backup", "BackupSchedule", "BackupPlan", "VolumeSnapshot",
                           "VolumeSnapshotClass", "PerconaServerMongoDBBackup", "PerconaXtraDBClusterBackup"})
"""Kinds of operators' backup objects (CloudNativePG's ``ScheduledBackup``, Percona's backups) and snapshots."""


def _backups(objs: Sequence[_Obj]) -> list[tuple[str, Location]]:
    """The objects that take backups: a backup or snapshot object (by API group or kind), a database operator's
    cluster with a ``backup`` section, an annotation naming a backup (``backup.velero.io/backup-volumes``), and a
    workload or (cron) job whose name, images, commands or arguments name a backup tool (``BACKUP_TOOLS``)."""
    found: list[tuple[str, Location]] = []
    for o in objs:
        api = str(o.data.get("apiVersion") or "")
        if o.kind in _BACKUP_KINDS or any(api.startswith(g) for g in _BACKUP_API_GROUPS):
            found.append((f"{o.kind} {o.name}", o.loc()))
            continue
        if isinstance(o.get("spec", "backup"), dict):
            found.append((f"{o.kind} {o.name}'s backup section", o.loc("spec", "backup")))
            continue
        pod = o.get("spec", "jobTemplate", "spec", "template") if o.kind == "CronJob" else o.get("spec", "template")
        notes = [(("metadata", "annotations"), o.get("metadata", "annotations")),
                 (("spec", "template", "metadata", "annotations"), (pod or {}).get("metadata", {}).get("annotations")
                  if isinstance(pod, dict) and isinstance(pod.get("metadata"), dict) else None)]
        hit = next(((path, str(k)) for path, a in notes if isinstance(a, dict) for k in a
                    if infra.BACKUP_TOOLS.search(str(k))), None)
        if hit:
            found.append((f"{o.kind} {o.name}'s annotation {hit[1]}", o.loc(*hit[0])))
            continue
        if o.kind not in (*WORKLOAD_KINDS, "CronJob", "Job") or not isinstance(pod, dict):
            continue
        spec: dict[str, Any] = pod["spec"] if isinstance(pod.get("spec"), dict) else {}
        texts = [o.name, *(" ".join(map(str, v)) if isinstance(v, list) else str(v or "")
                           for c in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]
                           if isinstance(c, dict) for v in (c.get("image"), c.get("command"), c.get("args")))]
        m = next((m for t in texts for m in [infra.BACKUP_TOOLS.search(t)] if m), None)
        if m:
            found.append((f"{o.kind} {o.name} runs {m.group(0).strip(' -_=/')!r}", o.loc()))
    return found


_CLUSTER_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""Namespaces Kubernetes keeps for the cluster itself (DNS, metrics add-ons such as Heapster): what runs there
serves the cluster, not the application the manifests describe."""


def _workloads(objs: Sequence[_Obj], body: Body) -> tuple[list[_Workload], dict[str, list[Mention]],
                                                          list[tuple[_Obj, str, str | None]]]:
    """The workloads the review covers (what they run recognised), what each one's configuration mentions, and the
    observability workloads left out (object, name, image)."""
    configmaps = {(o.namespace, o.name): o for o in objs if o.kind == "ConfigMap"}
    raw = [o for o in objs if o.kind in WORKLOAD_KINDS]
    counts: dict[str, int] = {}
    for o in raw:
        counts[o.name] = counts.get(o.name, 0) + 1
    called = _called_names(objs, raw)
    workloads: list[_Workload] = []
    mentions: dict[str, list[Mention]] = {}
    observers: list[tuple[_Obj, str, str | None]] = []
    for o in raw:
        name = safe_name(called.get(id(o)) or (o.name if counts[o.name] == 1 else f"{o.namespace}/{o.name}"))
        if o.namespace in _CLUSTER_NAMESPACES:
            body.remark(o.loc(), f"{name} runs in the {o.namespace} namespace, among the cluster's own add-ons: not "
                                 "reviewed as part of the system")
            continue
        labels = o.get("spec", "template", "metadata", "labels") or {}
        containers = [c for c in (o.get("spec", "template", "spec", "containers") or []) if isinstance(c, dict)]
        main = next((c for c in containers if c.get("name") == o.name), containers[0] if containers else {})
        env_keys, ments = _env(o, containers, configmaps, name)
        mounts = [str(m.get("mountPath", "")) for c in containers for m in (c.get("volumeMounts") or [])
                  if isinstance(m, dict)]
        image = main.get("image") if isinstance(main.get("image"), str) else None
        rec = infra.recognise(image, env_keys, mounts, o.name)
        if rec is not None and rec.role in infra.NOT_REVIEWED:
            body.remark(o.loc(), f"{name} is {infra.NOT_REVIEWED[rec.role]} (by its {rec.why}): not reviewed as "
                                 "part of the system")
            body.not_reviewed[name] = f"{infra.NOT_REVIEWED[rec.role]} (by its {rec.why}, {o.loc()})"
            if rec.role == "observability":
                observers.append((o, name, image))
            continue
        values: dict[str, str | None] = dict.fromkeys(env_keys)
        values.update((m.key, m.text) for m in ments if m.key != "command")
        command = " ".join(m.text for m in ments if m.key == "command")
        auth = infra.datastore_auth(rec, image, values, command, mounts)
        workloads.append(_Workload(o, name, {str(k): str(v) for k, v in labels.items()} if isinstance(
            labels, dict) else {}, rec, secrets=[(m.key, m.location) for m in ments
                                                 if m.key != "command" and infra.literal_secret(m.key, m.text)],
            auth=auth, registry_auth=infra.registry_auth(rec, image, values, command, mounts),
            called_as=called.get(id(o))))
        mentions[name] = ments
        unseen = {str(k) for k, v in values.items() if v is None} | (
            {"*"} if _unread_sources(o.namespace, containers, configmaps) else set())
        if unseen:
            body.unseen_environment[name] = ("*",) if "*" in unseen else tuple(sorted(unseen))
    return workloads, mentions, observers


def _unread_sources(namespace: str, containers: Sequence[dict[str, Any]],
                    configmaps: Mapping[tuple[str, str], _Obj]) -> bool:
    """Whether a container takes a whole source of variables whose keys the manifests do not show (``envFrom`` a
    Secret, or a ConfigMap not among them)."""
    for c in containers:
        for src in c.get("envFrom") or []:
            ref = src.get("configMapRef") if isinstance(src, dict) else None
            if not isinstance(ref, dict) or (namespace, str(ref.get("name"))) not in configmaps:
                return True
    return False


def _called_names(objs: Sequence[_Obj], raw: Sequence[_Obj]) -> dict[int, str]:
    """The name a workload's callers know it by, where it is not the workload's own: the one Service that selects it,
    when that Service selects no other workload and its name is no other workload's (a Deployment named for its
    release, ``orders-v1``, behind the Service ``orders`` its clients call). By the workload object's id."""
    workload_names = {(o.namespace, o.name) for o in raw}
    selecting: dict[int, list[_Obj]] = {}
    selected: dict[tuple[str, str], list[_Obj]] = {}
    for svc in objs:
        if svc.kind != "Service" or not svc.get("spec", "selector") or svc.get("spec", "type") == "ExternalName":
            continue
        for o in raw:
            labels = o.get("spec", "template", "metadata", "labels")
            if o.namespace == svc.namespace and isinstance(labels, dict) and _matches(
                    svc.get("spec", "selector"), {str(k): str(v) for k, v in labels.items()}):
                selecting.setdefault(id(o), []).append(svc)
                selected.setdefault((svc.namespace, svc.name), []).append(o)
    out: dict[int, str] = {}
    taken = {name for _ns, name in workload_names}
    for o in raw:
        svcs = selecting.get(id(o), [])
        if len(svcs) != 1 or svcs[0].name == o.name or len(selected[(svcs[0].namespace, svcs[0].name)]) != 1:
            continue
        if svcs[0].name in taken:
            continue  # another workload bears the name: keep each under its own
        out[id(o)] = svcs[0].name
        taken.add(svcs[0].name)
    return out


def _services(objs: Sequence[_Obj], workloads: Sequence[_Workload],
              body: Body) -> tuple[dict[str, str], dict[tuple[str, str], list[_Workload]]]:
    """Services: the exposure of the workloads they select, and the DNS names that reach them (host -> name)."""
    by_ns: dict[str, list[_Workload]] = {}
    for w in workloads:
        by_ns.setdefault(w.obj.namespace, []).append(w)
    hosts: dict[str, str] = {}
    svc_targets: dict[tuple[str, str], list[_Workload]] = {}
    for o in objs:
        if o.kind != "Service":
            continue
        selected = [w for w in by_ns.get(o.namespace, []) if o.get("spec", "selector") and _matches(
            o.get("spec", "selector"), w.labels)]
        svc_targets[(o.namespace, o.name)] = selected
        if selected:
            target = sorted(selected, key=lambda w: w.name)[0].name
            hosts.setdefault(o.name, target)
            hosts.setdefault(f"{o.name}.{o.namespace}", target)
        stype = str(o.get("spec", "type") or "ClusterIP")
        if stype == "ExternalName" and isinstance(o.get("spec", "externalName"), str):
            # A cluster name for a host outside the cluster: calls to it are calls to a third party.
            name = safe_name(o.name)
            body.fact("externals", {"name": name}, o.loc())
            body.set("externals", name, "description", f"ExternalName Service for {o.get('spec', 'externalName')}"[
                :2000], o.loc("spec", "externalName"))
            hosts.setdefault(o.name, name)
            hosts.setdefault(f"{o.name}.{o.namespace}", name)
            continue
        annotations = o.get("metadata", "annotations") or {}
        exp, why = _service_exposure(o, annotations)
        tls = _plain_http(o, annotations) if stype in ("LoadBalancer", "NodePort") else None
        for w in selected:
            w.exposure.append(Entry(w.name, exp, o.loc("spec", "type") if o.get("spec", "type") else o.loc(), why,
                                    tls=tls))
            _port_protocols(o, w)
    return hosts, svc_targets


def _service_exposure(o: _Obj, annotations: Any) -> tuple[str, str]:
    """(exposure, why) of the workloads a Service selects, by its type (a load balancer annotated internal is
    internal)."""
    stype = str(o.get("spec", "type") or "ClusterIP")
    internal_lb = isinstance(annotations, dict) and any(
        ("internal" in str(k).lower() and str(v).lower() in ("true", "internal", "1"))
        or (str(k).endswith("load-balancer-type") and str(v).lower() == "internal") for k, v in annotations.items())
    if stype == "LoadBalancer":
        return ("internal" if internal_lb else "public"), (
            f"Service {o.name} of type LoadBalancer" + (" (annotated internal)" if internal_lb else ""))
    if stype == "NodePort":
        return "host", f"Service {o.name} of type NodePort (reachable on every node's address)"
    return "internal", f"Service {o.name} of type {stype}"


def _published_consoles(objs: Sequence[_Obj], observers: Sequence[tuple[_Obj, str, str | None]], body: Body) -> None:
    """An observability workload, left out of the review, whose image serves a web console (the catalogue's
    ``consoles``) that a LoadBalancer or NodePort Service forwards a port to: the console is an administrative
    surface of the system, as the compose import reads a published one."""
    for w, name, image in observers:
        console = infra.catalog().console(image)
        labels = w.get("spec", "template", "metadata", "labels")
        if console is None or not isinstance(labels, dict):
            continue
        published, _others = _console_ports(objs, w.namespace, {str(k): str(v) for k, v in labels.items()}, console)
        if published:
            exposure, at, tls = next(p for want in ("public", "host") for p in published if p[0] == want)
            infra.record_console(body, name, console, exposure, at, w.loc())
            _console_tls(body, name, tls)


def _reviewed_consoles(objs: Sequence[_Obj], workloads: Sequence[_Workload], body: Body) -> None:
    """A reviewed workload whose image also serves a web console (the catalogue's ``consoles``: a broker's
    management UI) that a LoadBalancer or NodePort Service forwards a port to, beside the workload's own protocol:
    the console is an administrative surface of its own (``<name>-ui``), as the compose import reads a published
    one; the entry endpoint stays the workload's."""
    for w in workloads:
        containers = w.obj.get("spec", "template", "spec", "containers")
        first = containers[0] if isinstance(containers, list) and containers else None
        image = first.get("image") if isinstance(first, dict) else None
        console = infra.catalog().console(image if isinstance(image, str) else None)
        if console is None:
            continue
        published, others = _console_ports(objs, w.obj.namespace, w.labels, console)
        if published and others:
            exposure, at, tls = next(p for want in ("public", "host") for p in published if p[0] == want)
            infra.console_ui(body, w.name, console, exposure, at)
            _console_tls(body, w.name, tls)


def _console_ports(objs: Sequence[_Obj], namespace: str, labels: dict[str, str], console: infra.Console
                   ) -> tuple[list[tuple[str, Location, tuple[bool, Location, str] | None]], bool]:
    """The ports of the LoadBalancer and NodePort Services selecting pods labelled ``labels`` in ``namespace`` that
    forward to ``console``'s port (each with its exposure, location and what the Service says of plain HTTP), and
    whether such a Service publishes any other port (the workload's own protocol beside its console)."""
    published: list[tuple[str, Location, tuple[bool, Location, str] | None]] = []
    others = False
    for o in objs:
        if o.kind != "Service" or o.namespace != namespace or not o.get("spec", "selector") or not _matches(
                o.get("spec", "selector"), labels):
            continue
        annotations = o.get("metadata", "annotations") or {}
        exp, _why = _service_exposure(o, annotations)
        ports = o.get("spec", "ports")
        for i, port in enumerate(ports if isinstance(ports, list) else []):
            if exp == "internal" or not isinstance(port, dict):
                continue
            if _targets(port, console.port):
                published.append((exp, o.loc("spec", "ports", i), _plain_http(o, annotations)))
            else:
                others = True
    return published, others


def _console_tls(body: Body, name: str, tls: tuple[bool, Location, str] | None) -> None:
    """What the Service forwarding to ``name``'s console says of TLS, on its ``<name>-ui`` endpoint."""
    if tls is not None:
        ui = safe_name(f"{name}-ui")
        body.set("endpoints", ui, "tls", tls[0], tls[1])
        body.note("endpoints", ui, f"tls false: {tls[2]}")


def _targets(port: Mapping[str, Any], number: int) -> bool:
    """Whether a Service port forwards to container port ``number`` (its targetPort, else its own number)."""
    target = port.get("targetPort", port.get("port"))
    return str(target) == str(number)


_APP_PROTOCOLS = {"grpc": "grpc", "grpc-web": "grpc", "http": "http", "http2": "http", "https": "http",
                  "kubernetes.io/h2c": "http", "kubernetes.io/ws": "websocket", "kubernetes.io/wss": "websocket",
                  "mysql": "sql", "redis": "redis"}
"""A Service port's ``appProtocol``, or the protocol its name starts with (Istio's naming convention,
``<protocol>[-<suffix>]``: ``grpc``, ``grpc-web``, ``http2-api``), as the design's call protocol. ``tcp``,
``tls``, ``udp``, ``mongo`` and other names say nothing the design's protocols express."""


def _port_protocols(o: _Obj, w: _Workload) -> None:
    """Record the protocol each port of Service ``o`` names onto a workload it selects (a conflict: None)."""
    ports = o.get("spec", "ports")
    for i, p in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(p, dict) or not isinstance(p.get("port"), int) or isinstance(p["port"], bool):
            continue
        app, name = str(p.get("appProtocol") or "").lower(), str(p.get("name") or "").lower()
        protocol = _APP_PROTOCOLS.get(app) if app else None
        why = f"Service {o.name} ({o.loc('spec', 'ports', i)}) gives port {p['port']} appProtocol {app}"
        if protocol is None and not app:
            prefix = name if name in _APP_PROTOCOLS else name.split("-", 1)[0]
            protocol = _APP_PROTOCOLS.get(prefix) if not prefix.startswith("kubernetes.io") else None
            why = f"Service {o.name} ({o.loc('spec', 'ports', i)}) names port {p['port']} {name!r}"
        w.ports.setdefault(p["port"], []).append((protocol, why) if protocol else None)


def _named_protocols(workloads: Sequence[_Workload]) -> dict[tuple[str, int | None], tuple[str, str]]:
    """(protocol, why) by (workload, Service port) where the Services reaching it name one protocol for the port,
    and by (workload, None) where every port of them names the same one (a call naming only the host speaks it)."""
    named: dict[tuple[str, int | None], tuple[str, str]] = {}
    for w in workloads:
        per_port: dict[int, set[str | None]] = {}
        for port, states in sorted(w.ports.items()):
            per_port[port] = {st[0] if st else None for st in states}
            stated = [st for st in states if st is not None]
            if len({st[0] for st in stated}) == 1:
                named[(w.name, port)] = stated[0]
        everywhere = set().union(*per_port.values()) if per_port else set()
        if len(everywhere) == 1 and None not in everywhere:
            named[(w.name, None)] = named[(w.name, min(per_port))]
    return named


def _plain_http(o: _Obj, annotations: Any) -> tuple[bool, Location, str] | None:
    """``tls: false`` for a LoadBalancer or NodePort Service whose every port is HTTP's (80, or named ``http``)
    and that no annotation gives a certificate: a TCP load balancer passes the bytes as they come, so the
    requests cross the network in plaintext. Unknown otherwise (443, another port, an ssl annotation)."""
    ports = o.get("spec", "ports")
    if not isinstance(ports, list) or not ports or not all(isinstance(p, dict) for p in ports):
        return None
    if isinstance(annotations, dict) and any(w in str(k).lower() for k in annotations for w in ("ssl", "tls", "cert")):
        return None
    if not all(p.get("port") == 80 or str(p.get("name", "")).lower() == "http" for p in ports):
        return None
    said = ", ".join(f"{p.get('port')}" + (f" ({p['name']})" if p.get("name") else "") for p in ports)
    return False, o.loc("spec", "ports"), (f"Service {o.name} serves port {said}, plain HTTP by its number or "
                                           "name, with no certificate annotation: the load balancer passes "
                                           "plaintext through")


def _ingresses(objs: Sequence[_Obj], svc_targets: Mapping[tuple[str, str], list[_Workload]]) -> None:
    """Ingresses: the exposure (and routes) of the workloads behind their backend Services."""
    for o in objs:
        if o.kind != "Ingress":
            continue
        annotations = o.get("metadata", "annotations") or {}
        cls = str(o.get("spec", "ingressClassName") or (annotations.get("kubernetes.io/ingress.class") if isinstance(
            annotations, dict) else "") or "")
        exp = "internal" if "internal" in cls.lower() or "private" in cls.lower() else "public"
        why = f"Ingress {o.name}" + (f" (class {cls})" if cls else "")
        # a rewrite, a prefix strip or a configuration snippet can send a path to another one of the backend's
        scoped = not (isinstance(annotations, dict) and any(
            w in str(k).lower() for k in annotations for w in ("rewrite", "strip", "snippet")))
        tls = _ingress_tls(o, annotations if isinstance(annotations, dict) else {})
        for backend, where, route, exact, route_at in _ingress_backends(o):
            for w in svc_targets.get((o.namespace, backend), []):
                w.exposure.append(Entry(w.name, exp, where, why, route, exact, route_at=route_at,
                                        scoped=scoped and route is not None, tls=tls))


_TLS_ELSEWHERE = ("certificate-arn", "ssl-cert", "managed-certificates", "pre-shared-cert")
"""Ingress annotation keys (by their end) that say TLS is set up outside ``spec.tls``: a cloud load balancer's
certificate (AWS ``alb.ingress.kubernetes.io/certificate-arn``, GKE ``networking.gke.io/managed-certificates`` or
``ingress.gcp.kubernetes.io/pre-shared-cert``)."""


def _ingress_tls(o: _Obj, annotations: Mapping[str, Any]) -> tuple[bool, Location, str] | None:
    """Whether an Ingress's requests come in with TLS: true when its ``spec.tls`` names a certificate (an ingress
    controller then redirects plain HTTP to HTTPS unless an annotation says not to), false when it has none and no
    annotation says TLS is set up elsewhere (its hosts are served over plain HTTP), else unknown."""
    keys = {str(k).lower(): str(v).strip().lower() for k, v in annotations.items()}
    if any(k.endswith(end) for k in keys for end in _TLS_ELSEWHERE):
        return None
    no_redirect = next((str(k) for k, v in annotations.items() if str(k).lower().endswith(
        ("/ssl-redirect", "/force-ssl-redirect")) and str(v).strip().lower() == "false"), None)
    if o.get("spec", "tls"):
        if no_redirect is not None:
            return None  # HTTPS offered, plain HTTP still served beside it
        return True, o.loc("spec", "tls"), f"Ingress {o.name} terminates TLS (spec.tls)"
    if any(k.endswith(("/ssl-redirect", "/force-ssl-redirect")) and v == "true" for k, v in keys.items()):
        return None  # redirected to an HTTPS it does not configure here
    why = f"Ingress {o.name} has no spec.tls: its hosts are served over plain HTTP"
    return False, o.loc("metadata", "annotations", no_redirect) if no_redirect else o.loc("spec"), (
        why + (f" ({no_redirect}: false)" if no_redirect else ""))


def _mesh_entries(objs: Sequence[_Obj], workloads: Sequence[_Workload],
                  svc_targets: Mapping[tuple[str, str], list[_Workload]], body: Body) -> tuple[istio.Mesh, list[Entry]]:
    """Istio: what ingress Gateways publish (added to the workloads' exposure), and the mesh, which says what
    it does to calls once they are known."""
    external_names = {(o.namespace, o.name): safe_name(o.name) for o in objs
                      if o.kind == "Service" and o.get("spec", "type") == "ExternalName"}

    def resolve(host: str, namespace: str) -> list[str]:
        svc = istio.service_of(host, namespace)
        if svc is not None:
            return sorted(w.name for w in svc_targets.get(svc, [])) or (
                [external_names[svc]] if svc in external_names else [])
        name = safe_name(host.lower().rstrip("."))
        return [name] if body.has("externals", name) else []

    by_name = {w.name: w for w in workloads}
    mesh = istio.Mesh(objs, resolve, {w.name: istio.Workload(w.name, w.obj.namespace, w.labels) for w in workloads},
                      body)
    entries = mesh.entries()
    for entry in entries:
        if (entry.via or entry.target) in by_name:  # not an ExternalName Service
            by_name[entry.via or entry.target].exposure.append(entry)
    return mesh, entries


def _record_workloads(objs: Sequence[_Obj], workloads: Sequence[_Workload], body: Body) -> None:
    """Each workload's facts (with its autoscaler, disruption budgets and network policies), and its secrets."""
    hpas = {(o.namespace, str(o.get("spec", "scaleTargetRef", "name"))): o for o in objs
            if o.kind == "HorizontalPodAutoscaler"}
    pdbs = [o for o in objs if o.kind == "PodDisruptionBudget"]
    netpols = [o for o in objs if o.kind == "NetworkPolicy"]
    secrets_at: Location | None = None
    committed = {(o.namespace, o.name): o.loc("data" if o.get("data") else "stringData") for o in objs
                 if o.kind == "Secret" and (o.get("data") or o.get("stringData"))}
    for w in sorted(workloads, key=lambda w: w.name):
        at = _one(body, w, hpas.get((w.obj.namespace, w.obj.name)), pdbs, netpols)
        if w.called_as:
            body.note("services" if body.get("services", w.name) is not None else "datastores", w.name,
                      f"named after the Service that alone selects {w.obj.kind} {w.obj.name}: the name its "
                      "clients call")
        infra.record_datastore_auth(body, w.name, w.auth, w.obj.loc())
        infra.record_literal_secrets(body, w.name, w.rec, w.secrets + _committed_secrets(w.obj, committed))
        secrets_at = secrets_at or at
    if secrets_at is not None:
        body.set("security", "security", "secrets_management", "k8s_secrets", secrets_at)


def _record_calls(path: str, workloads: Sequence[_Workload], mentions: Mapping[str, list[Mention]],
                  hosts: dict[str, str], entries: Sequence[Entry], body: Body) -> None:
    """The calls the configuration's host names imply, and the ingress gateway's routes."""
    edges = infra.infer_edges(mentions, hosts, {w.name: (w.rec.protocol if w.rec else None) for w in workloads},
                              _named_protocols(workloads))
    kinds = {w.name: w.rec for w in workloads}
    infra.apply_timeout_variables(edges, mentions, kinds)
    body.environment = infra.environment(mentions, kinds)
    for e in edges:
        src = kinds.get(e.source)
        if src is not None and src.role == "datastore":
            continue
        if e.external:
            body.fact("externals", {"name": e.target}, e.location or Location(path))
            body.note("externals", e.target, "inferred from a URL in the configuration: confirm it is a third party")
        data = infra.edge_fact(e, kinds.get(e.target), src)
        ident = body.fact("interactions", data, e.location or Location(path))
        if e.protocol_why is not None and data.get("protocol") == e.protocol:
            body.note("interactions", ident, f"protocol {e.protocol}: {e.protocol_why}")
        infra.record_edge_timeout(body, data, e)
        infra.record_edge_tls(body, data, e)
        if e.external and e.keys:
            body.external_from[ident] = tuple(sorted({k for k, _w in e.keys}))
        whole = infra.given_whole(e, mentions.get(e.source, ())) if kinds.get(e.target) is None else None
        if whole is not None and not e.external:
            body.given_whole[ident] = whole
        named = infra.given_set(e, data, kinds.get(e.target))
        if named is not None:
            body.given_set[ident] = named
    for entry in entries:
        edge = {"from": entry.via, "to": entry.target}
        if entry.via is not None and not body.has("interactions", identity("interaction", edge)):
            ident = body.fact("interactions", {"from": entry.via, "to": entry.target, "style": "sync",
                                               "inferred_from": f"{entry.why} ({entry.at}) routes requests from "
                                                                f"{entry.via} to {entry.target}"}, entry.at)
            body.note("interactions", ident, "a route of the ingress gateway")


_INIT_DIR = "/docker-entrypoint-initdb.d"
"""Where the official database images look for the scripts they run on their first start."""


def _init_scripts(o: _Obj, configmaps: Mapping[tuple[str, str], _Obj]) -> list[tuple[str, Location]]:
    """The scripts a workload's ConfigMap volumes mount under the database images' init directory, with where each
    is written (the ConfigMap's data key)."""
    pod: Path = ("spec", "template", "spec")
    volumes = {str(v.get("name")): v["configMap"] for v in o.get(*pod, "volumes") or []
               if isinstance(v, dict) and isinstance(v.get("configMap"), dict)}
    out: list[tuple[str, Location]] = []
    for c in o.get(*pod, "containers") or []:
        for m in (c.get("volumeMounts") or []) if isinstance(c, dict) else []:
            path = str(m.get("mountPath", "")).rstrip("/") if isinstance(m, dict) else ""
            ref = volumes.get(str(m.get("name"))) if isinstance(m, dict) else None
            if ref is None or not (path == _INIT_DIR or path.startswith(_INIT_DIR + "/")):
                continue
            cm = configmaps.get((o.namespace, str(ref.get("name"))))
            data = cm.get("data") if cm is not None else None
            if cm is None or not isinstance(data, dict):
                continue
            items = ref.get("items")
            keys = [str(i.get("key")) for i in items if isinstance(i, dict)] if isinstance(items, list) else list(data)
            out.extend((data[k], cm.loc("data", k)) for k in keys if isinstance(data.get(k), str))
    return out


def _seeded_password_hashing(objs: Sequence[_Obj], workloads: Sequence[_Workload], body: Body) -> None:
    """A datastore seeded with user accounts (``seed_passwords``): the form of their passwords is the hashing of the
    one service whose configuration reaches the store (with several, which of them keeps the accounts is unsaid)."""
    configmaps = {(o.namespace, o.name): o for o in objs if o.kind == "ConfigMap"}
    for w in workloads:
        if w.rec is None or w.rec.role != "datastore":
            continue
        seeds = [(h, at) for text, at in _init_scripts(w.obj, configmaps)
                 if (h := seed_passwords.seeded_hashing(text)) is not None]
        if not seeds:
            continue
        hashing, at = min(seeds, key=lambda s: seed_passwords.rank(s[0].algorithm))
        callers = sorted({str(d.get("from")) for d in body.items.get("interactions", {}).values()
                          if d.get("to") == w.name and body.has("services", str(d.get("from")))})
        if len(callers) != 1:
            body.remark(at, f"{w.name} is seeded with accounts whose passwords are stored as {hashing.shown}, but "
                            f"{len(callers)} services reach it: which one keeps them is not said")
            continue
        body.set("services", callers[0], "password_hashing", hashing.algorithm, at)
        body.note("services", callers[0], f"password_hashing {hashing.algorithm}: the accounts {w.name} is seeded "
                                          f"with ({at}, line {hashing.line} of the script) store their passwords as "
                                          f"{hashing.shown}, and {callers[0]} is the one service that reaches it")


_SPAN_ADDRESS = re.compile(r"JAEGER_AGENT_HOST|JAEGER_ENDPOINT|OTEL_EXPORTER_OTLP(?:_TRACES)?_ENDPOINT|"
                           r"OTEL_EXPORTER_JAEGER_(?:AGENT_HOST|ENDPOINT)|OTEL_EXPORTER_ZIPKIN_ENDPOINT|"
                           r"SPRING_ZIPKIN_BASE_?URL|MANAGEMENT_ZIPKIN_TRACING_ENDPOINT")
"""Variables that tell a tracing client (Jaeger's, OpenTelemetry's, Spring's Zipkin) where to send its spans."""
_LOOPBACK = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?(?:localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)(?::\d+)?(?:/\S*)?",
                       re.IGNORECASE)


def _spans_sent_nowhere(workloads: Sequence[_Workload], mentions: Mapping[str, list[Mention]], body: Body) -> None:
    """``observability.tracing: none`` when the workloads trace but every one sends its spans to its own pod's
    loopback, where no container of the pod runs an agent or collector and nothing injects one (no annotation
    naming an injection): the clients are there, yet the deployment collects no trace."""
    senders: list[tuple[str, Mention]] = []
    for w in workloads:
        said = [m for m in mentions.get(w.name, ()) if _SPAN_ADDRESS.fullmatch(m.key)]
        if not said:
            continue
        pod: Path = ("spec", "template", "spec")
        images = [c.get("image") for c in [*(w.obj.get(*pod, "containers") or []),
                                            *(w.obj.get(*pod, "initContainers") or [])] if isinstance(c, dict)]
        notes = [w.obj.get("metadata", "annotations"), w.obj.get("spec", "template", "metadata", "annotations")]
        injected = any(isinstance(a, dict) and any("inject" in str(k).lower() for k in a) for a in notes)
        agent = any((r := infra.recognise(i if isinstance(i, str) else None, [], [], "")) is not None and
                    r.role == "observability" for i in images)
        if injected or agent or not all(_LOOPBACK.fullmatch(m.text.strip()) for m in said):
            return
        senders.extend((w.name, m) for m in said)
    if not senders:
        return
    name, first = senders[0]
    body.set("observability", "observability", "tracing", "none", first.location)
    body.note("observability", "observability",
              f"tracing none: every workload that traces sends its spans to its own pod's loopback ({first.key} of "
              f"{name} and {len({n for n, _m in senders}) - 1} other workloads), where no container of the pod "
              f"runs an agent or a collector: the deployment collects no trace")


def _ingress_backends(o: _Obj) -> list[tuple[str, Location, str | None, bool, Location | None]]:
    """(Service, where, path, exact, where the path is) of each backend of an Ingress; a default backend
    takes every path (None)."""
    out: list[tuple[str, Location, str | None, bool, Location | None]] = []
    for key in ("defaultBackend", "backend"):
        name = o.get("spec", key, "service", "name") or o.get("spec", key, "serviceName")
        if isinstance(name, str):
            out.append((name, o.loc("spec", key), None, False, None))
    for i, rule in enumerate(o.get("spec", "rules") or []):
        paths = rule.get("http", {}).get("paths") if isinstance(rule, dict) and isinstance(rule.get("http"), dict) \
            else None
        for j, p in enumerate(paths or []):
            if not isinstance(p, dict) or not isinstance(p.get("backend"), dict):
                continue
            b = p["backend"]
            name = b.get("service", {}).get("name") if isinstance(b.get("service"), dict) else b.get("serviceName")
            if isinstance(name, str):
                at: Path = ("spec", "rules", i, "http", "paths", j)
                path = p.get("path") if isinstance(p.get("path"), str) else "/"
                out.append((name, o.loc(*at, "backend"), path, p.get("pathType") == "Exact",
                            o.loc(*at, "path") if "path" in p else o.loc(*at)))
    return out


def _env(o: _Obj, containers: list[dict[str, Any]], configmaps: dict[tuple[str, str], _Obj],
         name: str) -> tuple[list[str], list[Mention]]:
    """Environment variable names and the mentions (values, commands) of a workload's containers."""
    keys: list[str] = []
    out: list[Mention] = []
    base: Path = ("spec", "template", "spec", "containers")
    for ci, c in enumerate(o.get(*base) or []):
        if not isinstance(c, dict):
            continue
        for ei, e in enumerate(c.get("env") or []):
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                continue
            keys.append(e["name"])
            if isinstance(e.get("value"), str):
                out.append(Mention(e["value"], e["name"], f"env of {name}", o.loc(*base, ci, "env", ei)))
            ref = e.get("valueFrom", {}).get("configMapKeyRef") if isinstance(e.get("valueFrom"), dict) else None
            if isinstance(ref, dict):
                cm = configmaps.get((o.namespace, str(ref.get("name"))))
                value = cm.get("data", str(ref.get("key"))) if cm else None
                if cm and isinstance(value, str):
                    out.append(Mention(value, e["name"], f"ConfigMap {cm.name} for {name}",
                                       cm.loc("data", str(ref.get("key")))))
        for src in c.get("envFrom") or []:
            ref = src.get("configMapRef") if isinstance(src, dict) else None
            cm = configmaps.get((o.namespace, str(ref.get("name")))) if isinstance(ref, dict) else None
            if cm is None or not isinstance(cm.get("data"), dict):
                continue
            for k, v in cm.get("data").items():
                keys.append(str(k))
                if isinstance(v, str):
                    out.append(Mention(v, str(k), f"ConfigMap {cm.name} for {name}", cm.loc("data", k),
                                       f"ConfigMap {cm.name}"))
        for ckey in ("command", "args"):
            cmd = c.get(ckey)
            if isinstance(cmd, list) and cmd:
                out.append(Mention(" ".join(str(x) for x in cmd), "command", f"{ckey} of {name}",
                                   o.loc(*base, ci, ckey)))
    return keys, out


def _committed_secrets(o: _Obj, committed: dict[tuple[str, str], Location]) -> list[tuple[str, Location]]:
    """The Secrets a workload reads whose values are written in the manifests given (``data`` or
    ``stringData``): base64 is an encoding, so the credentials are in the repository."""
    pod: Path = ("spec", "template", "spec")
    names: set[str] = set()
    for v in o.get(*pod, "volumes") or []:
        if isinstance(v, dict) and isinstance(v.get("secret"), dict):
            names.add(str(v["secret"].get("secretName", "")))
    for c in o.get(*pod, "containers") or []:
        if not isinstance(c, dict):
            continue
        for e in c.get("env") or []:
            ref = e.get("valueFrom", {}).get("secretKeyRef") if isinstance(e, dict) and isinstance(
                e.get("valueFrom"), dict) else None
            if isinstance(ref, dict):
                names.add(str(ref.get("name", "")))
        for e in c.get("envFrom") or []:
            if isinstance(e, dict) and isinstance(e.get("secretRef"), dict):
                names.add(str(e["secretRef"].get("name", "")))
    return [(f"Secret {n} (its values are in the manifests)", committed[(o.namespace, n)]) for n in sorted(names)
            if (o.namespace, n) in committed]


def _uses_secrets(o: _Obj) -> Location | None:
    pod: Path = ("spec", "template", "spec")
    for vi, v in enumerate(o.get(*pod, "volumes") or []):
        if isinstance(v, dict) and "secret" in v:
            return o.loc(*pod, "volumes", vi)
    for ci, c in enumerate(o.get(*pod, "containers") or []):
        if not isinstance(c, dict):
            continue
        for ei, e in enumerate(c.get("env") or []):
            if isinstance(e, dict) and isinstance(e.get("valueFrom"), dict) and "secretKeyRef" in e["valueFrom"]:
                return o.loc(*pod, "containers", ci, "env", ei)
        for ei, e in enumerate(c.get("envFrom") or []):
            if isinstance(e, dict) and "secretRef" in e:
                return o.loc(*pod, "containers", ci, "envFrom", ei)
    return None


def _record_image(body: Body, w: _Workload, image: str, at: Location) -> None:
    """A service workload's image, whether it names one build, and what it runs (``Body.builds``: the project's own
    code, so that a web process and its worker of one image are one application)."""
    body.set("services", w.name, "image", image[:200], at)
    if w.rec is None:
        body.builds[w.name] = (f"image {image}", f"image {image}", infra.image_base(image), at)
    if w.built is None:
        infra.record_image_pinning(body, w.name, image, at, application=w.rec is None)
    else:
        _record_built(body, w.name, w.built, at)


def _one(body: Body, w: _Workload, hpa: _Obj | None, pdbs: list[_Obj], netpols: list[_Obj]) -> Location | None:
    """Record one workload, as a datastore or a service; returns where it reads a Secret, if it does."""
    o = w.obj
    at = o.loc()
    pod: Path = ("spec", "template", "spec")
    containers = [c for c in (o.get(*pod, "containers") or []) if isinstance(c, dict)]
    # replicas: the autoscaler's floor (it scales the workload between its bounds, whatever the workload
    # states: its minReplicas defaults to one), else as stated, else the default of one (a DaemonSet: one per node)
    replicas: tuple[int, Location] | None = None
    if hpa is not None:
        floor = hpa.get("spec", "minReplicas")
        stated = isinstance(floor, int) and not isinstance(floor, bool)
        replicas = (floor, hpa.loc("spec", "minReplicas")) if stated else (1, hpa.loc("spec"))
    elif isinstance(o.get("spec", "replicas"), int):
        replicas = (o.get("spec", "replicas"), o.loc("spec", "replicas"))
    elif o.kind != "DaemonSet":
        replicas = (1, at)
    durable, ephemeral, misplaced = _storage(o, containers, w.rec is not None and w.rec.role in ("datastore", "broker"))
    secrets = _uses_secrets(o)
    if w.rec is not None and w.rec.role == "datastore":
        _record_datastore(body, w, w.rec, replicas, durable, ephemeral, misplaced,
                          next((c["image"] for c in containers if isinstance(c.get("image"), str)), None))
        return secrets
    section = "services"
    body.fact(section, {"name": w.name}, at)
    _record_owner(body, w)
    images = [c.get("image") for c in containers if isinstance(c.get("image"), str)]
    if images:
        _record_image(body, w, str(images[0]), o.loc(*pod, "containers"))
    infra.record_operator_tool(body, w.name, str(images[0]) if images else None,
                               o.loc(*pod, "containers") if images else at)
    if w.rec is not None and w.rec.role == "broker":
        body.set(section, w.name, "tags", ["broker"], at)
        body.set(section, w.name, "description", f"message broker ({w.rec.engine})", at)
        if durable is None:  # Kubernetes ignores an image's VOLUME: the store is the container's own filesystem
            body.volatile_brokers[w.name] = (ephemeral or at, f"{o.kind} ({at.file}:{at.line}) " + (
                f"whose {misplaced.removeprefix('its ')}" if misplaced else "with no persistent volume") +
                ": its messages are lost when the pod restarts")
    elif w.rec is not None and w.rec.role == "coordinator":  # ZooKeeper: its clients speak its own protocol
        body.set(section, w.name, "tags", ["coordinator"], at)
        body.note(section, w.name, f"tags coordinator: a coordination service by its {w.rec.why}")
    elif w.rec is not None and w.rec.role == "proxy":
        body.set(section, w.name, "kind", "gateway", o.loc(*pod, "containers"))
        body.note(section, w.name, f"kind gateway: a reverse proxy by its {w.rec.why}")
    elif w.rec is not None and w.rec.role == "registry":
        infra.record_registry(body, w.name, w.registry_auth, o.loc(*pod, "containers"), w.rec.why)
    elif w.rec is not None and w.rec.role == "cdc":
        infra.record_cdc(body, w.name, o.loc(*pod, "containers"), w.rec.why)
    _record_task_runner(body, w, containers)
    if replicas:
        body.set(section, w.name, "replicas", replicas[0], replicas[1])
    _record_probes(body, w)
    limited = bool(containers) and all(isinstance(c.get("resources"), dict) and isinstance(
        c["resources"].get("limits"), dict) and ({"cpu", "memory"} & set(c["resources"]["limits"])) for c in containers)
    body.set(section, w.name, "resource_limits", limited, o.loc(*pod, "containers"))
    if o.kind == "StatefulSet" or durable is not None:
        body.set(section, w.name, "stateful", True, durable or at)
    _record_exposure(body, w)
    _record_operations(body, w, hpa, pdbs, netpols)
    return secrets


def _built_here(w: _Workload, built: Mapping[str, skaffold.Artifact]) -> skaffold.Artifact | None:
    """The Skaffold artifact a workload's first image names as a bare placeholder (no tag, no digest)."""
    images = [str(c["image"]) for c in (w.obj.get("spec", "template", "spec", "containers") or [])
              if isinstance(c, dict) and isinstance(c.get("image"), str)]
    bare = skaffold.bare_name(images[0]) if images else None
    return built.get(bare) if bare else None


def _record_built(body: Body, service: str, built: skaffold.Artifact, at: Location) -> None:
    """A service whose image the repository builds with Skaffold: released as Skaffold tags it, not as ``latest``."""
    body.fact("deployments", {"service": service}, at)
    if built.immutable is not None:
        body.set("deployments", service, "immutable_artifacts", built.immutable[0], built.immutable[1])
        body.note("deployments", service, f"immutable_artifacts {str(built.immutable[0]).lower()}: image "
                                          f"{built.image} is a Skaffold artifact ({built.at}): {built.immutable[2]}")
    else:
        body.note("deployments", service, f"image {built.image} is a Skaffold artifact ({built.at}), tagged as its "
                                          "tag policy says: immutable_artifacts unknown")


def _storage(o: _Obj, containers: Sequence[dict[str, Any]], server: bool = False
             ) -> tuple[Location | None, Location | None, str | None]:
    """Where a mounted volume holds data durably, where one holds it only for the pod's life, and, for the
    container of a ``server`` (a datastore or a broker) whose image keeps its data in a directory the catalogue
    knows, why a persistent volume mounted away from it keeps none of its data (``infra.off_data_dir``; its mount is
    then where the data is lost)."""
    pod: Path = ("spec", "template", "spec")
    volumes = {str(v.get("name")): (vi, v) for vi, v in enumerate(o.get(*pod, "volumes") or []) if isinstance(v, dict)}
    claims = {str(t.get("metadata", {}).get("name")): ti for ti, t in enumerate(
        o.get("spec", "volumeClaimTemplates") or []) if isinstance(t, dict) and isinstance(t.get("metadata"), dict)}
    durable: Location | None = None
    ephemeral: Location | None = None
    misplaced: str | None = None
    for ci, c in enumerate(containers):
        texts = [str(x) for x in [*(c.get("command") or []), *(c.get("args") or [])]] + [
            str(e.get("value")) for e in c.get("env") or [] if isinstance(e, dict) and e.get("value") is not None]
        for mi, m in enumerate(c.get("volumeMounts") or []):
            if not isinstance(m, dict):
                continue
            vname = str(m.get("name"))
            kept: Location | None = None
            if vname in claims:
                kept = o.loc("spec", "volumeClaimTemplates", claims[vname])
            elif vname in volumes:
                vi, v = volumes[vname]
                if any(k in v for k in _DURABLE_VOLUMES):
                    kept = o.loc(*pod, "volumes", vi)
                elif not any(k in v for k in _NOT_DATA):
                    ephemeral = ephemeral or o.loc(*pod, "volumes", vi)
            image = c.get("image") if isinstance(c.get("image"), str) else None
            off = infra.off_data_dir(image, str(m.get("mountPath", "")), texts) if server and kept else None
            if off is not None:
                misplaced = misplaced or off
                ephemeral = ephemeral or o.loc(*pod, "containers", ci, "volumeMounts", mi)
            elif kept is not None:
                durable = durable or kept
    return durable, ephemeral, misplaced if durable is None else None


def _record_probes(body: Body, w: _Workload) -> None:
    """``health.liveness`` and ``health.readiness``: whether a container of the pod states that probe."""
    o = w.obj
    pod: Path = ("spec", "template", "spec")
    for probe, fld in (("livenessProbe", "liveness"), ("readinessProbe", "readiness")):
        where = next((o.loc(*pod, "containers", ci, probe) for ci, c in enumerate(o.get(*pod, "containers") or [])
                      if isinstance(c, dict) and probe in c), None)
        body.set("services", w.name, f"health.{fld}", where is not None, where or o.loc(*pod, "containers"))


def _record_task_runner(body: Body, w: _Workload, containers: Sequence[dict[str, Any]]) -> None:
    """A workload (no datastore, broker, proxy or other server the catalogue knows) whose first container's
    ``command`` and ``args`` run a task queue's worker or scheduler (Celery, RQ, Sidekiq...) serves no request: a
    worker, as in compose (``infra.record_task_runner``); one whose command line ends in a schema migration or a
    set-up step is a one-shot job (``infra.record_one_shot``)."""
    if not containers or w.rec is not None:
        return
    pod: Path = ("spec", "template", "spec", "containers", 0)
    c = containers[0]
    parts = [(k, c[k]) for k in ("command", "args") if isinstance(c.get(k), list)]
    text = " ".join(str(x) for _k, v in parts for x in v)
    if parts and not infra.record_task_runner(body, w.name, "command line", text, w.obj.loc(*pod, parts[0][0])):
        infra.record_one_shot(body, w.name, "command line", text, w.obj.loc(*pod, parts[0][0]))


def _record_datastore(body: Body, w: _Workload, rec: Recognised, replicas: tuple[int, Location] | None,
                      durable: Location | None, ephemeral: Location | None, misplaced: str | None = None,
                      image: str | None = None) -> None:
    """A workload recognised (``rec``) as a datastore: its engine, image (its first container's), nodes and
    storage."""
    o, at, section = w.obj, w.obj.loc(), "datastores"
    body.fact(section, {"name": w.name}, at)
    image_at = o.loc("spec", "template", "spec", "containers")
    if rec.engine:
        body.set(section, w.name, "engine", rec.engine, image_at)
    else:
        body.note(section, w.name, "recognised as a datastore by its name; state its engine and kind")
    if rec.kind:
        body.set(section, w.name, "kind", rec.kind, image_at)
    if image is not None:  # a built image's (skaffold's) tag is the build tool's
        infra.record_datastore_image(body, w.name, image, image_at, built=w.built is not None)
    if replicas:
        infra.record_datastore_nodes(body, w.name, replicas[0], replicas[1], "pod")
    body.set(section, w.name, "durable_storage", durable is not None, durable or ephemeral or at)
    if durable is None:
        body.note(section, w.name, f"durable_storage false: {misplaced}, lost when the pod is rescheduled" if misplaced
                  else "durable_storage false: its data lives in emptyDir, hostPath or the container filesystem, "
                       "lost when the pod is rescheduled")
    # a LoadBalancer Service not annotated internal gives the datastore an address outside the cluster; a NodePort
    # (or a host port) opens its wire protocol on every node's address, as a compose port published on the host does
    direct = [e for e in w.exposure if e.path is None and e.via is None]
    public = next((e for want in ("public", "host") for e in direct if e.exposure == want), None)
    if public is not None:
        body.set(section, w.name, "public_access", True, public.at)
        body.note(section, w.name, f"public_access true: {public.why} reaches it from outside the cluster")


def _record_exposure(body: Body, w: _Workload) -> None:
    """A service's widest exposure, and an endpoint per entry at that exposure."""
    section, at = "services", w.obj.loc()
    widest = ("public", "host", "internal")
    exps = sorted(w.exposure, key=lambda e: (widest.index(e.exposure) if e.exposure in widest else len(widest),
                                             str(e.at)))
    if exps:
        body.set(section, w.name, "exposure", exps[0].exposure, exps[0].at)
        body.note(section, w.name, f"exposure {exps[0].exposure} from {exps[0].why}")
        widest_entries = [e for e in exps if e.exposure == exps[0].exposure and e.exposure != "internal"]
        whole = [e for e in widest_entries if e.path is None and e.via is None]
        if whole and w.rec is not None and w.rec.role == "cdc":
            # a change-data-capture relay serves no request: what its port answers is its own health and metrics
            body.note(section, w.name, f"no entry endpoint: {whole[0].why} publishes the port of a change-data-"
                                       "capture relay, which serves no request (only its health and metrics)")
        elif whole:
            # several ways in to the whole service (a LoadBalancer, a mesh gateway) are one entry endpoint:
            # it keeps what each states of TLS, the strictest first (one plaintext way in is enough)
            entry_endpoint(body, w.name, whole[0].at, whole[0].why, strictest_tls(e.tls for e in whole))
        if widest_entries and all(e.scoped and e.via is None for e in widest_entries):
            body.routed_paths[w.name] = (tuple(sorted({str(e.path) for e in widest_entries})),
                                         "; ".join(sorted({e.why for e in widest_entries})))
        for e in widest_entries:
            if e.path is not None or e.via is not None:
                route_endpoint(body, w.name, e.path or "/", e.route_at or e.at, e.why, exact=e.exact,
                               routes_to=e.target if e.via else None, tls=e.tls)
        if exps[0].exposure != "internal" and infra.catalog().console_names.fullmatch(w.name):
            console_entry(body, w.name, exps[0].at, infra.OPERATOR_TOOL.format(name=w.name))
    else:
        body.set(section, w.name, "exposure", "internal", at)


_OWNER_LABELS = ("team", "owner")
"""Labels that name the team owning a workload (bank-of-anthos: ``team: ledger``); ``app.kubernetes.io/part-of``
names the application, not a team, and is not read."""


def _record_owner(body: Body, w: _Workload) -> None:
    """The service's owning team, from a ``team`` or ``owner`` label of the workload, else of its pods."""
    o = w.obj
    for path in (("metadata", "labels"), ("spec", "template", "metadata", "labels")):
        labels = o.get(*path)
        if not isinstance(labels, dict):
            continue
        for key in _OWNER_LABELS:
            value = labels.get(key)
            if isinstance(value, str) and value.strip():
                body.set("services", w.name, "owner", safe_name(value), o.loc(*path, key))
                body.note("services", w.name, f"owner {safe_name(value)}: the workload's '{key}' label")
                return


def _record_operations(body: Body, w: _Workload, hpa: _Obj | None, pdbs: list[_Obj], netpols: list[_Obj]) -> None:
    """A service's autoscaling, disruption budget, network policy and deployment strategy."""
    o, at, section = w.obj, w.obj.loc(), "services"
    if hpa is not None:
        body.set(section, w.name, "autoscaling.enabled", True, hpa.loc())
        if isinstance(hpa.get("spec", "minReplicas"), int):
            body.set(section, w.name, "autoscaling.min_replicas", hpa.get("spec", "minReplicas"),
                     hpa.loc("spec", "minReplicas"))
        if isinstance(hpa.get("spec", "maxReplicas"), int):
            body.set(section, w.name, "autoscaling.max_replicas", hpa.get("spec", "maxReplicas"),
                     hpa.loc("spec", "maxReplicas"))
        metric = _hpa_metric(hpa)
        if metric:
            body.set(section, w.name, "autoscaling.metric", metric[0], metric[1])
    for pdb in pdbs:
        if pdb.namespace == o.namespace and _matches(pdb.get("spec", "selector"), w.labels):
            body.set(section, w.name, "disruption_budget", True, pdb.loc())
    for np in netpols:
        if np.namespace == o.namespace and _matches(np.get("spec", "podSelector") or {}, w.labels):
            body.set(section, w.name, "network_policy", True, np.loc())
    if o.kind == "Deployment":
        strategy = str(o.get("spec", "strategy", "type") or "RollingUpdate")
        where = o.loc("spec", "strategy") if o.get("spec", "strategy") else at
        body.fact("deployments", {"service": w.name}, where)
        body.set("deployments", w.name, "strategy", "recreate" if strategy == "Recreate" else "rolling", where)


def _hpa_metric(hpa: _Obj) -> tuple[str, Location] | None:
    if hpa.get("spec", "targetCPUUtilizationPercentage") is not None:
        return "cpu", hpa.loc("spec", "targetCPUUtilizationPercentage")
    metrics = hpa.get("spec", "metrics")
    if isinstance(metrics, list) and metrics and isinstance(metrics[0], dict):
        m = metrics[0]
        if m.get("type") == "Resource" and isinstance(m.get("resource"), dict):
            name = str(m["resource"].get("name"))
            return ("cpu" if name == "cpu" else "memory" if name == "memory" else "custom"), hpa.loc(
                "spec", "metrics", 0)
        return "custom", hpa.loc("spec", "metrics", 0)
    return None
