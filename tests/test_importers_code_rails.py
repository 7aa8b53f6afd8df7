"""Ruby on Rails (``code_rails``): the routes ``config/routes.rb`` draws, the authentication filters of each route's
controller (``before_action``/``skip_before_action`` and a class macro that skips one), sign-ins and sign-ups,
Rack::Attack's throttles, the session cookie's flags with ``Secure`` following ``config.force_ssl`` as deployed, and
Puma's plain listener; and what the source import makes of them."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import code_rails, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_ROUTES = """
Rails.application.routes.draw do
  mount Resque::Server => "/jobs"
  resource :login, only: %i[new create]          # a singular resource: LoginsController
  resources :ledgers, only: [ :index, :show ], param: :slug do
    resources :entries, except: :destroy
    member do
      post :archive
    end
    get :summary, on: :collection
  end
  namespace :hooks do
    post "billing"
  end
  namespace :api do
    namespace :v2 do
      post "session", to: "tokens#create"
      resources :ledgers, only: :index
    end
  end
  if Rails.env.test?
    get "probe", to: "probe#show"
  end
  get "legal", to: redirect("https://example.org/legal")
  get "health" => "status#show"     # a comment with a # sign
  resource :ledgers_settings, only: :update
  root "ledgers#index"
end
"""
_GUARD = """
module Guard
  extend ActiveSupport::Concern

  included do
    before_action :require_member!
  end

  class_methods do
    def open_to_all(**options)
      skip_before_action :require_member!, **options
    end
  end

  private
    def require_member!
      redirect_to new_login_url unless member_from_cookie
    end

    def member_from_cookie
      Visit.find_by(id: cookies.encrypted[:visit_id])
    end

    def start_visit(member)
      visit = member.visits.create!
      cookies.encrypted[:visit_id] = { value: visit.id, httponly: true, same_site: :strict }
    end
end
"""
_CONTROLLERS = {
    "app/controllers/application_controller.rb": "class ApplicationController < ActionController::Base\n"
                                                 "  include Guard\nend\n",
    "app/controllers/concerns/guard.rb": _GUARD,
    "app/controllers/logins_controller.rb": """
class LoginsController < ApplicationController
  open_to_all only: %i[new create]

  def new
  end

  def create
    if member = Member.authenticate_by(email: params[:email], password: params[:password])
      start_visit(member)
      redirect_to root_path
    else
      render :new, status: :unprocessable_entity
    end
  end
end
""",
    "app/controllers/ledgers_controller.rb": "class LedgersController < ApplicationController\n"
                                             "  def index\n  end\n\n  def show\n  end\nend\n",
    "app/controllers/hooks_controller.rb": """
class HooksController < ApplicationController
  open_to_all

  def billing
    signature = request.headers["X-Billing-Signature"]
    Billing.verify!(request.body.read, signature)
    head :ok
  end
end
""",
    "app/controllers/api/v2/base_controller.rb": """
module Api
  module V2
    class BaseController < ApplicationController
      open_to_all
      before_action :authenticate_token!

      private
        def authenticate_token!
          head :unauthorized unless Doorkeeper::AccessToken.by_token(bearer)
        end
    end
  end
end
""",
    "app/controllers/api/v2/tokens_controller.rb": """
module Api
  module V2
    class TokensController < BaseController
      skip_before_action :authenticate_token!, only: :create

      def create
        member = Member.find_by(email: params[:email])
        head :unauthorized unless member&.authenticate(params[:password])
      end
    end
  end
end
""",
    "app/controllers/api/v2/ledgers_controller.rb": "module Api\n  module V2\n    class LedgersController < "
                                                    "BaseController\n      def index\n      end\n    end\n  end\nend\n",
    "app/models/site_setting.rb": "class SiteSetting < RailsSettings::Base\n"
                                  "  field :signup_open, type: :boolean\nend\n",
    "app/controllers/ledgers_settings_controller.rb": """
class LedgersSettingsController < ApplicationController
  def update
    SiteSetting.signup_open = params[:open] == "1"
    current_member.update!(theme: params[:theme])
  end
end
""",
    "config/initializers/rack_attack.rb": """
class Rack::Attack
  throttle("api/ip", limit: 300, period: 5.minutes) do |request|
    request.ip if request.path.start_with?("/api/")
  end

  throttle("logins/ip", limit: 5, period: 20.seconds) do |req|
    req.ip if req.path == "/login" && req.post?
  end
end
""",
    "config/environments/production.rb": 'Rails.application.configure do\n  config.force_ssl = '
                                         'ActiveModel::Type::Boolean.new.cast(ENV.fetch("LEDGER_SSL", true))\nend\n',
    "config/puma.rb": 'threads 3, 3\nport ENV.fetch("PORT") { 3000 }\n',
}


def _texts(files: dict[str, str]) -> list[tuple[str, str]]:
    return list(files.items())


def _app() -> dict[str, str]:
    return {"config/routes.rb": _ROUTES, **_CONTROLLERS}


def test_routes_dsl_is_drawn_as_rails_draws_it() -> None:
    routes, remarks = code_rails.draw("config/routes.rb", _ROUTES)
    drawn = {(r.method, r.path): r.target for r in routes}
    assert drawn[("ANY", "/jobs")] == "Resque::Server"
    assert drawn[("POST", "/login")] == "logins#create"
    assert drawn[("GET", "/login/new")] == "logins#new"
    assert ("GET", "/login") not in drawn  # only new and create
    assert drawn[("GET", "/ledgers/{slug}")] == "ledgers#show"
    assert ("DELETE", "/ledgers/{slug}") not in drawn
    assert drawn[("POST", "/ledgers/{slug}/archive")] == "ledgers#archive"
    assert drawn[("GET", "/ledgers/summary")] == "ledgers#summary"
    assert drawn[("PATCH", "/ledgers/{ledger_id}/entries/{id}")] == "entries#update"
    assert drawn[("PUT", "/ledgers/{ledger_id}/entries/{id}")] == "entries#update"
    assert ("DELETE", "/ledgers/{ledger_id}/entries/{id}") not in drawn
    assert drawn[("POST", "/hooks/billing")] == "hooks#billing"
    assert drawn[("POST", "/api/v2/session")] == "api/v2/tokens#create"
    assert drawn[("GET", "/api/v2/ledgers")] == "api/v2/ledgers#index"
    assert drawn[("GET", "/health")] == "status#show"
    assert drawn[("GET", "/")] == "ledgers#index"
    assert ("GET", "/probe") not in drawn and ("GET", "/legal") not in drawn
    assert [what for _at, what in remarks] == ["routes under `if Rails.env.test?` are drawn only in tests or "
                                               "development: left out"]


@pytest.mark.parametrize(("word", "plural", "singular"), [
    ("hosting", "hostings", "hosting"), ("category", "categories", "category"), ("match", "matches", "match"),
    ("key", "keys", "key"), ("preferences", "preferences", "preference")])
def test_resource_names_inflect_for_common_endings(word: str, plural: str, singular: str) -> None:
    assert code_rails.pluralize(word) == plural
    assert code_rails.singularize(plural) == singular


def _described() -> dict[tuple[str, str], code_rails.RailsRoute]:
    routes, _ = code_rails.routes(_texts(_app()))
    return {(r.method, r.path): r for r in routes}


def test_skipped_authentication_filter_makes_the_route_anonymous() -> None:
    routes = _described()
    assert routes[("POST", "/login")].anonymous is not None
    assert "open_to_all" not in (routes[("POST", "/login")].anonymous or "")  # the filter it skips is named
    assert ":require_member!" in (routes[("POST", "/login")].anonymous or "")
    assert routes[("GET", "/ledgers/{slug}")].anonymous is None
    assert routes[("GET", "/ledgers/{slug}")].authn is not None
    assert routes[("GET", "/ledgers/{slug}")].authn[0] == "session"  # type: ignore[index]


def test_filter_kind_follows_what_it_reads_up_the_class_chain() -> None:
    routes = _described()
    assert routes[("GET", "/api/v2/ledgers")].authn is not None
    assert routes[("GET", "/api/v2/ledgers")].authn[0] == "oauth2"  # type: ignore[index]
    token = routes[("POST", "/api/v2/session")]
    assert token.authn is None and token.anonymous is not None and token.login is not None


def test_signed_webhook_is_not_said_to_authenticate_nobody() -> None:
    hook = _described()[("POST", "/hooks/billing")]
    assert hook.anonymous is None and hook.authn is None


def test_sign_in_and_its_cookie_are_read_from_the_action_and_its_helpers() -> None:
    login = _described()[("POST", "/login")]
    assert login.login is not None and "password" in login.login
    assert login.cookie is not None
    assert dict(login.cookie[0]) == {"http_only": True, "same_site": "strict"}
    assert login.cookie_secure_unstated


def test_action_writing_global_settings_configures_the_installation() -> None:
    routes = _described()
    assert "SiteSetting.signup_open" in (routes[("PATCH", "/ledgers_settings")].configures or "")
    assert routes[("POST", "/login")].configures is None


def test_rack_attack_throttles_the_paths_its_blocks_compare() -> None:
    routes = _described()
    assert routes[("GET", "/api/v2/ledgers")].throttle is not None
    assert "api/ip" in (routes[("GET", "/api/v2/ledgers")].throttle or "")
    assert "logins/ip" in (routes[("POST", "/login")].throttle or "")
    assert routes[("GET", "/")].throttle is None
    assert routes[("GET", "/ledgers/{slug}")].throttle is None


def test_force_ssl_and_plain_listener_are_read_from_their_files() -> None:
    texts = _texts(_app())
    found = code_rails.force_ssl(texts)
    assert found is not None and found[:2] == ("LEDGER_SSL", True)
    assert code_rails.plain_listener(texts) is not None
    with_tls = [(f, t + 'ssl_bind "0.0.0.0", "9292", cert: "c.pem", key: "k.pem"\n' if f == "config/puma.rb" else t)
                for f, t in texts]
    assert code_rails.plain_listener(with_tls) is None


def test_no_routes_file_draws_nothing() -> None:
    assert code_rails.routes(_texts(_CONTROLLERS)) == ([], [])


_PUBLISHED = """
services:
  web:
    image: acme/ledger:1.2.0
    ports: ["3000:3000"]
    environment:
      LEDGER_SSL: "false"
"""


def _endpoints(tmp: str, compose: str) -> dict[str, dict[str, Any]]:
    for name, text in _app().items():
        write(tmp, f"ledger/{name}", text)
    docs = load_artifacts([f"compose={write(tmp, 'compose.yaml', compose)}", f"source:web={tmp}/ledger"])
    return {f"{f.data['method']} {f.data['path']}": f.data for f in load_documents(docs).facts
            if f.kind == "endpoint"}


def test_source_import_states_what_the_rails_reader_found(tmp_path: Any) -> None:
    endpoints = _endpoints(str(tmp_path), _PUBLISHED)
    login = endpoints["POST /login"]
    assert login["authn"] == "none" and login["auth_flow"] is True
    assert login["rate_limit"] is True and login["brute_force_protection"] is True
    assert login["session_cookie"] == {"http_only": True, "same_site": "strict", "secure": False}
    assert login["tls"] is False
    assert endpoints["GET /api/v2/ledgers"]["authn"] == "oauth2"
    assert endpoints["GET /ledgers/{slug}"]["authn"] == "session"
    assert "authn" not in endpoints["POST /hooks/billing"]
    assert endpoints["PATCH /ledgers_settings"]["admin"] is True


def test_cookie_secure_follows_the_deployed_force_ssl(tmp_path: Any) -> None:
    endpoints = _endpoints(str(tmp_path), _PUBLISHED.replace('"false"', '"true"'))
    assert endpoints["POST /login"]["session_cookie"]["secure"] is True
    endpoints = _endpoints(str(tmp_path / "unset"), _PUBLISHED.replace('    environment:\n      LEDGER_SSL: "false"\n',
                                                                      ""))
    assert endpoints["POST /login"]["session_cookie"]["secure"] is True  # the code's default, true


_JOBS_UI = """
require "resque/server"

if Rails.env.production?
  Resque::Server.use(Rack::Auth::Basic) do |user, password|
    expected_user = ENV.fetch("JOBS_UI_USER", "ops")
    expected = ENV.fetch("JOBS_UI_PASSWORD", "resque")
    user == expected_user && password == expected
  end
end
"""


def test_a_mounted_app_wrapped_in_rack_basic_auth_is_basic_and_its_fallback_password_said() -> None:
    routes, _said = code_rails.routes(_texts({**_app(), "config/initializers/resque.rb": _JOBS_UI}))
    jobs = next(r for r in routes if r.path == "/jobs")
    assert jobs.authn is not None and jobs.authn[0] == "basic" and "resque.rb:5" in jobs.authn[1]
    assert jobs.default_credentials is not None
    assert jobs.default_credentials[1] == "JOBS_UI_PASSWORD" and "resque.rb:7" in jobs.default_credentials[0]


@pytest.mark.parametrize(("initializer", "basic", "default"), [
    (_JOBS_UI.replace('ENV.fetch("JOBS_UI_PASSWORD", "resque")', 'ENV.fetch("JOBS_UI_PASSWORD")'), True, False),
    (_JOBS_UI.replace('ENV.fetch("JOBS_UI_PASSWORD", "resque")', '"resque"').replace(
        "password == expected", 'password == "resque"'), True, True),
    (_JOBS_UI.replace("production?", "development?"), False, False),
    (_JOBS_UI.replace("Resque::Server.use", "Other::App.use"), False, False),
], ids=["password-required", "literal-compared", "development-only", "another-app"])
def test_basic_auth_and_its_default_need_the_mounted_app_the_deployed_env_and_a_fixed_password(
        initializer: str, basic: bool, default: bool) -> None:
    routes, _said = code_rails.routes(_texts({**_app(), "config/initializers/resque.rb": initializer}))
    jobs = next(r for r in routes if r.path == "/jobs")
    assert (jobs.authn is not None and jobs.authn[0] == "basic") is basic
    assert (jobs.default_credentials is not None) is default


def test_http_basic_authenticate_with_covers_the_actions_its_options_name() -> None:
    controller = ('class StatusController < ActionController::Base\n'
                  '  http_basic_authenticate_with name: "ops", password: ENV["STATUS_PASSWORD"] || "status", '
                  'only: :show\n'
                  '  def show\n    render plain: "ok"\n  end\nend\n')
    routes, _said = code_rails.routes(_texts({**_app(), "app/controllers/status_controller.rb": controller}))
    health = next(r for r in routes if r.path == "/health")
    assert health.authn is not None and health.authn[0] == "basic"
    assert health.default_credentials is not None and health.default_credentials[1] == "STATUS_PASSWORD"
    plain = controller.replace(' || "status"', "")
    routes, _said = code_rails.routes(_texts({**_app(), "app/controllers/status_controller.rb": plain}))
    health = next(r for r in routes if r.path == "/health")
    assert health.authn is not None and health.authn[0] == "basic" and health.default_credentials is None
    other = controller.replace("only: :show", "only: :index")
    routes, _said = code_rails.routes(_texts({**_app(), "app/controllers/status_controller.rb": other}))
    assert next(r for r in routes if r.path == "/health").authn is None


def test_the_console_keeps_its_default_only_where_the_deployment_leaves_the_password_unset(tmp_path: Any) -> None:
    _CONTROLLERS_WITH = {"config/initializers/resque.rb": _JOBS_UI}
    for name, text in _CONTROLLERS_WITH.items():
        write(str(tmp_path / "unset"), f"ledger/{name}", text)
        write(str(tmp_path / "set"), f"ledger/{name}", text)
    unset = _endpoints(str(tmp_path / "unset"), _PUBLISHED)["ANY /jobs"]
    assert unset["authn"] == "basic" and unset["default_credentials"] is True
    chosen = _PUBLISHED.replace('LEDGER_SSL: "false"', 'LEDGER_SSL: "false"\n      JOBS_UI_PASSWORD: "s3cret-chosen"')
    set_ = _endpoints(str(tmp_path / "set"), chosen)["ANY /jobs"]
    assert set_["authn"] == "basic" and "default_credentials" not in set_
