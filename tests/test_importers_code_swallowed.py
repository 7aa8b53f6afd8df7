"""C# methods that write a store inside a try and answer a failure of the write as a success (``code_swallowed``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_swallowed, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

# A message consumer: the write is made in a helper of its own class; the catch-all logs and the broker is told
# the message was handled.
CONSUMER = """
public class LedgerConsumer : IMessageCallback
{
    private readonly LedgerContext _ctx;

    public async Task<bool> OnMessageAsync(string kind, string body)
    {
        try
        {
            if (kind == "Booked") { await StoreAsync(body); }
        }
        catch (Exception failure)
        {
            _log.LogError(failure, "could not store {Kind}", kind);
        }
        return true;
    }

    private async Task StoreAsync(string body)
    {
        _ctx.Entries.Add(Entry.From(body));
        await _ctx.SaveChangesAsync();
    }
}
"""


def test_a_catch_all_that_logs_and_acknowledges_swallows_the_write() -> None:
    found = code_swallowed.csharp([("svc/LedgerConsumer.cs", CONSUMER)])
    assert [(s.method, s.write, s.at.line) for s in found] == [
        ("LedgerConsumer.OnMessageAsync", "LedgerContext.SaveChangesAsync at LedgerConsumer.cs:22", 12)]


def test_a_write_through_a_repository_field_counts_too() -> None:
    through_repo = CONSUMER.replace("private readonly LedgerContext _ctx;",
                                    "private readonly IEntryRepository _entries;")
    through_repo = through_repo.replace("""        _ctx.Entries.Add(Entry.From(body));
        await _ctx.SaveChangesAsync();""", "        await _entries.RecordEntryAsync(Entry.From(body));")
    assert code_swallowed.csharp([("svc/LedgerConsumer.cs", through_repo)]) == []  # "Record" is no write verb
    renamed = through_repo.replace("RecordEntryAsync", "AddEntryAsync")
    found = code_swallowed.csharp([("svc/LedgerConsumer.cs", renamed)])
    assert [s.write for s in found] == ["IEntryRepository.AddEntryAsync at LedgerConsumer.cs:21"]


@pytest.mark.parametrize(("before", "after"), [
    ("catch (Exception failure)", "catch (DbUpdateException failure)"),  # one case handled on purpose
    ("catch (Exception failure)", "catch (Exception failure) when (Transient(failure))"),
    ('_log.LogError(failure, "could not store {Kind}", kind);', "throw;"),
    ('_log.LogError(failure, "could not store {Kind}", kind);', "return false;"),
    ("        return true;\n    }\n\n    private", "        return false;\n    }\n\n    private"),
    ("        try\n", "        for (var i = 0; i < 3; i++)\n        try\n"),  # a retry loop, no braces
    ("await _ctx.SaveChangesAsync();", "await _retry.ExecuteAsync(() => Task.CompletedTask);"),  # Polly: no write
], ids=["named-exception", "when-filter", "rethrows", "returns-failure", "then-reports-failure", "retry-loop",
        "policy-execute-is-no-write"])
def test_failures_handled_otherwise_are_not_swallowed(before: str, after: str) -> None:
    assert before in CONSUMER
    assert code_swallowed.csharp([("svc/LedgerConsumer.cs", CONSUMER.replace(before, after, 1))]) == []


def test_a_try_in_a_loop_block_tries_again() -> None:
    looped = CONSUMER.replace("        try\n", "        while (!done)\n        {\n        try\n", 1).replace(
        "        return true;\n", "        }\n        return true;\n", 1)
    assert code_swallowed.csharp([("svc/LedgerConsumer.cs", looped)]) == []


def test_the_interaction_with_the_services_one_sql_store_is_swallowed(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          ledgerdb: {image: "mcr.microsoft.com/mssql/server:2022-CU10-ubuntu-22.04"}
          ledger: {image: acme/ledger:2}
        """)
    write(root, "ledger/appsettings.json", '{"ConnectionStrings": {"Books": "Server=ledgerdb;Database=Books"}}\n')
    write(root, "ledger/LedgerConsumer.cs", CONSUMER)
    design = load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                            f"source={os.path.join(root, 'ledger')}"]))
    calls = {(f.data["from"], f.data["to"]): f.data for f in design.of_kind("interaction")}
    assert calls[("ledger", "ledgerdb")]["on_failure"] == "swallowed"
