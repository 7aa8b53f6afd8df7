"""`import source`: a service whose code builds an OpenFeature flagd provider calls the flag daemon softly, with the
provider's documented default deadline (catalogue ``flag_clients``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.infra import catalog, parse_catalog
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

COMPOSE = """
    services:
      flags:
        image: ghcr.io/open-feature/flagd:v0.16.0
      prices:
        image: acme/prices
        environment:
          FLAGD_HOST: flags
      stock:
        image: acme/stock
        environment:
          FLAGD_HOST: flags
      notify:
        image: acme/notify
        environment:
          FLAGD_HOST: flags
      tuned:
        image: acme/tuned
        environment:
          FLAGD_HOST: flags
      fast:
        image: acme/fast
        environment:
          FLAGD_HOST: flags
          FLAGD_DEADLINE_MS: "200"
      web:
        image: acme/web
        environment:
          FLAGD_HOST: flags
      reads:
        image: acme/reads
        environment:
          FLAGD_HOST: flags
      lonely:
        image: acme/lonely
"""
PYTHON = """
    import os
    from openfeature import api
    from openfeature.contrib.provider.flagd import FlagdProvider

    api.set_provider(FlagdProvider(host=os.environ.get("FLAGD_HOST", "flags")))
"""
JAVA = """
    package acme;

    import dev.openfeature.contrib.providers.flagd.FlagdOptions;
    import dev.openfeature.contrib.providers.flagd.FlagdProvider;

    class Flags {
      void init() {
        OpenFeatureAPI.getInstance().setProvider(new FlagdProvider(FlagdOptions.builder().build()));
      }
    }
"""
KOTLIN = """
    package acme

    import dev.openfeature.contrib.providers.flagd.FlagdProvider

    fun main() { OpenFeatureAPI.getInstance().setProvider(FlagdProvider()) }
"""
NODE = """
    const { OpenFeature } = require('@openfeature/server-sdk');
    const { FlagdProvider } = require('@openfeature/flagd-provider');
    OpenFeature.setProvider(new FlagdProvider());
"""
TUNED = """
    from openfeature.contrib.provider.flagd import FlagdProvider
    provider = FlagdProvider(host="flags", deadline_ms=3000)
"""
WEB = """
    // the flag provider is only named in a comment: require('@openfeature/flagd-provider')
    const express = require('express');
"""


def _specs(tmp: str) -> list[str]:
    compose = write(tmp, "compose.yaml", COMPOSE)
    write(tmp, "prices/app.py", PYTHON)
    write(tmp, "stock/src/Flags.java", JAVA)
    write(tmp, "notify/index.js", NODE)
    write(tmp, "tuned/app.py", TUNED)
    write(tmp, "fast/src/main.kt", KOTLIN)
    write(tmp, "web/server.js", WEB)
    write(tmp, "lonely/app.py", PYTHON)
    write(tmp, "reads/app.py", "import os\nFLAGS = os.environ['FLAGD_HOST']\n")
    services = ["prices", "stock", "notify", "tuned", "fast", "web", "reads", "lonely"]
    return [f"compose={compose}", *(f"source={tmp}/{s}" for s in services)]


def _design(tmp: str) -> Any:
    return load_documents(load_artifacts(_specs(tmp)))


def test_a_flag_evaluation_is_a_soft_call_bounded_by_the_providers_documented_deadline(tmp_path: Any) -> None:
    design = _design(str(tmp_path))
    prices = fact(design, "interaction:prices->flags")
    assert (prices.data.get("timeout_ms"), prices.data.get("dependency"), prices.data.get("fallback")) == (
        500, "soft", "static")
    assert prices.fields["timeout_ms"].file.endswith("prices/app.py")
    stock = fact(design, "interaction:stock->flags").data
    assert (stock.get("timeout_ms"), stock.get("dependency")) == (500, "soft")
    # the JavaScript provider puts no deadline on an evaluation: soft, timeout still unknown
    notify = fact(design, "interaction:notify->flags").data
    assert (notify.get("timeout_ms"), notify.get("dependency"), notify.get("fallback")) == (None, "soft", "static")
    # the code sets its own deadline: the default does not hold
    tuned = fact(design, "interaction:tuned->flags").data
    assert (tuned.get("timeout_ms"), tuned.get("dependency")) == (None, "soft")
    # Kotlin read for the provider; the deployment's FLAGD_DEADLINE_MS replaces the default
    assert fact(design, "interaction:fast->flags").data.get("timeout_ms") == 200
    # a provider named only in a comment is no provider, and nothing of web reads FLAGD_HOST: no call
    assert "interaction:web->flags" not in design.by_key()
    # one that reads the variable itself keeps the call, as drawn
    reads = fact(design, "interaction:reads->flags").data
    assert "dependency" not in reads and "timeout_ms" not in reads
    # a provider with no call drawn to the daemon adds none
    assert "interaction:lonely->flags" not in design.by_key()


def test_the_timeout_rule_leaves_out_the_bounded_flag_calls_only(tmp_path: Any) -> None:
    rv = review([], extra=load_artifacts(_specs(str(tmp_path))))
    found = {f.subject for f in rv.findings if f.rule == "remote-call-without-timeout"}
    assert "interaction:prices->flags" not in found
    assert "interaction:stock->flags" not in found
    assert {"interaction:notify->flags", "interaction:tuned->flags", "interaction:reads->flags"} <= found
    assert "interaction:web->flags" not in found


def test_the_catalogue_checks_its_flag_providers() -> None:
    names = [p.name for p in catalog().flag_clients.providers]
    assert "the OpenFeature flagd provider for Python" in names
    base = {"images": [], "load_generator_names": "x", "server_env": {}, "data_dirs": {}, "ports": {},
            "secret_names": "x"}
    bad = {**base, "flag_clients": {"daemon": "x/flagd", "providers": [{"name": "p", "code": "x", "timeout_ms": "5s"}]}}
    with pytest.raises(ValueError, match=r"flag_clients\.providers\[0\]: timeout_ms must be a positive whole number"):
        parse_catalog(bad)
    odd = {**base, "flag_clients": {"daemon": "x/flagd", "providers": [{"name": "p", "code": "x", "deadline": 5}]}}
    with pytest.raises(ValueError, match=r"flag_clients\.providers\[0\]: unknown keys \['deadline'\]"):
        parse_catalog(odd)



def test_a_file_read_only_for_its_client_libraries_that_cannot_be_read_is_said(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "svc/app.py", PYTHON)
    with open(f"{tmp}/svc/Legacy.cs", "wb") as fh:
        fh.write(b"// caf\xe9\n")
    docs = load_artifacts([f"source={tmp}/svc"])
    assert any("not read for its client libraries" in text for d in docs for _at, text in d.remarks)
