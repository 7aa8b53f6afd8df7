"""Section 1's data flow: for each classification of data, who stores it, who processes it, and which
third parties it is sent to; and the places where it leaves the system unprotected.

Read from the design as stated, and from the accesses enrichment derives:

- **stores**: the datastores whose ``classification`` it is, and the channels whose
  ``carries_classification`` it is;
- **processes**: the services that read or write those datastores (declared ``readers``/``writers``,
  or calls into them), produce to or consume from those channels, or serve endpoints whose
  ``data_classification`` it is;
- **sent to**: the externals those services call.

Listed as **crossings** (the data leaves the system's trust boundary):

- an endpoint exposed beyond the system (``public``, ``partner`` or ``host``) that serves the data with
  ``tls: false`` (or TLS not stated);
- a call from a service that processes the data to an external with ``tls: false`` (or not stated);
- a call from such a service to an external with no stated ``data_agreement`` (a data processing
  agreement, BAA or PCI attestation that covers it).

A service that processes several classifications sends each of them, as far as the design says: a call
names no payload, so the table says *may send*. Only the classifications above ``internal`` count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.model.design import Fact

SENSITIVE = ("phi", "pci", "pii", "restricted", "confidential")
"""Most sensitive first: the order of the table."""
OUTSIDE = frozenset({"public", "partner", "host"})


@dataclass(frozen=True)
class DataFlowRow:
    """One classification: where it is kept, handled and sent."""

    classification: str
    stores: tuple[str, ...]
    processes: tuple[str, ...]
    sent_to: tuple[str, ...]


@dataclass(frozen=True)
class Crossing:
    """Classified data leaving the system without a stated protection."""

    subject: str
    classification: str
    problem: str


@dataclass(frozen=True)
class DataFlow:
    """Section 1's data-flow table and its crossings."""

    rows: tuple[DataFlowRow, ...]
    crossings: tuple[Crossing, ...]


def data_flow(facts: Iterable[Fact]) -> DataFlow:
    """The data flow of an enriched design."""
    by_kind: dict[str, list[Fact]] = {}
    for f in facts:
        by_kind.setdefault(f.kind, []).append(f)
    kind_of = {f.name: f.kind for k in ("service", "datastore", "channel", "external") for f in by_kind.get(k, [])}
    externals = {f.name: f for f in by_kind.get("external", [])}
    stores: dict[str, set[str]] = {c: set() for c in SENSITIVE}
    processes: dict[str, set[str]] = {c: set() for c in SENSITIVE}
    for ds in by_kind.get("datastore", []):
        c = ds.data.get("classification")
        if c in stores:
            stores[c].add(ds.name)
    for ch in by_kind.get("channel", []):
        c = ch.data.get("carries_classification")
        if c in stores:
            stores[c].add(ch.name)
    held = {name: c for c, names in stores.items() for name in names}
    for acc in by_kind.get("access", []):
        c = held.get(str(acc.data.get("datastore")))
        if c is not None:
            processes[c].add(str(acc.data["service"]))
    for i in by_kind.get("interaction", []):  # publishing to a channel that carries the data
        c = held.get(str(i.data["to"]))
        if c is not None and kind_of.get(str(i.data["to"])) == "channel":
            processes[c].add(str(i.data["from"]))
    for kind in ("producer", "consumer"):
        for pc in by_kind.get(kind, []):
            c = held.get(str(pc.data.get("channel")))
            if c is not None:
                processes[c].add(str(pc.data.get("service")))
    endpoints = sorted(by_kind.get("endpoint", []), key=lambda f: f.key)
    for ep in endpoints:
        c = ep.data.get("data_classification")
        if c in processes:
            processes[c].add(str(ep.data["served_by"]))
    # Every call, in order, only when a service processes sensitive data: the calls matter only from one (a design
    # that classifies nothing had them sorted and walked once per classification, 15,000 at 5,000 services).
    calls: list[tuple[str, str, Fact]] = []
    if any(processes.values()):
        calls = sorted(((str(i.data["from"]), str(i.data["to"]), i) for i in by_kind.get("interaction", [])),
                       key=lambda t: (t[0], t[1], t[2].key))
    rows: list[DataFlowRow] = []
    crossings: list[Crossing] = []
    for c in SENSITIVE:
        procs = processes[c]
        from_procs = calls if procs else []
        sent = sorted({dst for src, dst, _i in from_procs if src in procs and kind_of.get(dst) == "external"})
        if stores[c] or procs:
            rows.append(DataFlowRow(c, tuple(sorted(stores[c])), tuple(sorted(procs)), tuple(sent)))
        for ep in endpoints:
            if ep.data.get("data_classification") == c and ep.data.get("exposure") in OUTSIDE \
                    and ep.data.get("tls") is not True:
                crossings.append(Crossing(ep.key, c, f"served {ep.data['exposure']} " + (
                    "without TLS" if ep.data.get("tls") is False else "with TLS not stated")))
        for src, dst, i in from_procs:
            if src not in procs or dst not in externals:
                continue
            if i.data.get("tls") is not True:
                crossings.append(Crossing(i.key, c, f"may send it to the third party {dst} " + (
                    "without TLS" if i.data.get("tls") is False else "with TLS not stated")))
            agreement = externals[dst].data.get("data_agreement")
            if agreement is not True:
                crossings.append(Crossing(i.key, c, f"may send it to the third party {dst} " + (
                    "with no data processing agreement" if agreement is False else
                    "with no data processing agreement stated")))
    return DataFlow(tuple(rows), tuple(crossings))
