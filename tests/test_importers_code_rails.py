"""Ruby on Rails (``code_rails``): the routes ``config/routes.rb`` draws, the authentication filters of each route's
controller (``before_action``/``skip_before_action`` and a class macro that skips one), sign-ins and sign-ups,
Rack::Attack's throttles, the session cookie's flags with ``Secure`` following ``config.force_ssl`` as deployed, and
Puma's plain listener; and what the source import makes of them."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import code_rails
from tests.helpers import imported_endpoints

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
    assert drawn[("PATCH", "/ledgers/{ledger_slug}/entries/{id}")] == "entries#update"
    assert drawn[("PUT", "/ledgers/{ledger_slug}/entries/{id}")] == "entries#update"
    assert ("DELETE", "/ledgers/{ledger_slug}/entries/{id}") not in drawn
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
    return imported_endpoints(tmp, _app(), compose, "web")


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


# --------------------------------------------------------------------------------------
# A second application, written for these tests: Devise, statements over several lines, trailing modifiers
# --------------------------------------------------------------------------------------

_CLINIC_ROUTES = """
Rails.application.routes.draw do
  mount MailPreview::Engine, at: "/mail_preview" if Rails.env.development?
  get "probe" => "probe#show" if Rails.env.local?
  unless Rails.env.production?
    get "fixtures", to: "fixtures#index"
  end
  unless Rails.env.test?
    get "status", to: "status#show"
  end
  resources :clinics, only: %i[index], controller: "clinics_dashboard" unless Clinic.hosted?
  devise_for :doctors, path: "/", only: %i[sessions passwords],
                       controllers: { sessions: "doctor_sessions",
                                      passwords: "doctor_passwords" }
  devise_for :nurses, skip: [:registrations], path_names: { sign_in: "login" }
  authenticated :doctor, ->(d) { d.chief? } do
    mount Sidekiq::Web => "/queues"
  end
  resource :visit_card, only: %i[show],
                        path: "/cards/:signed_id/*filename",
                        controller: "visit_cards"
  resources :wards, only: %i[], path: "" do
    get :overview, on: :collection
  end
  resources :rooms, only: %i[show], path: "r", param: "code" do
    get :schedule
    resources :beds, only: %i[index]
  end
  resources :installs, only: %i[index create]
  resources :reports, only: %i[index]
  namespace :api do
    resources :patients, only: %i[index]
  end
end
"""
_CLINIC = {
    "config/routes.rb": _CLINIC_ROUTES,
    "app/models/doctor.rb": "class Doctor < ApplicationRecord\n  devise :database_authenticatable, :recoverable,\n"
                            "         :trackable, :lockable\nend\n",
    "app/models/nurse.rb": "class Nurse < ApplicationRecord\n  devise :database_authenticatable, :registerable, "
                           ":confirmable\nend\n",
    "app/controllers/application_controller.rb": """
class ApplicationController < ActionController::Base
  before_action :authenticate_doctor!, unless: :devise_controller?
end
""",
    "app/controllers/doctor_sessions_controller.rb": "class DoctorSessionsController < Devise::SessionsController\n"
                                                     "  def create\n    super\n  end\nend\n",
    "app/controllers/installs_controller.rb": """
class InstallsController < ApplicationController
  skip_before_action :authenticate_doctor!
  before_action :only_before_first_doctor!

  def index
    @doctor = Doctor.new
  end

  def create
    @doctor = Doctor.new(params.require(:doctor).permit(:email, :password))
    if @doctor.save
      sign_in(@doctor)
      redirect_to root_path
    end
  end

  private

  def only_before_first_doctor!
    redirect_to new_doctor_session_path if Doctor.exists?
  end
end
""",
    "app/controllers/reports_controller.rb": "class ReportsController < ApplicationController\n"
                                             "  def index\n  end\nend\n",
    "app/controllers/api/patients_controller.rb": """
module Api
  class PatientsController < ActionController::API
    before_action :authenticate_caller!

    def index
    end

    private

    def authenticate_caller!
      head :unauthorized unless Caller.find_by(digest: Digest::SHA256.hexdigest(request.headers["X-Clinic-Key"]))
    end
  end
end
""",
}


def _clinic() -> dict[tuple[str, str], code_rails.RailsRoute]:
    routes, _ = code_rails.routes(_texts(_CLINIC))
    return {(r.method, r.path): r for r in routes}


def test_routes_drawn_only_in_development_or_tests_are_left_out_whatever_their_form() -> None:
    routes, remarks = code_rails.draw("config/routes.rb", _CLINIC_ROUTES)
    drawn = {(r.method, r.path) for r in routes}
    assert ("ANY", "/mail_preview") not in drawn and ("GET", "/probe") not in drawn  # trailing modifiers
    assert ("GET", "/fixtures") not in drawn  # unless production: development and tests only
    assert ("GET", "/status") in drawn  # unless test: drawn in production
    assert ("GET", "/clinics") in drawn  # a condition the reader cannot decide is drawn, its modifier dropped
    assert len([what for _at, what in remarks if "left out" in what]) == 3


def test_a_statement_continued_over_several_lines_is_read_whole() -> None:
    drawn = {(r.method, r.path): r.target for r in code_rails.draw("config/routes.rb", _CLINIC_ROUTES)[0]}
    assert drawn[("GET", "/cards/{signed_id}/*filename")] == "visit_cards#show"
    assert ("GET", "/visit_card") not in drawn


def test_empty_path_and_a_custom_param_name_nested_routes_as_rails_does() -> None:
    drawn = {(r.method, r.path): r.target for r in code_rails.draw("config/routes.rb", _CLINIC_ROUTES)[0]}
    assert drawn[("GET", "/overview")] == "wards#overview"  # path: "" adds no segment
    assert ("GET", "/wards/overview") not in drawn
    assert drawn[("GET", "/r/{code}")] == "rooms#show"
    assert drawn[("GET", "/r/{room_code}/schedule")] == "rooms#schedule"  # Rails' "#{singular}_#{param}"
    assert drawn[("GET", "/r/{room_code}/beds")] == "beds#index"


def test_devise_for_draws_the_routes_of_the_model_modules() -> None:
    routes = _clinic()
    # doctors: only sessions and passwords, under path "/", with the application's controllers
    assert routes[("POST", "/sign_in")].target == "doctor_sessions#create"
    assert routes[("GET", "/sign_in")].target == "doctor_sessions#new"
    assert routes[("DELETE", "/sign_out")].target == "doctor_sessions#destroy"
    assert routes[("POST", "/password")].target == "doctor_passwords#create"
    assert routes[("PUT", "/password")].target == "doctor_passwords#update"
    assert ("GET", "/unlock/new") not in routes  # lockable, but only: leaves the unlocks out
    # nurses: every module's routes but the skipped registrations, under /nurses, Devise's controllers
    assert routes[("POST", "/nurses/login")].target == "devise/sessions#create"  # path_names
    assert routes[("POST", "/nurses/confirmation")].target == "devise/confirmations#create"
    assert ("POST", "/nurses") not in routes and ("GET", "/nurses/password/new") not in routes


def test_devise_sign_in_is_an_anonymous_login_locked_out_when_the_model_is_lockable() -> None:
    routes = _clinic()
    doctor, nurse = routes[("POST", "/sign_in")], routes[("POST", "/nurses/login")]
    assert doctor.anonymous is not None and doctor.authn is None  # unless: :devise_controller? skips the filter
    assert doctor.login is not None and "sign-in" in doctor.login
    assert doctor.lockout is not None and "lockable" in doctor.lockout and "doctor.rb:2" in doctor.lockout
    assert nurse.login is not None and nurse.lockout is None
    assert routes[("POST", "/password")].anonymous is not None and routes[("POST", "/password")].login is None
    assert routes[("DELETE", "/sign_out")].anonymous is None
    off = {**_CLINIC,
           "config/initializers/devise.rb": "Devise.setup do |config|\n  config.lock_strategy = :none\nend\n"}
    assert {(r.method, r.path): r for r in code_rails.routes(_texts(off))[0]}[("POST", "/sign_in")].lockout is None


def test_devise_filters_authenticate_with_its_session_and_a_key_header_is_an_api_key() -> None:
    routes = _clinic()
    assert routes[("GET", "/reports")].authn is not None
    assert routes[("GET", "/reports")].authn[0] == "session"  # type: ignore[index]
    assert routes[("ANY", "/queues")].authn is not None  # inside Devise's authenticated block
    assert "authenticated" in routes[("ANY", "/queues")].authn[1]  # type: ignore[index]
    assert routes[("GET", "/api/patients")].authn is not None
    assert routes[("GET", "/api/patients")].authn[0] == "api_key"  # type: ignore[index]
    without_devise = {f: t for f, t in _CLINIC.items() if f != "config/routes.rb"}
    without_devise["config/routes.rb"] = "Rails.application.routes.draw do\n  resources :reports, only: :index\nend\n"
    assert code_rails.routes(_texts(without_devise))[0][0].authn is None  # no devise_for: the filter is unknown


def test_first_run_setup_configures_the_installation() -> None:
    routes = _clinic()
    setup = routes[("POST", "/installs")]
    assert setup.anonymous is not None and setup.configures is not None and "Doctor.exists?" in setup.configures
    assert routes[("GET", "/installs")].configures is None  # saves nothing
    assert routes[("GET", "/reports")].configures is None


def test_source_import_locks_the_devise_sign_in_and_marks_the_setup_admin(tmp_path: Any) -> None:
    endpoints = imported_endpoints(str(tmp_path), _CLINIC, "services:\n  web:\n    image: acme/clinic:2.0.1\n"
                                                           "    ports: [\"3000:3000\"]\n", "web")
    assert endpoints["POST /sign_in"]["auth_flow"] is True and endpoints["POST /sign_in"]["authn"] == "none"
    assert endpoints["POST /sign_in"]["brute_force_protection"] is True
    assert endpoints["POST /nurses/login"].get("brute_force_protection") is not True
    assert endpoints["POST /installs"]["admin"] is True
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
    files = {**_app(), "config/initializers/resque.rb": _JOBS_UI}
    unset = imported_endpoints(str(tmp_path / "unset"), files, _PUBLISHED, "web")["ANY /jobs"]
    assert unset["authn"] == "basic" and unset["default_credentials"] is True
    chosen = _PUBLISHED.replace('LEDGER_SSL: "false"', 'LEDGER_SSL: "false"\n      JOBS_UI_PASSWORD: "s3cret-chosen"')
    set_ = imported_endpoints(str(tmp_path / "set"), files, chosen, "web")["ANY /jobs"]
    assert set_["authn"] == "basic" and "default_credentials" not in set_


def test_a_mount_the_routes_file_gates_keeps_that_gate_over_a_basic_wrapper() -> None:
    """Devise's ``authenticated`` block around a mount is the gate every request passes first: a Rack::Auth::Basic
    wrapper of the same application (here only when an operator sets a password) does not replace it."""
    wrapper = _JOBS_UI.replace("Resque::Server", "Sidekiq::Web").replace("if Rails.env.production?",
                                                                            "if ENV['QUEUE_PASSWORD'].present?")
    routes, _ = code_rails.routes(_texts({**_CLINIC, "config/initializers/sidekiq.rb": wrapper}))
    queues = next(r for r in routes if r.path == "/queues")
    assert queues.authn is not None and queues.authn[0] != "basic" and "authenticated" in queues.authn[1]
    assert queues.default_credentials is None
