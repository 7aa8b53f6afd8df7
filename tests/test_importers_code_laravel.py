"""Laravel (``code_laravel``): the routes ``routes/web.php`` and ``routes/api.php`` register under their groups'
prefixes and middleware (the groups ``bootstrap/app.php`` defines, ``withoutMiddleware``, a controller constructor's
``$this->middleware``), sign-ins and their throttle, an action running Artisan's migrations, a credential in a path,
the session cookie's flags from ``config/session.php`` with the ``.env`` template; and what the source import makes of
them."""

from __future__ import annotations

from typing import Any

from engine.importers import code_laravel
from tests.helpers import imported_endpoints

_WEB = """<?php
use Illuminate\\Support\\Facades\\Route;
use Ledger\\Http\\Controllers\\ReportController;

Route::get('/', fn () => view('welcome'));
Route::group(['middleware' => ['guest-only'], 'namespace' => 'Ledger\\Http\\Controllers'], static function (): void {
    Route::get('login', ['uses' => 'Auth\\SignInController@form']);
    Route::post('login', ['uses' => 'Auth\\SignInController@login']);
    Route::get('password/reset/{token}', 'Auth\\ResetController@form');
});
Route::post('setup/run', 'Ledger\\Http\\Controllers\\SetupController@run');
// Route::post('commented/out', 'X@y');
Route::prefix('ledgers')->middleware('signed-in')->group(function () {
    Route::get('', [ReportController::class, 'index']);
    Route::match(['get', 'post'], 'export/{ledger?}', [ReportController::class, 'export']);
    Route::redirect('old', '/ledgers');
});
Route::group(['prefix' => 'admin', 'middleware' => 'can:manage-users'], function () {
    Route::delete('users/{user}', 'Ledger\\Http\\Controllers\\UserController@destroy');
});
Route::resource('tags', 'Ledger\\Http\\Controllers\\TagController')->only(['index', 'destroy']);
"""
_API = """<?php
use Illuminate\\Support\\Facades\\Route;

Route::get('v1/ping/{pingKey}', 'Ledger\\Http\\Controllers\\PingController@ping')->withoutMiddleware(['api']);
Route::group(['prefix' => 'v1/entries'], function () {
    Route::get('', 'Ledger\\Http\\Controllers\\EntryController@index');
    Route::post('', 'Ledger\\Http\\Controllers\\EntryController@store')->middleware('throttle:60,1');
});
"""
_BOOTSTRAP = """<?php
return Application::configure(basePath: dirname(__DIR__))
    ->withRouting(web: __DIR__.'/../routes/web.php', api: __DIR__.'/../routes/api.php')
    ->withMiddleware(function (Middleware $middleware): void {
        $middleware->group('api', [AcceptJson::class, 'auth:api']);
        $middleware->appendToGroup('signed-in', [Authenticate::class]);
        $middleware->appendToGroup('guest-only', [RedirectIfAuthenticated::class]);
    })->create();
"""
_SIGN_IN = """<?php
namespace Ledger\\Http\\Controllers\\Auth;
class SignInController extends Controller
{
    use AuthenticatesUsers;
    use ThrottlesLogins;
    public function form() { return view('login'); }
}
"""
_SETUP = """<?php
namespace Ledger\\Http\\Controllers;
class SetupController extends Controller
{
    private array $steps = ['migrate' => ['--force' => true]];
    public function run(Request $request) { foreach ($this->steps as $c => $a) { $this->step($c, $a); } }
    private function step(string $c, array $a): void { Artisan::call($c, $a); }
}
"""
_REPORTS = """<?php
namespace Ledger\\Http\\Controllers;
class ReportController extends Controller
{
    public function __construct() { $this->middleware('throttle:10,1')->only(['export']); }
    public function index() { return view('reports'); }
    public function export(?Ledger $ledger = null) { return response()->json([]); }
}
"""
_SESSION = """<?php
return [
    'driver'    => env('SESSION_DRIVER', 'file'),
    'secure'    => env('LEDGER_COOKIE_SECURE'),
    'http_only' => true,
    'same_site' => 'strict',
];
"""
_COMPOSER = '{"require": {"php": "^8.3", "laravel/framework": "^12.0", "laravel/passport": "^12.0"}}'
_ENV = "APP_DEBUG=false\nLEDGER_COOKIE_SECURE=false\n"


def _app() -> dict[str, str]:
    return {"routes/web.php": _WEB, "routes/api.php": _API, "bootstrap/app.php": _BOOTSTRAP,
            "app/Http/Controllers/Auth/SignInController.php": _SIGN_IN,
            "app/Http/Controllers/SetupController.php": _SETUP,
            "app/Http/Controllers/ReportController.php": _REPORTS, "config/session.php": _SESSION,
            "composer.json": _COMPOSER, ".env.example": _ENV}


def _routes() -> dict[str, code_laravel.LaravelRoute]:
    return {f"{r.method} {r.path}": r for r in code_laravel.routes(list(_app().items()))}


def test_routes_get_their_groups_prefixes_and_the_api_prefix() -> None:
    assert sorted(_routes()) == [
        "DELETE /admin/users/{user}", "DELETE /tags/{id}", "GET /", "GET /api/v1/entries", "GET /api/v1/ping/{pingKey}",
        "GET /ledgers", "GET /ledgers/export/{ledger}", "GET /login", "GET /password/reset/{token}", "GET /tags",
        "POST /api/v1/entries", "POST /ledgers/export/{ledger}", "POST /login", "POST /setup/run"]


def test_middleware_groups_say_who_authenticates() -> None:
    routes = _routes()
    assert routes["GET /api/v1/entries"].authn is not None and routes["GET /api/v1/entries"].authn[0] == "oauth2"
    assert routes["GET /ledgers"].authn is not None and routes["GET /ledgers"].authn[0] == "session"
    assert routes["GET /ledgers"].anonymous is None
    admin = routes["DELETE /admin/users/{user}"]
    assert admin.authz is not None and admin.authz[0] == "role" and admin.authn is not None
    for key in ("POST /setup/run", "GET /tags", "POST /login"):
        assert routes[key].authn is None and routes[key].anonymous
    ping = routes["GET /api/v1/ping/{pingKey}"]  # withoutMiddleware of the api group takes its auth:api away
    assert ping.authn is None and ping.anonymous and "withoutMiddleware" in ping.anonymous


def test_throttles_sign_ins_migrations_and_credentials_in_paths() -> None:
    routes = _routes()
    assert routes["POST /api/v1/entries"].throttle and routes["GET /api/v1/entries"].throttle is None
    assert routes["GET /ledgers/export/{ledger}"].throttle and routes["GET /ledgers"].throttle is None
    login = routes["POST /login"]
    assert login.login and login.throttle and "ThrottlesLogins" in login.throttle
    assert routes["GET /login"].login is None
    assert routes["POST /setup/run"].maintenance and routes["GET /ledgers"].maintenance is None
    assert routes["GET /api/v1/ping/{pingKey}"].credential_in_path
    assert routes["GET /password/reset/{token}"].credential_in_path is None  # an e-mailed one-time link


def test_session_cookie_flags_with_the_env_template() -> None:
    flags = {c.flag: c for c in code_laravel.session_cookie(list(_app().items()))}
    assert flags["http_only"].value is True and flags["same_site"].value == "strict"
    secure = flags["secure"]
    assert secure.value is None and secure.variable == "LEDGER_COOKIE_SECURE" and secure.default == "false"
    without = [(f, t) for f, t in _app().items() if f != ".env.example"]
    assert {c.flag: c for c in code_laravel.session_cookie(without)}["secure"].default == "false"  # env() is null


def test_no_laravel_application_registers_nothing() -> None:
    assert code_laravel.routes([("routes/web.php", _WEB), ("composer.json", '{"require": {"slim/slim": "4"}}')]) == []


_PUBLISHED = """
services:
  app:
    image: acme/ledger:1.2.0
    ports: ["8080:8080"]
    environment:
      LEDGER_COOKIE_SECURE: "true"
"""


def _endpoints(tmp: str, compose: str) -> dict[str, dict[str, Any]]:
    return imported_endpoints(tmp, _app(), compose, "app")


def test_source_import_states_what_the_laravel_reader_found(tmp_path: Any) -> None:
    endpoints = _endpoints(str(tmp_path), _PUBLISHED)
    login = endpoints["POST /login"]
    assert login["authn"] == "none" and login["auth_flow"] is True
    assert login["rate_limit"] is True and login["brute_force_protection"] is True
    assert login["session_cookie"] == {"http_only": True, "same_site": "strict", "secure": True}
    assert endpoints["GET /api/v1/entries"]["authn"] == "oauth2"
    assert endpoints["POST /setup/run"]["admin"] is True and endpoints["POST /setup/run"]["authn"] == "none"
    assert endpoints["GET /api/v1/ping/{pingKey}"]["credentials_in_query"] is True
    unset = _endpoints(str(tmp_path / "unset"), _PUBLISHED.replace('    environment:\n      LEDGER_COOKIE_SECURE: '
                                                                    '"true"\n', ""))
    assert unset["POST /login"]["session_cookie"]["secure"] is False  # the .env template's value
