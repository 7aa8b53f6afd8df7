"""`import source`: a C# service whose calls through a Refit client run in lambdas a Polly retry wrapper executes states
the retries (one attempt more than the policy's retries), and what the retried requests change, on the drawn call."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

CLIENT = """
    namespace Desk.Clients;

    public interface IBookingsApi
    {
        [Get("/bookings/{id}")]
        Task<Booking> GetBooking(string id);

        [Post("/bookings")]
        Task Book(BookCommand cmd);
    }
"""
CLIENT_IMPL = """
    namespace Desk.Clients;

    public class BookingsApi : IBookingsApi
    {
        private IBookingsApi _client;

        public BookingsApi(IConfiguration config, HttpClient http)
        {
            string host = config.GetSection("Services").GetValue<string>("Bookings");
            http.BaseAddress = new Uri($"http://{host}/api");
            _client = RestService.For<IBookingsApi>(http);
        }

        public async Task Book(BookCommand cmd) { await _client.Book(cmd); }
    }
"""
HELPER = """
    namespace Desk.Controllers;

    public class Resilient
    {
        public async Task<IActionResult> Run(Func<Task<IActionResult>> action, IActionResult fallback)
        {
            var retry = Policy.Handle<Exception>().RetryAsync(4);
            return await Policy<IActionResult>.Handle<Exception>().FallbackAsync(fallback)
                .WrapAsync(retry).ExecuteAsync(action);
        }
    }
"""
CONTROLLER = """
    namespace Desk.Controllers;

    public class DeskController : Controller
    {
        private IBookingsApi _bookingsApi;
        private Resilient _resilient;

        [HttpPost]
        public async Task<IActionResult> Book(BookForm form)
        {
            return await _resilient.Run(async () =>
            {
                await _bookingsApi.Book(new BookCommand(Guid.NewGuid(), form.Room));
                return await Show(form.Room);
            }, View("Offline"));
        }

        private async Task<IActionResult> Show(string id)
        {
            return View(await _bookingsApi.GetBooking(id));
        }
    }
"""


def _call(tmp: str, controller: str) -> dict[str, Any]:
    compose = write(tmp, "compose.yaml", """
        services:
          desk:
            image: acme/desk
          bookings:
            image: acme/bookings
    """)
    write(tmp, "desk/appsettings.json", '{"Services": {"Bookings": "bookings:5100"}}')
    write(tmp, "desk/Clients/IBookingsApi.cs", CLIENT)
    write(tmp, "desk/Clients/BookingsApi.cs", CLIENT_IMPL)
    write(tmp, "desk/Controllers/Resilient.cs", HELPER)
    write(tmp, "desk/Controllers/DeskController.cs", controller)
    design = load_documents(load_artifacts([f"compose={compose}", f"source:desk={tmp}/desk"]))
    data: dict[str, Any] = fact(design, "interaction:desk->bookings").data
    return data


def test_refit_calls_in_a_lambda_a_polly_retry_wrapper_runs_are_retried_changes(tmp_path: Any) -> None:
    call = _call(str(tmp_path), CONTROLLER)
    # RetryAsync(4): four retries after the first attempt; the helper Show() is called only from the retried lambda
    assert call["retry"] == {"attempts": 5}
    assert (call["mutating"], call["idempotency_key"]) == (True, False)


def test_a_change_also_sent_outside_the_wrapper_states_no_retry(tmp_path: Any) -> None:
    unwrapped = CONTROLLER.replace("""
        private async Task<IActionResult> Show""", """
        [HttpPost]
        public async Task Again(BookForm form) { await _bookingsApi.Book(new BookCommand(Guid.NewGuid(), form.Room)); }

        private async Task<IActionResult> Show""")
    assert "retry" not in _call(str(tmp_path), unwrapped)


def test_a_read_sent_once_outside_the_wrapper_leaves_the_retried_change_retried(tmp_path: Any) -> None:
    read_once = CONTROLLER.replace("""
        private async Task<IActionResult> Show""", """
        [HttpGet]
        public async Task<IActionResult> Peek(string id) { return View(await _bookingsApi.GetBooking(id)); }

        private async Task<IActionResult> Show""")
    assert _call(str(tmp_path), read_once)["retry"] == {"attempts": 5}
