"""`import source`: a log statement that writes a secret, a card's data or a whole request carrying them makes
the service ``logs_sensitive_data: true``, at that statement."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import import_paths
from engine.importers.code_logs import connection_string_name, logged, sensitive_name
from engine.importers.code_routes import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact


def found(files: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """(what, file, line, level) of each log statement of the files that writes sensitive data."""
    texts = []
    for name, text in files.items():
        code = textwrap.dedent(text).lstrip("\n")
        texts.append((name, code if name.endswith(".py") else blank_comments(code)))
    return [(x.what, x.at.file, x.at.line, x.level) for x in logged(texts)]


@pytest.mark.parametrize(("file", "text", "expected"), [
    pytest.param("auth.py", """
        import logging
        log = logging.getLogger(__name__)
        def login(user, password):
            log.info("login %s with %s", user, password)
            logging.debug(f"form {request.form['password']}")
    """, [("password", 4, "info"), ('request.form["password"]', 5, "debug")], id="python-args-fstring-key"),
    pytest.param("server.js", """
        app.post('/pay', (req, res) => {
          console.log(`paying with ${req.body.cardNumber}`);
          logger.warn('cvv', req.body.cvv);
          this.logger.error("token=" + accessToken);
        });
    """, [("req.body.cardNumber", 2, "log"), ("req.body.cvv", 3, "warn"), ("accessToken", 4, "error")],
        id="js-template-args-concat"),
    pytest.param("TokenService.java", """
        class TokenService {
            Token login(Dto dto) {
                LOGGER.info("[login][user: {}, password: {}]", dto.getUsername(), dto.getPassword());
                System.out.println("secret " + clientSecret);
            }
        }
    """, [("dto.getPassword()", 3, "info"), ("clientSecret", 4, "print")], id="java-slf4j-println"),
    pytest.param("main.go", """
        func (s *Server) Login(ctx context.Context, req *pb.LoginRequest) (*pb.Reply, error) {
            log.Printf("login %s %s", req.Username, req.Password)
            log.Info().Msgf("key %v", s.cfg.ApiKey)
            return nil, nil
        }
    """, [("req.Password", 2, "print"), ("s.cfg.ApiKey", 3, "info")], id="go-log-zerolog"),
    pytest.param("otp.ts", """
        logger.info("verification", { identifier, token });
        logger.warn("retry", { id: user.id, secret: ok ? apiKey : fallbackToken });
    """, [("token", 1, "info"), ("apiKey", 2, "warn")], id="ts-object-literal-values"),
])
def test_a_log_statement_writing_a_secret_is_found_with_its_line(file: str, text: str,
                                                                 expected: list[tuple[str, int, str]]) -> None:
    assert [(w, line, level) for w, _f, line, level in found({file: text})] == expected


@pytest.mark.parametrize(("file", "text"), [
    pytest.param("auth.py", """
        # logger.info("pw %s", password)
        logger.warning("invalid password for %s", user)
        logger.info("hash %s len %d", hash(password), len(token))
        logger.info("next %s", next_page_token)
        logger.info(f"hashed {hashed_password} masked {masked_card_number}")
        raise ValueError(f"bad password {password}")
    """, id="python-words-derived-masked"),
    pytest.param("charge.js", """
        // console.log(password);
        logger.info(`Transaction processed: ${cardType} ending ${cardNumber.substr(-4)}`);
        console.log('token expired for', token.userId, user.passwordLength);
        console.log(mask(creditCard));
        Math.log(secret);
    """, id="js-words-derived-fields"),
    pytest.param("otp.ts", """
        logger.info("Failed verification", {
          identifier: params.identifier,
          token: params.token?.substring(0, 2) + "****",
          reason: ok ? password_policy : "expired",
        });
    """, id="ts-object-literal-keys"),
    pytest.param("Svc.java", """
        class Svc {
            void f() {
                log.info("password changed for {}", user.getName());
                log.debug("pw length " + password.length());
                /* log.info(password); */
            }
        }
    """, id="java-words-derived"),
    pytest.param("main.go", """
        func f() error {
            log.Println("wrong password")
            return fmt.Errorf("bad password %s", password)
        }
    """, id="go-error-not-log"),
])
def test_words_derived_values_and_non_log_calls_are_not_sensitive(file: str, text: str) -> None:
    assert found({file: text}) == []


def test_a_whole_request_is_sensitive_when_the_code_reads_secret_fields_of_requests() -> None:
    server = """
        function ChargeServiceHandler(call, callback) {
          logger.info(`Charge invoked with request ${JSON.stringify(call.request)}`);
          callback(null, charge(call.request));
        }
    """
    charge = """
        module.exports = function charge(request) {
          const { credit_card: creditCard } = request;
          return validate(creditCard.credit_card_number);
        };
    """
    assert found({"server.js": server, "charge.js": charge}) == [("call.request", "server.js", 2, "info")]
    assert found({"server.js": server}) == []  # nothing says the request carries a secret


def test_a_whole_request_body_is_sensitive_in_the_handler_of_a_login_or_card_route() -> None:
    server = """
        app.post('/login', (req, res) => {
          req.log.info('login', req.body);
          res.send(check(req.body));
        });
        app.post('/order/:id', (req, res) => {
          req.log.info('order', req.body);
        });
        app.post('/cards', function(req, res, next) {
          console.log("Posting Card: " + JSON.stringify(req.body));
        });
    """
    assert found({"server.js": server}) == [("req.body", "server.js", 2, "info"), ("req.body", "server.js", 9, "log")]


def test_a_sign_in_with_a_one_time_code_carries_a_secret_and_a_step_before_a_sign_in_does_not() -> None:
    server = """
        app.post('/auth/forgot-password', (req, res) => {
          console.log('reset asked', req.body);
        });
        app.post('/auth/magic-sign-in', (req, res) => {
          console.log('code', req.body);
        });
    """
    assert found({"server.js": server}) == [("req.body", "server.js", 5, "log")]


@pytest.mark.parametrize("name", ["password", "userPassword", "credit_card_number", "cvv", "getPassword",
                                  "ClientSecret", "apiKey", "accessToken", "ssn", "creditCard"])
def test_sensitive_names(name: str) -> None:
    assert sensitive_name(name)


@pytest.mark.parametrize("name", ["passwordHash", "hashedPassword", "maskedCardNumber", "tokenService",
                                  "nextPageToken", "last4", "passwordLength", "username", "cardType"])
def test_names_that_hold_something_else(name: str) -> None:
    assert not sensitive_name(name)


def test_the_service_logs_sensitive_data_at_its_first_statement_and_the_rule_fires(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "auth/app.py", """
        import logging
        from flask import Flask, request
        app = Flask(__name__)

        @app.route('/login', methods=['POST'])
        def login():
            logging.warning('invalid password')
            app.logger.info('login %s %s', request.form['username'], request.form['password'])
            return 'ok'
    """)
    docs = import_paths("source", [f"{tmp}/auth"])
    svc = fact(load_documents(docs), "service:auth")
    assert svc.data["logs_sensitive_data"] is True
    at = svc.locate("logs_sensitive_data")
    assert (at.file, at.line) == (f"{tmp}/auth/app.py", 8)
    rv = review([], extra=docs)
    assert [f.subject for f in rv.findings if f.kind == "risk" and f.rule == "sensitive-data-in-logs"] == \
        ["service:auth"]


def test_a_service_that_logs_no_secret_states_nothing_about_its_logs(tmp_path: Any) -> None:
    write(str(tmp_path), "auth/app.py", """
        import logging
        logging.warning('invalid password for %s', 'someone')
    """)
    design = load_documents(import_paths("source", [str(tmp_path / "auth")]))
    assert "logs_sensitive_data" not in fact(design, "service:auth").data


def test_unclosed_and_nested_log_calls_are_read_once_and_do_not_stop_the_import() -> None:
    assert found({"a.js": "logger.info(" * 3000, "b.py": "logger.info(" * 3000 + ")" * 3000}) == []
    assert found({"c.js": "logger.info(logger.info(x));\nlogger.warn(json(password));"}) == \
        [("password", "c.js", 2, "warn")]


CLIENT = textwrap.dedent("""
    package shop.clients;

    public class Client {
        private Integer id;
        private String lastName;
        private String address;
        private String telephone;

        public String getTelephone() {
            return this.telephone;
        }

        @Override
        public String toString() {
            return new ToStringCreator(this)
                .append("id", this.id)
                .append("lastName", this.lastName)
                .append("address", this.address)
                .append("telephone", this.getTelephone())
                .toString();
        }
    }
""")
PET = textwrap.dedent("""
    package shop.clients;

    @Data
    public class Pet {
        private String name;
        private Date birthDate;
        private String email;
    }

    public class Visit {
        private Date birthDate;

        @Override
        public String toString() {
            return "Visit " + getBirthDate() + " " + birthDate;
        }
    }
""")
RESOURCE = textwrap.dedent("""
    package shop.clients;

    public class ClientResource {
        public void update(int id, ClientRequest request) {
            final Client client = repository.findById(id).orElseThrow();
            log.info("Saving client {}", client);
            log.info("Saving client {}", client.getId());
        }

        public void adopt(Pet pet, Visit visit) {
            log.debug("Adopting {} after {}", pet, visit);
        }
    }
""")


def test_an_object_whose_to_string_writes_personal_contact_data_logged_whole_is_sensitive() -> None:
    found = logged([("shop/Client.java", blank_comments(CLIENT)), ("shop/Pet.java", blank_comments(PET)),
                    ("shop/ClientResource.java", blank_comments(RESOURCE))])
    # client: Client's explicit toString appends address and telephone (the getter and the field are one field);
    # pet: Lombok's @Data writes every field, birth date and e-mail among them; client.getId() is a field of it;
    # visit: one personal field only (a date of birth, twice), not a contact record
    assert [(f.what, f.personal, f.at.line) for f in found] == [
        ("client", "Client.toString writes address, telephone", RESOURCE.splitlines().index(
            '        log.info("Saving client {}", client);') + 1),
        ("pet", "Pet.toString writes birthdate, email", RESOURCE.splitlines().index(
            '        log.debug("Adopting {} after {}", pet, visit);') + 1)]
    # without the classes' code, nothing says what the objects write
    assert logged([("shop/ClientResource.java", blank_comments(RESOURCE))]) == ()


def test_a_request_the_function_builds_itself_is_not_the_request_it_serves() -> None:
    # eShopOnContainers' aggregators log the gRPC request they build for the basket and catalogue services
    # (Web.Bff.Shopping/aggregator/Services/CatalogService.cs:16-17): its fields are the code's own choice.
    reads = """
        public class Payment { public void Pay(Card card) { Charge(card.CardNumber); } }
    """
    built = """
        public class CatalogService
        {
            public async Task<CatalogItem> GetCatalogItemAsync(int id)
            {
                var request = new CatalogItemRequest { Id = id };
                _logger.LogInformation("grpc request {@request}", request);
                return await _client.GetItemByIdAsync(request);
            }

            public async Task UpdateAsync(BasketData currentBasket)
            {
                CustomerBasketRequest request = MapToCustomerBasketRequest(currentBasket);
                _logger.LogDebug("Grpc update basket request {@request}", request);
            }
        }
    """
    served = """
        public class LoggingBehavior
        {
            public void Build() { var request = new Other(); }

            public async Task<TResponse> Handle(TRequest request, RequestHandlerDelegate<TResponse> next)
            {
                _logger.LogInformation("Handling {@Command}", request);
                return await next();
            }
        }
    """
    js = """
        async function quote(order) {
          const req = { items: order.items };
          logger.info('quote', req);
        }
        app.post('/login', (req, res) => {
          logger.info('login', req);
        });
    """
    go = """
        func (s *server) Charge(ctx context.Context, req *pb.ChargeRequest) error {
            log.Infof("charge %v", req)
            return nil
        }
        func quote(items []Item) {
            req := &pb.QuoteRequest{Items: items}
            log.Infof("quote %v", req)
        }
    """
    py = """
        def forward(items):
            request = build_request(items)
            logging.info("sending %s", request)

        def handle(request):
            logging.info("got %s", request)
    """
    assert found({"Payment.cs": reads, "CatalogService.cs": built, "LoggingBehavior.cs": served,
                  "cart.js": js, "charge.go": go, "views.py": py}) == [
        ("request", "LoggingBehavior.cs", 7, "info"), ("req", "cart.js", 6, "info"),
        ("req", "charge.go", 2, "info"), ("request", "views.py", 6, "info")]
    assert _built_case_without_the_fix_reports_them(reads, built)


def _built_case_without_the_fix_reports_them(reads: str, built: str) -> bool:
    """The same log statements of a parameter named ``request`` are reported: only the declaration differs."""
    as_params = built.replace("var request = new CatalogItemRequest { Id = id };", "").replace(
        "int id)", "CatalogItemRequest request)").replace(
        "CustomerBasketRequest request = MapToCustomerBasketRequest(currentBasket);", "").replace(
        "BasketData currentBasket)", "CustomerBasketRequest request)")
    logged_whole = found({"Payment.cs": reads, "CatalogService.cs": as_params})
    return [w for w, _f, _l, _v in logged_whole] == ["request", "request"]


STORE_GO = """
package store

type DatabaseConnString string

func Open(addr DatabaseConnString) (*DB, error) {
    slog.Info("opening store", "at", addr)
    return nil, nil
}

func Dial(brokerURL string, retries int) {
    log.Printf("dialing %s, %d tries", brokerURL, retries)
}
"""

SETUP_TS = """
export function connect(connectionString: string, sentryDsn: string, maskedConnectionString: string) {
  logger.info('connecting to', connectionString);
  logger.info('errors go to', sentryDsn);
  logger.info('shown as', maskedConnectionString, connectionString.length);
}
"""


def test_a_connection_string_logged_whole_is_sensitive_by_its_name_or_its_go_type() -> None:
    # Go: the parameter's type names a connection string (a named string type), whatever the variable is called;
    # a plain broker URL of type string says nothing of credentials
    assert found({"store.go": STORE_GO}) == [("addr (a connection string: DatabaseConnString)", "store.go", 6, "info")]
    # by the value's own name; not a Sentry DSN (a public client key), a masked one, nor its length
    assert found({"setup.ts": SETUP_TS}) == [("connectionString (a connection string)", "setup.ts", 2, "info")]


@pytest.mark.parametrize("name", ["dsn", "databaseDsn", "connStr", "DBConnString", "connection_string"])
def test_connection_string_names(name: str) -> None:
    assert connection_string_name(name)
    assert not sensitive_name(name)  # not a field of the requests it reads: only the value logged whole


@pytest.mark.parametrize("name", ["sentryDsn", "SENTRY_DSN", "maskedConnectionString", "connection", "url"])
def test_names_that_are_no_connection_string(name: str) -> None:
    assert not connection_string_name(name)


MAILER = """\
package mailer

const (
\tTplResetPassword = "reset-password"
\tTplWelcome       = "welcome"
)

const SMTPPasswordKey Key = `smtp.password`
"""


def test_a_go_string_constant_logged_writes_its_literal_not_a_secret() -> None:
    handler = textwrap.dedent("""\
        package handlers

        import (
        \t"log"
        \tm "example.com/shop/internal/mailer"
        \t"example.com/shop/internal/mailer"
        )

        func reset(user User, err error) {
        \tlog.Printf("cannot render template %q: %v", mailer.TplResetPassword, err)
        \tlog.Printf("cannot render template %q: %v", m.TplResetPassword, err)
        \tlog.Printf("setting %s is deprecated", SMTPPasswordKey)
        \tlog.Printf("signing in with %s", user.TplResetPassword)
        \tlog.Printf("the password is %s", mailer.SMTPPassword)
        }
        """)
    found = logged([("internal/mailer/templates.go", MAILER), ("handlers/reset.go", handler)])
    # a field of a value and a name no const declares stay sensitive; the constants, bare or qualified, do not
    assert [(x.what, x.at.line) for x in found] == [("user.TplResetPassword", 13), ("mailer.SMTPPassword", 14)]
