"""`import source`: the routes of Rust services (actix-web, axum) become the service's endpoints."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from engine.importers.code_rust import routes
from tests.helpers import write

ACTIX_APP = """
    use actix_web::{web, App, HttpServer};

    pub fn run() -> std::io::Result<()> {
        HttpServer::new(|| {
            App::new()
                .route("/ping", web::get().to(ping))
                .route("/ping", web::head().to(ping))
                .route("/boxes/{box_id}", web::get().to(get_box))
                .route("/boxes/{box_id}", web::delete().to(drop_box))
                .route("/boxes", web::post().to(add_box))
                .service(seal)
        });
        Ok(())
    }
"""

ACTIX_HANDLERS = """
    use actix_web::{post, HttpResponse};

    // #[post("/commented-out")]
    #[post("/boxes/{box_id}/seal")]
    async fn seal() -> HttpResponse { HttpResponse::Ok().finish() }
"""

AXUM_APP = """
    use axum::{routing::{get, post}, Router};

    fn app() -> Router {
        Router::new()
            .route("/crates/:crate_id", get(show_crate).put(replace_crate))
            .route("/crates", post(new_crate))
    }
"""


def keys(docs: list[Any]) -> set[str]:
    """(served_by, method and path) of every endpoint imported."""
    return {f"{e['served_by']} {e['method']} {e['path']}" for d in docs for e in d.data.get("endpoints") or []}


def test_actix_routes_and_route_macros_are_the_services_endpoints(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "depot/src/app.rs", ACTIX_APP)
    write(tmp, "depot/src/seal.rs", ACTIX_HANDLERS)
    assert keys(import_paths("source", [f"{tmp}/depot"])) == {
        "depot GET /ping", "depot HEAD /ping", "depot GET /boxes/{box_id}", "depot DELETE /boxes/{box_id}",
        "depot POST /boxes", "depot POST /boxes/{box_id}/seal"}


def test_an_axum_method_router_gives_one_route_per_method_with_its_parameters_in_braces(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "yard/src/main.rs", AXUM_APP)
    assert keys(import_paths("source", [f"{tmp}/yard"])) == {
        "yard GET /crates/{crate_id}", "yard PUT /crates/{crate_id}", "yard POST /crates"}


def test_rust_without_a_web_framework_declares_no_route() -> None:
    code = 'fn main() { let v = vec.iter().map(|x| x.get(0)); router.route("/x", get(h)); }\n'
    assert routes([("cli/src/main.rs", code)]) == []


ATTIC_STATE = """
    use actix_web::{web, App, HttpServer};
    use std::sync::RwLock;

    pub struct Shared {
        pub shelves: RwLock<Shelves>,
        pub http_client: RwLock<reqwest::Client>,
    }

    pub fn run() -> std::io::Result<()> {
        let shared = web::Data::new(Shared { shelves: RwLock::new(Shelves::default()),
                                             http_client: RwLock::new(reqwest::Client::new()) });
        HttpServer::new(move || App::new().app_data(shared.clone()).route("/shelves", web::post().to(add)));
        Ok(())
    }

    async fn add(data: web::Data<Shared>) -> String {
        let mut shelves = data.shelves.write().unwrap();
        shelves.put(1);
        String::new()
    }
"""


def _attic_state(tmp_path: Any, cargo: str | None) -> Any:
    write(str(tmp_path), "attic/src/main.rs", ATTIC_STATE)
    if cargo is not None:
        write(str(tmp_path), "attic/Cargo.toml", cargo)
    docs = import_paths("source", [str(tmp_path / "attic")])
    return next(s for d in docs for s in d.data.get("services", []) if s["name"] == "attic").get("state")


def test_records_in_locked_shared_state_with_no_datastore_crate_are_instance_local(tmp_path: Any) -> None:
    assert _attic_state(tmp_path, '[package]\nname = "attic"\n\n[dependencies]\nactix-web = "4"\n') == \
        "instance_local"


def test_a_datastore_crate_or_no_build_file_leaves_the_state_unknown(tmp_path: Any) -> None:
    assert _attic_state(tmp_path, '[dependencies]\nactix-web = "4"\nsqlx = { version = "0.7" }\n') is None
    assert _attic_state(tmp_path / "bare", None) is None


def endpoint(docs: list[Any], method: str, path: str) -> dict[str, Any]:
    """The imported endpoint of ``method`` and ``path``."""
    return next(e for d in docs for e in d.data.get("endpoints") or [] if (e["method"], e["path"]) == (method, path))


def test_a_rust_service_whose_code_reads_no_credential_checks_no_caller(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "depot/src/app.rs", ACTIX_APP)
    docs = import_paths("source", [f"{tmp}/depot"])
    post = endpoint(docs, "POST", "/boxes")
    assert (post.get("authn"), post.get("authz")) == ("none", "none")
    assert [s.get("inbound_auth") for d in docs for s in d.data.get("services") or []] == ["none"]


def test_a_rust_service_that_reads_a_bearer_token_is_left_unknown(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "depot/src/app.rs", ACTIX_APP)
    write(tmp, "depot/src/guard.rs",
          "fn check(req: &HttpRequest) -> bool { req.headers().get(\"Authorization\").is_some() }\n")
    docs = import_paths("source", [f"{tmp}/depot"])
    assert "authn" not in endpoint(docs, "POST", "/boxes")


KENNEL_ROUTES = """
    use actix_web::{guard, web};

    pub fn config(cfg: &mut web::ServiceConfig, limits: &Limits) {
        cfg.service(
            web::scope("/api/v2")
                .route("/whistle", web::get().to(whistle))
                .service(
                    web::resource("/dog/adopt")
                        .guard(guard::Post())
                        .wrap(limits.adoption_rate_limit())
                        .route(web::post().to(adopt)),
                )
                .service(
                    web::scope("/dog")
                        .wrap(limits.rate_limiter())
                        .route("", web::get().to(show_dog))
                        .route("", web::put().to(rename_dog))
                        .route("/bark", web::post().to(bark))
                        .service(web::scope("/vet").route("/visit", web::post().to(visit))),
                )
                .service(web::scope("/kennel").route("/open", web::get().to(open_kennel))),
        );
        cfg.service(web::resource("/kennel/sweep/{token}/{cage}").route(web::get().to(sweep)));
    }

    async fn sweep(path: web::Path<(String, String)>, pool: Data<Pool>) -> Result<HttpResponse, Error> {
        Cage::delete_by_number(&mut pool.get(), &path.1).await?;
        Ok(HttpResponse::NoContent().finish())
    }

    async fn whistle() -> HttpResponse { HttpResponse::Ok().finish() }
"""


def _kennel(tmp_path: Any) -> list[Any]:
    write(str(tmp_path), "kennel/src/routes.rs", KENNEL_ROUTES)
    return import_paths("source", [str(tmp_path / "kennel")])


def test_actix_scopes_and_resources_prefix_their_routes_as_actix_joins_them(tmp_path: Any) -> None:
    assert keys(_kennel(tmp_path)) == {
        "kennel GET /api/v2/whistle", "kennel POST /api/v2/dog/adopt", "kennel GET /api/v2/dog",
        "kennel PUT /api/v2/dog", "kennel POST /api/v2/dog/bark", "kennel POST /api/v2/dog/vet/visit",
        "kennel GET /api/v2/kennel/open", "kennel GET /kennel/sweep/{token}/{cage}"}


def test_a_rate_limiting_middleware_wrapped_on_a_scope_or_resource_limits_every_route_under_it(tmp_path: Any) -> None:
    docs = _kennel(tmp_path)
    limited = {(m, p) for m, p in [("POST", "/api/v2/dog/adopt"), ("GET", "/api/v2/dog"), ("PUT", "/api/v2/dog"),
                                   ("POST", "/api/v2/dog/bark"), ("POST", "/api/v2/dog/vet/visit")]}
    for m, p in limited:
        assert endpoint(docs, m, p).get("rate_limit") is True, (m, p)
    for m, p in [("GET", "/api/v2/whistle"), ("GET", "/api/v2/kennel/open")]:
        assert "rate_limit" not in endpoint(docs, m, p), (m, p)


def test_a_get_whose_handler_deletes_by_name_changes_state(tmp_path: Any) -> None:
    docs = _kennel(tmp_path)
    assert endpoint(docs, "GET", "/kennel/sweep/{token}/{cage}").get("mutating") is True
    assert "mutating" not in endpoint(docs, "GET", "/api/v2/whistle")


DIGEST_APP = """
    use actix_web::{web, App, HttpRequest, HttpServer};
    use actix_web::web::{Data, Query};

    pub fn run() {
        HttpServer::new(|| {
            App::new().service(
                web::scope("/digest")
                    .route("/{kind}/{key}.atom", web::get().to(digest))
                    .route("/preview", web::get().to(preview))
                    .route("/topic/{kind}/{key}", web::get().to(topic)),
            )
        });
    }

    async fn digest(req: HttpRequest, ctx: Data<Ctx>) -> String {
        let kind: String = req.match_info().get("kind").unwrap_or("none").parse().unwrap();
        let key: String = req.match_info().get("key").unwrap_or("none").parse().unwrap();
        if kind == "mine" { own_digest(&ctx, 20, &key).await } else { topic_digest(&ctx, &key).await }
    }

    async fn topic(req: HttpRequest, ctx: Data<Ctx>) -> String {
        let key: String = req.match_info().get("key").unwrap_or("none").parse().unwrap();
        topic_digest(&ctx, &key).await
    }

    async fn own_digest(ctx: &Ctx, limit: i64, session_token: &str) -> String {
        let reader = reader_from_token(session_token, ctx).await;
        reader.name
    }

    async fn topic_digest(ctx: &Ctx, topic_name: &str) -> String { topic_name.to_string() }

    async fn preview(form: Query<PreviewForm>, ctx: Data<Ctx>) -> String {
        let target = Url::parse(&form.page_url).unwrap();
        let title = read_title(&target, &ctx).await;
        title
    }

    async fn read_title(address: &Url, ctx: &Ctx) -> String {
        let page = ctx.client().get(address.as_str()).header("Range", "bytes=0-1023").send().await.unwrap();
        page.text().await.unwrap()
    }
"""


def _digest_endpoints(tmp_path: Any) -> dict[str, dict[str, Any]]:
    write(str(tmp_path), "digest/src/main.rs", DIGEST_APP)
    return {f"{e['method']} {e['path']}": e for d in import_paths("source", [str(tmp_path / "digest")])
            for e in d.data.get("endpoints") or []}


def test_a_path_segment_handed_to_a_parameter_named_as_a_token_is_a_credential_in_the_url(tmp_path: Any) -> None:
    eps = _digest_endpoints(tmp_path)
    assert eps["GET /digest/{kind}/{key}.atom"].get("credentials_in_query") is True
    # the same segment handed only to a topic's name is no credential
    assert "credentials_in_query" not in eps["GET /digest/topic/{kind}/{key}"]


def test_a_url_field_of_the_query_sent_with_reqwest_by_a_function_it_is_handed_to_is_a_user_url_fetch(
        tmp_path: Any) -> None:
    eps = _digest_endpoints(tmp_path)
    preview = eps["GET /digest/preview"]
    assert preview.get("fetches_user_url") is True and preview.get("url_allowlist") is False
    assert "fetches_user_url" not in eps["GET /digest/topic/{kind}/{key}"]
