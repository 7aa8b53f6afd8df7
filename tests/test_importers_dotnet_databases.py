"""The databases .NET services' ADO.NET connection strings name apart on one server (``import source`` with a
deployment): each a datastore of its own on that server (``code_databases``), from the settings files or from the
deployment's variables that replace them."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_databases, code_dotnet_settings, code_text, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

SQL = 'services:\n  ledgerdb: {image: "mcr.microsoft.com/mssql/server:2022-CU10-ubuntu-22.04"}\n'


def _design(root: str, services: dict[str, str], settings: dict[str, str]) -> Any:
    """A compose project running SQL Server as ledgerdb and each of ``services`` (name -> its compose lines under
    the service, after its image), each imported from its own folder, whose appsettings.json is ``settings[name]``
    (if any) and whose code opens a SqlConnection."""
    compose = SQL + "".join(f"  {name}:\n    image: acme/{name}:2\n{extra}" for name, extra in services.items())
    write(root, "compose.yaml", compose)
    for name in services:
        write(root, f"{name}/Program.cs", "using var conn = new SqlConnection(cs);\n")
        if name in settings:
            write(root, f"{name}/appsettings.json", settings[name])
    return load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                          *(f"source={os.path.join(root, s)}" for s in services)]))


def _settings(**databases: str) -> str:
    entries = ", ".join(f'"{key}": "{value}"' for key, value in databases.items())
    return '{"ConnectionStrings": {' + entries + "}}\n"


def _calls(design: Any) -> set[tuple[str, str]]:
    return {(f.data["from"], f.data["to"]) for f in design.of_kind("interaction")}


def test_database_of_an_ado_net_connection_string() -> None:
    of = code_dotnet_settings.database_of
    assert of("Server=tcp:ledgerdb,1433;Database=Books;User Id=sa") == ("ledgerdb", "Books")
    assert of("data source = ledgerdb\\\\main; INITIAL CATALOG = Books") == ("ledgerdb", "Books")
    assert of("SERVER=ledgerdb;DATABASE=Books") == ("ledgerdb", "Books")
    assert of("Server=ledgerdb;User Id=sa") is None  # no database named
    assert of("Server=localhost;Database=Books") is None
    assert of("Server=ledgerdb;Database=${DB_NAME}") is None


def test_databases_the_settings_name_apart_on_one_server_are_its_datastores(tmp_path: Any) -> None:
    # tills and receipts name two databases of ledgerdb; audit names receipts' database too: it shares that one
    root = str(tmp_path)
    design = _design(root, {"tills": "    depends_on: [ledgerdb]\n", "receipts": "    depends_on: [ledgerdb]\n",
                            "audit": "    depends_on: [ledgerdb]\n"},
                     {"tills": _settings(Main="Server=ledgerdb;Database=Tills;User Id=app;Password=x"),
                      "receipts": _settings(Main="Data Source=tcp:ledgerdb,1433;Initial Catalog=Receipts"),
                      "audit": _settings(Trail="server=ledgerdb;database=Receipts")})
    calls = _calls(design)
    assert {("tills", "ledgerdb-tills"), ("receipts", "ledgerdb-receipts"), ("audit", "ledgerdb-receipts")} <= calls
    assert not any(to == "ledgerdb" for _f, to in calls)
    facts = design.by_key()
    db = facts["datastore:ledgerdb-receipts"].data
    assert (db["server"], db["engine"], db["kind"]) == ("ledgerdb", "sqlserver", "relational")
    assert "server" not in facts["datastore:ledgerdb"].data


def test_compose_variables_replace_the_settings_connection_strings(tmp_path: Any) -> None:
    # ConnectionStrings__Main replaces the settings entry Main; a bare ConnectionString variable names one too;
    # a service naming two databases of the server calls each
    root = str(tmp_path)
    design = _design(root, {
        "tills": "    environment:\n      - ConnectionStrings__Main=Server=ledgerdb;Database=Counter\n",
        "receipts": "    environment:\n      - ConnectionString=SERVER=ledgerdb;INITIAL CATALOG=Slips\n",
        "ledger": "    depends_on: [ledgerdb]\n"},
        {"tills": _settings(Main="Server=ledgerdb;Database=Old"),
         "ledger": _settings(Books="Server=ledgerdb;Database=Books", Events="Server=ledgerdb;Database=Events")})
    calls = _calls(design)
    assert {("tills", "counter"), ("receipts", "slips"), ("ledger", "books"), ("ledger", "events")} <= calls
    assert not any(to in ("ledgerdb", "old") for _f, to in calls)
    assert design.by_key()["datastore:slips"].data["server"] == "ledgerdb"


def test_one_database_every_service_names_stays_the_server(tmp_path: Any) -> None:
    root = str(tmp_path)
    one = _settings(Main="Server=ledgerdb;Database=Ledger")
    design = _design(root, {"tills": "    depends_on: [ledgerdb]\n", "receipts": "    depends_on: [ledgerdb]\n"},
                     {"tills": one, "receipts": one})
    assert {("tills", "ledgerdb"), ("receipts", "ledgerdb")} <= _calls(design)
    assert [f.name for f in design.of_kind("datastore")] == ["ledgerdb"]


LEDGER_PROGRAM = """
var builder = WebApplication.CreateBuilder(args);
var booksConnection = builder.Configuration.GetConnectionString("Books");
builder.Services.AddTransient<IBookLookup>((sp) => new BookLookup(booksConnection));
var eventsConnection = builder.Configuration.GetConnectionString("Events");
builder.Services.AddTransient<IEventStore>((sp) => new EventStore(eventsConnection));
"""

BOOK_LOOKUP = """
public class BookLookup : IBookLookup
{
    // a comment saying "insert into Book" is no SQL
    public Task<IEnumerable<Book>> AllAsync() => new SqlConnection(_cs).QueryAsync<Book>("select * from Book");
    public Task<Book> OneAsync(int id) =>
        new SqlConnection(_cs).QuerySingleAsync<Book>("SELECT * FROM Book WHERE Id = @id", new { id });
}
"""

EVENT_STORE = """
public class EventStore : IEventStore
{
    public Task<IEnumerable<Event>> ReadAsync(string id) =>
        _conn.QueryAsync<Event>("select * from Event where Id = @id");
    public Task AppendAsync(Event e) => _conn.ExecuteAsync("insert into Event (Id, Body) values (@Id, @Body)", e);
}
"""


def test_a_database_a_service_only_selects_from_is_read_not_written(tmp_path: Any) -> None:
    # ledger reads Books through a class whose SQL only selects, and appends to Events: its call to books is no
    # write, the one to events keeps the mode of its call to the server (unstated)
    root = str(tmp_path)
    write(root, "ledger/BookLookup.cs", BOOK_LOOKUP)
    write(root, "ledger/EventStore.cs", EVENT_STORE)
    write(root, "ledger/Startup.cs", LEDGER_PROGRAM)
    design = _design(root, {"ledger": "    depends_on: [ledgerdb]\n", "tills": "    depends_on: [ledgerdb]\n"},
                     {"ledger": _settings(Books="Server=ledgerdb;Database=Books",
                                          Events="Server=ledgerdb;Database=Events"),
                      "tills": _settings(Main="Server=ledgerdb;Database=Books")})
    facts = design.by_key()
    assert facts["interaction:ledger->books"].data["mutating"] is False
    assert "mutating" not in facts["interaction:ledger->events"].data


def test_read_only_connections_need_every_class_handed_the_string_to_select_only() -> None:
    blank = code_text.blank_comments
    found = code_databases.read_only_connections([("Startup.cs", LEDGER_PROGRAM), ("BookLookup.cs", blank(BOOK_LOOKUP)),
                                                  ("EventStore.cs", EVENT_STORE)])
    assert set(found) == {"Books"} and "BookLookup (BookLookup.cs)" in found["Books"]
    # a class of no file read (a library's) may write: nothing is said
    assert code_databases.read_only_connections([("Startup.cs", LEDGER_PROGRAM)]) == {}
