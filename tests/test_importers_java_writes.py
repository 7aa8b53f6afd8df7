"""Spring MVC handlers: the writes they make through a repository, a service or a client (``mutating``), and
whether a repeat of a creating request makes a second record (``idempotency_key: false``)."""

from __future__ import annotations

from typing import Any

from engine.importers import compose_routes, import_paths
from tests.helpers import write

LOANS = """
    @RestController
    @RequestMapping("/loans")
    public class LoanController {
      @Autowired
      private LoanService loans;

      @PostMapping
      public Loan lend(@RequestBody LoanRequest req) {
        return loans.createLoan(req);
      }

      @PostMapping("/members")
      public Member join(@RequestBody Member m) {
        return loans.registerMember(m);
      }

      @PostMapping("/shelves")
      public Shelf shelve(@RequestBody Shelf s) {
        return loans.addShelf(s);
      }

      @PostMapping("/fines")
      public Fine fine(@RequestBody Fine f) {
        return loans.createFine(f);
      }

      @PostMapping("/notes")
      public String note(@RequestBody String text, Model model) {
        List<String> seen = new ArrayList<>();
        seen.add(text);
        model.addAttribute("note", text);
        return "notes";
      }

      @GetMapping("/{loanId}/renew")
      public Loan renew(@PathVariable String loanId) {
        return this.loans.updateDueDate(loanId);
      }

      @GetMapping("/{loanId}")
      public Loan one(@PathVariable String loanId) {
        return loans.findLoan(loanId);
      }
    }
"""

LOAN_SERVICE = """
    public class LoanServiceImpl implements LoanService {
      @Autowired
      private LoanRepository repository;
      @Autowired
      private RestTemplate rest;

      public Loan createLoan(LoanRequest req) {
        Loan loan = new Loan(UUID.randomUUID(), req.getBook());
        repository.save(loan);
        return loan;
      }

      public Member registerMember(Member m) {
        Member known = repository.findMemberByCard(m.getCard());
        Assert.isNull(known, "member already registered");
        return repository.saveMember(m);
      }

      public Shelf addShelf(Shelf s) {
        if (repository.findShelfByLabel(s.getLabel()) == null) {
          repository.saveShelf(s);
          return s;
        }
        return null;
      }

      public Fine createFine(Fine f) {
        return rest.postForObject("http://billing/fines", f, Fine.class);
      }

      public Loan updateDueDate(String id) {
        Loan loan = repository.findById(id);
        loan.extend();
        return repository.save(loan);
      }
    }
"""


def endpoints(docs: list[Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        for ep in d.data.get("endpoints") or []:
            out[f"{ep['method']} {ep['path']}"] = ep
    return out


def test_a_creating_write_through_a_service_is_mutating_and_takes_no_key(tmp_path: Any) -> None:
    write(str(tmp_path), "loans/src/LoanController.java", LOANS)
    write(str(tmp_path), "loans/src/LoanServiceImpl.java", LOAN_SERVICE)
    eps = endpoints(import_paths("source", [str(tmp_path / "loans")]))
    assert eps["POST /loans"]["mutating"] is True
    assert eps["POST /loans"]["idempotency_key"] is False  # a random id each time: a retry lends twice
    # the service looks the record up by what the request carries and stops when it is there
    assert "idempotency_key" not in eps["POST /loans/members"]
    assert "idempotency_key" not in eps["POST /loans/shelves"]
    # the service only passes the request on over HTTP: whether a retry repeats it is the callee's to say
    assert eps["POST /loans/fines"]["mutating"] is True and "idempotency_key" not in eps["POST /loans/fines"]
    # a list's add, a model's addAttribute write nothing
    assert "mutating" not in eps["POST /loans/notes"]
    assert eps["GET /loans/{loanId}/renew"]["mutating"] is True  # a GET that writes
    assert "idempotency_key" not in eps["GET /loans/{loanId}/renew"]
    assert "mutating" not in eps["GET /loans/{loanId}"]


def test_a_service_that_names_an_idempotency_key_states_none_false(tmp_path: Any) -> None:
    write(str(tmp_path), "loans/src/LoanController.java", LOANS)
    write(str(tmp_path), "loans/src/LoanServiceImpl.java", LOAN_SERVICE)
    write(str(tmp_path), "loans/src/KeyFilter.java", """
        public class KeyFilter {
          static final String HEADER = "Idempotency-Key";
        }
    """)
    eps = endpoints(import_paths("source", [str(tmp_path / "loans")]))
    assert eps["POST /loans"]["mutating"] is True
    assert "idempotency_key" not in eps["POST /loans"]


def test_a_gateway_route_takes_the_writes_of_the_one_service_serving_its_path(tmp_path: Any) -> None:
    write(str(tmp_path), "loans/src/LoanController.java", LOANS)
    write(str(tmp_path), "loans/src/LoanServiceImpl.java", LOAN_SERVICE)
    write(str(tmp_path), "edge/src/Routes.java", """
        @Configuration
        public class Routes {
          @Bean
          public RouteLocator routes(RouteLocatorBuilder b, Targets t) {
            return b.routes()
                .route(r -> r.path("/loans").and().method("POST").uri(t.loansUrl()))
                .route(r -> r.path("/returns").and().method("POST").uri(t.returnsUrl()))
                .build();
          }
        }
    """)
    docs = compose_routes(import_paths("source", [str(tmp_path / "loans")])
                          + import_paths("source", [str(tmp_path / "edge")]))
    gateway = {f"{ep['method']} {ep['path']}": ep for d in docs for ep in d.data.get("endpoints") or []
               if ep.get("served_by") == "edge"}
    assert gateway["POST /loans"]["mutating"] is True
    assert gateway["POST /loans"]["idempotency_key"] is False
    assert "mutating" not in gateway["POST /returns"]  # no service behind it is known


OPS = """
    @RestController
    @RequestMapping("/ops")
    public class OpsController {
      @Autowired
      private ConfigurableApplicationContext applicationContext;

      @Autowired
      private NamingContext context;

      @Autowired
      private GameService game;

      @GetMapping("/crash")
      public void crash() {
        LOG.warn("stopping on request");
        System.exit(1);
      }

      @PostMapping("/shutdown")
      public void shutdown() {
        SpringApplication.exit(applicationContext, () -> 0);
      }

      @PostMapping("/close")
      public void close() {
        applicationContext.close();
      }

      @PostMapping("/naming")
      public void naming() {
        context.close();
      }

      @PostMapping("/games/{id}/exit")
      public void leave(@PathVariable String id) {
        game.exit(id);
      }

      @GetMapping("/status")
      public String status() {
        return "up";
      }
    }
"""


def test_a_handler_that_stops_the_whole_process_is_an_administrative_function(tmp_path: Any) -> None:
    write(str(tmp_path), "ops/src/OpsController.java", OPS)
    eps = endpoints(import_paths("source", [str(tmp_path / "ops")]))
    for key, call in (("GET /ops/crash", "System.exit()"), ("POST /ops/shutdown", "SpringApplication.exit()"),
                      ("POST /ops/close", "applicationContext.close()")):
        assert eps[key]["admin"] is True, key
        (doc,) = import_paths("source", [str(tmp_path / "ops")])
        name = f"endpoint:ops-{key.replace(' ', '-')}"
        assert any(f"({call} at OpsController.java:" in n for n in doc.notes[name]), key
    # a method of the service's own named exit ends a game, not the process; another context's close, a status page
    # stop nothing
    for key in ("POST /ops/games/{id}/exit", "POST /ops/naming", "GET /ops/status"):
        assert "admin" not in eps[key], key


SEEDER = """
    @RestController
    @RequestMapping("/demo")
    public class DemoDataController {
      private final DemoDataService demo;

      public DemoDataController(DemoDataService demo) {
        this.demo = demo;
      }

      @PostMapping("/reset")
      @Operation(responses = {
          @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Done.class)))})
      public Done reset() {
        return demo.reload();
      }

      @PostMapping("/notes")
      public Note note(@RequestBody Note note) {
        return demo.keep(note);
      }
    }
"""

SEEDER_SERVICE = """
    @Service
    public class DemoDataService {
      private final DataSource catalogue;
      private final NoteRepository notes;

      public Done reload() {
        ScriptBatch batch = new ScriptBatch();
        batch.runAll(catalogue, "classpath*:seed/*.sql");
        return new Done();
      }

      public Note keep(Note note) {
        return notes.save(note);
      }
    }
"""

SEEDER_BATCH = """
    public class ScriptBatch {
      public void runAll(DataSource source, String pattern) {
        for (Resource r : resolve(pattern)) {
          one(source, r);
        }
      }

      private void one(DataSource source, Resource script) {
        try (Connection c = source.getConnection()) {
          ScriptUtils.executeSqlScript(c, script);
        }
      }
    }
"""


def test_a_handler_that_runs_sql_scripts_over_the_database_is_an_administrative_function(tmp_path: Any) -> None:
    # the handler's annotations nest parentheses three deep: the handler is still read, and followed through the
    # service's field, a local it creates and that class's own method, to the script run
    write(str(tmp_path), "demo/src/DemoDataController.java", SEEDER)
    write(str(tmp_path), "demo/src/DemoDataService.java", SEEDER_SERVICE)
    write(str(tmp_path), "demo/src/ScriptBatch.java", SEEDER_BATCH)
    (doc,) = import_paths("source", [str(tmp_path / "demo")])
    eps = endpoints([doc])
    assert eps["POST /demo/reset"]["admin"] is True
    notes = doc.notes["endpoint:demo-POST-/demo/reset"]
    assert any("ScriptUtils.executeSqlScript at ScriptBatch.java:" in n for n in notes)
    assert "admin" not in eps["POST /demo/notes"]  # saving a record is a user's write


GREENHOUSE = """
    @Controller
    class PlantController {
      private final NurseryService nursery;
      private final Mailer mailer;

      PlantController(NurseryService nursery, Mailer mailer) {
        this.nursery = nursery;
        this.mailer = mailer;
      }

      @PostMapping("/plants")
      public ModelAndView adopt(Plant plant) {
        nursery.adopt(plant);
        return new ModelAndView("adopted");
      }

      @PostMapping("/plants/preview")
      public ModelAndView preview(Plant plant) {
        nursery.describe(plant);
        return new ModelAndView("preview");
      }

      @PostMapping("/plants/shout")
      public ModelAndView shout(Plant plant) {
        nursery.announce(plant);
        return new ModelAndView("shouted");
      }

      @GetMapping("/plants/{id}")
      public ModelAndView show(@PathVariable long id) {
        return new ModelAndView("plant", "plant", nursery.adopt(null));
      }
    }
"""

NURSERY = """
    @Service
    public class NurseryService {
      private final PlantRepository plants;
      private final KafkaTemplate<String, Plant> kafka;

      public NurseryService(PlantRepository plants, KafkaTemplate<String, Plant> kafka) {
        this.plants = plants;
        this.kafka = kafka;
      }

      public Plant adopt(Plant plant) {
        Plant kept = plants.save(plant);
        kafka.send("plants", plant);
        return kept;
      }

      public String describe(Plant plant) {
        return plant.toString();
      }

      public void announce(Plant plant) {
        kafka.send("plants", plant);
      }
    }
"""


def test_a_write_reached_through_a_method_named_without_a_writing_verb_makes_the_route_mutating(
        tmp_path: Any) -> None:
    # adopt() names no writing verb, but the service method it calls saves through a Spring Data repository
    write(str(tmp_path), "nursery/src/PlantController.java", GREENHOUSE)
    write(str(tmp_path), "nursery/src/NurseryService.java", NURSERY)
    write(str(tmp_path), "nursery/src/PlantRepository.java",
          "public interface PlantRepository extends CrudRepository<Plant, Long> {}\n")
    (doc,) = import_paths("source", [str(tmp_path / "nursery")])
    eps = endpoints([doc])
    assert eps["POST /plants"]["mutating"] is True
    key = eps["POST /plants"].get("name") or "POST /plants"
    assert any("PlantRepository.save() at NurseryService.java:" in n for n in doc.notes[f"endpoint:{key}"])
    # a method that reads only, and one that only sends a message to a broker, write nothing of the service's own
    assert "mutating" not in eps["POST /plants/preview"]
    assert "mutating" not in eps["POST /plants/shout"]
    # a GET is said to write only by its own body, as before: the reach is read for writing methods alone
    assert "mutating" not in eps["GET /plants/{id}"]
