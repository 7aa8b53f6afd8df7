"""PHP outbound calls (``code_php_calls``): Guzzle clients and their ``timeout`` option (a key nested in ``headers`` is
no option), Laravel's ``Http`` facade and its 30 s default, URLs from ``config/*.php`` and their ``env()`` defaults, a
URL a stored record holds; and the interactions the source import states of them."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_php_calls import php_calls
from engine.loader import load_documents
from tests.helpers import write

_FEEDS = """<?php
namespace Tally\\Jobs;

use GuzzleHttp\\Client;

class PullQuotes
{
    public function handle(): void
    {
        $base   = sprintf('%s/daily/%s', (string) config('quotes.url'), $this->day);
        $client = new Client();
        // $client->get('https://commented.out.example.net/x');
        $res    = $client->get($base);
    }

    public function ping(): void
    {
        $client = new Client(['timeout' => 4]);
        $client->request('HEAD', 'https://status.quotehub.io/ping');
    }
}
"""
_HOOKS = """<?php
namespace Tally\\Services;

use GuzzleHttp\\Client as Guzzle;
use Illuminate\\Support\\Facades\\Http;

class Notifier
{
    public function send(): void
    {
        $options = [
            'body'    => '{}',
            'headers' => ['Accept' => 'application/json', 'timeout' => 10, 'connect_timeout' => 2],
        ];
        $http = new Guzzle();
        $http->request('POST', $this->delivery->hook->url, $options);
    }

    public function mirror(): void
    {
        Http::timeout(7)->withHeaders(['X-A' => 'b'])->post(config('quotes.mirror') . '/push', ['a' => 1]);
        Http::asJson()->get('https://api.ledgerbase.dev/v2/rates');
        Http::get($this->baseUrl . '/x');
    }

    public function unknown(array $opts): void
    {
        $client = new Guzzle();
        $client->get('https://api.ledgerbase.dev/v2/other', $opts);
    }
}
"""
_CONFIG = """<?php
return [
    'url'    => 'https://quotes.tallyfeeds.net',
    'mirror' => env('QUOTES_MIRROR', 'https://mirror.tallyfeeds.net'),
];
"""
_ROUTES = "<?php\nuse Illuminate\\Support\\Facades\\Route;\nRoute::get('/', 'Tally\\\\Http\\\\HomeController@index');\n"


def _files() -> dict[str, str]:
    return {"app/Jobs/PullQuotes.php": _FEEDS, "app/Services/Notifier.php": _HOOKS, "config/quotes.php": _CONFIG,
            "routes/web.php": _ROUTES, "composer.json": '{"require": {"laravel/framework": "^12.0"}}'}


def _calls() -> dict[str, Any]:
    return {f"{c.at.file}:{c.at.line}": c for c in php_calls(list(_files().items()))}


def test_guzzle_calls_with_and_without_a_timeout_option() -> None:
    calls = _calls()
    rates = calls["app/Jobs/PullQuotes.php:13"]
    assert rates.client == "guzzle" and rates.url.var == "quotes.tallyfeeds.net" and rates.url.literal
    assert rates.timeout.seconds is None  # new Client() with no option: Guzzle waits forever
    ping = calls["app/Jobs/PullQuotes.php:19"]
    assert ping.url.var == "status.quotehub.io" and ping.timeout.seconds == 4.0  # the client's option
    assert not any(c.at.line == 12 and c.at.file.endswith("PullQuotes.php") for c in calls.values())  # a comment


def test_options_nested_in_headers_are_no_timeout_and_a_stored_url_names_its_record() -> None:
    hook = _calls()["app/Services/Notifier.php:16"]
    assert hook.url.stored and hook.url.var == "hooks" and hook.timeout.seconds is None


def test_http_facade_timeout_default_and_config_env_default() -> None:
    calls = _calls()
    mirror = calls["app/Services/Notifier.php:21"]
    assert mirror.client == "Http" and mirror.timeout.seconds == 7.0
    assert mirror.url.var == "QUOTES_MIRROR" and mirror.url.default == "https://mirror.tallyfeeds.net"
    rates = calls["app/Services/Notifier.php:22"]
    assert rates.url.var == "api.ledgerbase.dev" and rates.timeout.seconds == 30.0
    assert rates.timeout.said == "none passed"
    assert "app/Services/Notifier.php:23" not in calls  # $this->baseUrl: the class's own setting, unknown
    assert "app/Services/Notifier.php:29" not in calls  # options the text does not show: unknown


def test_source_import_states_each_call_as_an_interaction(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    for name, text in _files().items():
        write(tmp, f"app/{name}", text)
    compose = "services:\n  app:\n    image: tally/app:1.0\n    ports: ['8080:8080']\n"
    docs = load_artifacts([f"compose={write(tmp, 'compose.yaml', compose)}", f"source:app={tmp}/app"])
    facts = load_documents(docs).facts
    calls = {f.data["to"]: f.data for f in facts if f.kind == "interaction" and f.data.get("from") == "app"}
    assert calls["quotes.tallyfeeds.net"]["timeout_ms"] == 0
    assert calls["status.quotehub.io"]["timeout_ms"] == 4000
    assert calls["hooks"]["timeout_ms"] == 0 and calls["hooks"]["protocol"] == "http"
    assert calls["api.ledgerbase.dev"]["timeout_ms"] == 30000
    assert calls["quotes-mirror"]["timeout_ms"] == 7000
    externals = {f.data["name"] for f in facts if f.kind == "external"}
    assert {"hooks", "quotes.tallyfeeds.net", "quotes-mirror"} <= externals
