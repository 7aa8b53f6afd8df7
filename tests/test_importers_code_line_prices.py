"""`import source`: a write whose request body holds lines that each carry a price and a quantity lets the client
price its own order (``amount_from_client``), in Spring MVC and ASP.NET Core; one price on its own does not."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from engine.importers.code_line_prices import LinePrices
from tests.helpers import write
from tests.importer_helpers import design_of, fact

SPRING_CONTROLLER = """
    package shop.carts;

    @RestController
    public class CartController {
        private final CartRepository carts;
        private final GoodsRepository goods;

        @PostMapping("/carts")
        public Cart submit(@RequestBody CartForm form) {
            return carts.save(Cart.of(form));
        }

        @PutMapping("/goods/{id}")
        public Goods reprice(@PathVariable long id, @RequestBody GoodsForm form) {
            return goods.save(Goods.of(id, form));
        }
    }
"""
SPRING_FORMS = """
    package shop.carts;

    public record CartForm(String customer, List<CartLine> lines) {}

    public record CartLine(long goodsId, BigDecimal unitPrice, int quantity) {}

    public class GoodsForm {
        private String label;
        private BigDecimal price;
        private int stockQuantity;
        private List<String> tags;
    }
"""


def test_types_whose_collection_elements_carry_a_price_and_a_quantity() -> None:
    prices = LinePrices([("Forms.java", SPRING_FORMS)])
    assert prices.of("CartForm") == "CartForm.lines: each CartLine carries unitPrice and quantity (Forms.java:6)"
    assert prices.of("GoodsForm") is None  # one price and a stock count: no lines
    assert prices.of("CartLine") is None  # a line alone is no collection of lines
    assert prices.of("Unknown") is None


def test_a_spring_write_taking_priced_lines_takes_the_amount_from_the_client(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "carts/src/main/java/shop/carts/CartController.java", SPRING_CONTROLLER)
    write(tmp, "carts/src/main/java/shop/carts/Forms.java", SPRING_FORMS)
    d = design_of(import_paths("source", [f"{tmp}/carts"]))
    assert fact(d, "endpoint:carts-POST-/carts").data.get("amount_from_client") is True
    assert "amount_from_client" not in fact(d, "endpoint:carts-PUT-/goods/-id").data


ASPNET_CONTROLLER = """
[ApiController]
[Route("api/[controller]")]
public class TrolleyController : ControllerBase
{
    [HttpPost]
    public async Task<ActionResult<Trolley>> KeepAsync([FromBody] Trolley trolley)
    {
        return Ok(await _store.UpsertTrolleyAsync(trolley));
    }

    [HttpPost("preview")]
    public async Task<ActionResult<Quote>> PreviewAsync([FromBody] Trolley trolley)
    {
        return await _mediator.Send(new PriceQuery(trolley));
    }
}

public class Trolley
{
    public string Owner { get; set; }
    public IEnumerable<TrolleyLine> Lines { get; set; }
}

public class TrolleyLine
{
    public int ItemId { get; set; }
    public decimal Price { get; set; }
    public int Quantity { get; set; }
}
"""


def test_an_aspnet_action_storing_priced_lines_takes_the_amount_from_the_client(tmp_path: Any) -> None:
    # the preview hands the body to a mediator and calls nothing named for a change of state: no write is seen
    tmp = str(tmp_path)
    write(tmp, "trolley/TrolleyController.cs", ASPNET_CONTROLLER)
    d = design_of(import_paths("source", [f"{tmp}/trolley"]))
    assert fact(d, "endpoint:trolley-POST-/api/Trolley").data.get("amount_from_client") is True
    assert "amount_from_client" not in fact(d, "endpoint:trolley-POST-/api/Trolley/preview").data
