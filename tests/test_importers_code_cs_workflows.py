"""ASP.NET Core write actions that save to their own store and then publish a message (``code_cs_workflows``)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_cs_workflows, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

ACCOUNTS = """
[Route("api/[controller]")]
public class AccountsController : Controller
{
    private readonly AccountsDbContext _db;
    private readonly IEventBus _bus;
    private readonly ICloseAccountHandler _closer;

    [HttpGet("{id}")]
    public async Task<IActionResult> OneAsync(string id)
    {
        await _bus.Publish(new Viewed(id));
        return Ok(await _db.Accounts.FindAsync(id));
    }

    [HttpPost]
    [Route("{region}/open")]
    public async Task<IActionResult> OpenAsync(string region, [FromBody] OpenAccount command)
    {
        _db.Accounts.Add(command.ToAccount());
        await _db.SaveChangesAsync();
        await _bus.Publish(new AccountOpened(command.Id));
        return Accepted();
    }

    [HttpDelete("{id}")]
    public async Task<IActionResult> CloseAsync(string id)
    {
        await _closer.HandleAsync(id);
        return NoContent();
    }
}

public interface ICloseAccountHandler { Task HandleAsync(string id); }

public class CloseAccountHandler : ICloseAccountHandler
{
    IAccountRepository _accounts;
    IMessagePublisher _publisher;

    public async Task HandleAsync(string id)
    {
        await _accounts.RemoveAsync(id);
        await _publisher.PublishAsync(new AccountClosed(id));
    }
}
"""


def test_write_actions_and_what_they_save_and_publish_through_their_fields() -> None:
    found = {h.name: [(w.how.split(" at ")[0], w.own, w.publish) for w in h.writes]
             for h in code_cs_workflows.handlers([("svc/Accounts.cs", ACCOUNTS)])}
    assert found == {  # the GET is no write action, whatever it calls
        "Open": [("AccountsDbContext.SaveChangesAsync", True, False), ("IEventBus.Publish", False, True)],
        "Close": [("IAccountRepository.RemoveAsync", True, False), ("IMessagePublisher.PublishAsync", False, True)],
    }


def test_saving_a_record_in_the_stores_transaction_may_be_an_outbox() -> None:
    outbox = ACCOUNTS + """
public class EventLog
{
    public Task KeepAsync(AccountsDbContext db, object evt) => _log.SaveEventAsync(evt, db.Database.CurrentTransaction);
}
"""
    assert code_cs_workflows.coordinator([("svc/Accounts.cs", ACCOUNTS)]) is None
    assert code_cs_workflows.coordinator([("svc/Accounts.cs", outbox)]) is not None


def test_an_action_saving_then_publishing_is_a_dual_write(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          accountsdb: {image: "postgres:16"}
          accounts: {image: acme/accounts:3}
        """)
    write(root, "accounts/appsettings.json",
          '{"ConnectionStrings": {"Accounts": "Host=accountsdb;Database=accounts"}}\n')
    write(root, "accounts/AccountsController.cs", ACCOUNTS)
    design = load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                            f"source={os.path.join(root, 'accounts')}"]))
    flows = {f.key: f.data for f in design.of_kind("workflow")}
    assert set(flows) == {"workflow:open", "workflow:close"}
    assert flows["workflow:open"]["publish_mechanism"] == "direct"
    assert [s["service"] for s in flows["workflow:close"]["steps"]] == ["accounts"]
