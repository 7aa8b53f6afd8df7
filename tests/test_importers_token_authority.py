"""`import source`: a setting the code reads only as its token issuer's address is no call on a request."""

from __future__ import annotations

from typing import Any

from engine.importers import code_csharp, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_BEARER = '''
var issuer = builder.Configuration.GetValue<string>("Auth:Issuer");
builder.Services.AddAuthentication("Bearer").AddJwtBearer(o =>
{
    o.Authority = issuer;
    o.RequireHttpsMetadata = false;
});
var app = builder.Build();
app.MapGet("/parcels/{id}", (int id) => id);
'''


def test_token_authorities_are_the_settings_read_only_as_an_authority() -> None:
    code = '''
var issuer = cfg.GetValue<string>("Issuer");
services.AddOpenIdConnect(o => { o.Authority = issuer.ToString(); o.ClientId = "ui"; });
var keys = cfg["KeysUrl"];
services.AddJwtBearer(o => { o.MetadataAddress = cfg["MetaUrl"]; o.Authority = keys; });
var rates = cfg.GetValue<string>("RatesUrl");
services.AddJwtBearer(o => { o.Authority = rates; });
client.BaseAddress = new Uri($"{rates}/v1");
'''
    found = code_csharp.token_authorities([("Startup.cs", code)])
    assert sorted(found) == ["Issuer", "KeysUrl", "MetaUrl"]  # RatesUrl is a base address too
    assert found["Issuer"].line == 3
    # a settings class with a property of the key's name may carry the value anywhere
    assert code_csharp.token_authorities([("Startup.cs", code), ("Settings.cs",
                                          "public class Settings { public string Issuer { get; set; } }")]) == {
        k: v for k, v in found.items() if k != "Issuer"}


def test_a_call_drawn_from_the_token_issuers_address_is_made_in_the_background(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          parcels:
            image: acme/parcels
            environment:
              Auth__Issuer: http://login
              LoginHealth: http://login/hc
              Rates: http://rates
            depends_on: [login, rates]
          tracker:
            image: acme/tracker
            environment:
              Auth__Issuer: http://login
          login:
            image: acme/login
          rates:
            image: acme/rates
    """)
    write(tmp, "parcels/Program.cs", _BEARER)
    write(tmp, "tracker/Program.cs", _BEARER.replace("o.Authority = issuer;", "o.Authority = issuer;\n}\n"
                                                     "client.BaseAddress = new Uri(issuer);"))
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/parcels", f"source={tmp}/tracker"])
    facts = load_documents(docs).by_key()
    assert facts["interaction:parcels->login"].data.get("during") == "background"
    assert facts["interaction:parcels->rates"].data.get("during") is None  # read for anything else
    assert facts["interaction:tracker->login"].data.get("during") is None  # also a client's base address
    notes = [n for d in docs for n in d.notes.get("interaction:parcels->login", [])]
    assert any(n.startswith("during background: parcels's code reads Auth:Issuer only as its token issuer's "
                            "address") for n in notes)
