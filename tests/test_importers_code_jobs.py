"""`import source`: the tasks a service's code schedules in its own process become its jobs, each running on every
instance unless the code guards it (``engine.importers.code_jobs``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_jobs import job_name, scheduled
from engine.importers.code_routes import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

SPRING_APP = """
    package shop.mail;

    @SpringBootApplication
    @EnableScheduling
    public class MailApplication {
        public static void main(String[] args) { SpringApplication.run(MailApplication.class, args); }
    }
"""
SPRING_TASKS = """
    package shop.mail;

    @Service
    public class Digest {
        // @Scheduled(cron = "0 0 * * * *") in a comment is no task
        @Scheduled(cron = "${digest.cron}")
        public void sendDailyDigest() {
            mailer.sendAll();
        }

        @Scheduled(fixedRate = 60000)
        @Transactional
        protected void purgeBounces() { repo.deleteBounced(); }

        @Scheduled(fixedDelayString = "PT5M")
        @SchedulerLock(name = "rebuild")
        public void rebuildIndex() { }
    }
"""
KOTLIN_NO_SWITCH = """
    @Component
    class Sweeper {
        @Scheduled(fixedDelay = 1000)
        fun sweep() { }
    }
"""
PYTHON_APS = """
    from apscheduler.schedulers.background import BackgroundScheduler

    def refresh_rates():
        pass

    def one_off():
        pass

    sched = BackgroundScheduler()
    sched.add_job(refresh_rates, "interval", minutes=5)
    sched.add_job(one_off, "date", run_date="2030-01-01")

    @sched.scheduled_job("cron", hour=3)
    def nightly_export():
        pass
"""
PYTHON_SCHEDULE = """
    import schedule

    def tidy():
        pass

    def report():
        pass

    schedule.every(10).minutes.do(tidy)
    schedule.every().day.at("04:00").do(report)
"""
NODE_CRON = """
    const cron = require('node-cron');
    function expireCarts() {}
    cron.schedule('*/15 * * * *', expireCarts);
"""
NODE_NO_LIBRARY = """
    const agenda = require('./agenda');
    agenda.schedule('in 5 minutes', 'send email');
"""
TS_CRON = """
    import { CronJob } from 'cron';
    const job = new CronJob('0 */2 * * *', syncStock, null, true);
"""
GO_CRON = """
    package main

    import "github.com/robfig/cron/v3"

    func main() {
        c := cron.New()
        c.AddFunc("@every 1h", reconcile)
        c.Start()
    }
"""
GO_GOCRON = """
    package main

    import "github.com/go-co-op/gocron"

    func main() {
        s := gocron.NewScheduler(time.UTC)
        s.Every(30).Seconds().Do(heartbeat)
    }
"""
CSHARP = """
    public class Startup {
        public void Configure() {
            RecurringJob.AddOrUpdate("nightly-report", () => reports.Build(), Cron.Daily);
        }
    }
    public class Consumer : BackgroundService {
        protected override async Task ExecuteAsync(CancellationToken token) { }
    }
"""
LOCKED_JAVA = """
    @EnableScheduling
    public class App {
        @Scheduled(cron = "0 0 1 * * *")
        public void settle() { }
    }
    class Locks { RLock lock = redissonClient.getLock("settle"); }
"""


def _texts(files: dict[str, str]) -> list[tuple[str, str]]:
    import textwrap

    return [(p, t if p.endswith(".py") else blank_comments(t)) for p, t in
            ((p, textwrap.dedent(t)) for p, t in files.items())]


Seen = dict[str, tuple[str | None, str | None, bool]]


def _found(files: dict[str, str]) -> Seen:
    return {s.function: (s.schedule, s.runs_on, s.runs) for s in scheduled(_texts(files))}


def test_spring_scheduled_methods_run_on_every_replica_unless_shedlock_guards_them() -> None:
    found = _found({"App.java": SPRING_APP, "Digest.java": SPRING_TASKS})
    assert found == {
        "sendDailyDigest": ("${digest.cron}", "all_replicas", True),
        "purgeBounces": ("every 60000 ms", "all_replicas", True),
        "rebuildIndex": ("after each run, wait PT5M", "single_leader", True),
    }


def test_scheduled_without_enable_scheduling_never_runs() -> None:
    assert _found({"Sweeper.kt": KOTLIN_NO_SWITCH}) == {"sweep": (None, None, False)}


def test_a_lock_named_anywhere_in_the_service_leaves_where_it_runs_unknown() -> None:
    (only,) = scheduled(_texts({"App.java": LOCKED_JAVA}))
    assert (only.function, only.runs_on) == ("settle", None)
    assert "redissonClient" in only.why


@pytest.mark.parametrize(("files", "expected"), [
    ({"jobs.py": PYTHON_APS}, {"refresh_rates": ("interval minutes=5", "all_replicas", True),
                               "nightly_export": ("cron hour=3", "all_replicas", True)}),
    ({"jobs.py": PYTHON_SCHEDULE}, {"tidy": ("every 10 minutes", "all_replicas", True),
                                    "report": ("every day at 04:00", "all_replicas", True)}),
    ({"index.js": NODE_CRON}, {"expireCarts": ("*/15 * * * *", "all_replicas", True)}),
    ({"index.js": NODE_NO_LIBRARY}, {}),
    ({"sync.ts": TS_CRON}, {"syncStock": ("0 */2 * * *", "all_replicas", True)}),
    ({"main.go": GO_CRON}, {"reconcile": ("@every 1h", "all_replicas", True)}),
    ({"main.go": GO_GOCRON}, {"heartbeat": ("every 30 seconds", "all_replicas", True)}),
    ({"Startup.cs": CSHARP}, {"nightly-report": ("Cron.Daily", "single_leader", True)}),
], ids=["apscheduler", "schedule", "node-cron", "no-library", "cron", "robfig-cron", "gocron", "hangfire"])
def test_each_scheduler_is_read_as_its_library_runs_it(files: dict[str, str], expected: Seen) -> None:
    assert _found(files) == expected


def test_job_names_are_the_service_and_the_function_in_words() -> None:
    assert job_name("mail", "sendDailyDigest") == "mail-send-daily-digest"
    assert job_name("rates", "refresh_rates") == "rates-refresh-rates"
    assert job_name("reports", "nightly-report") == "reports-nightly-report"


COMPOSE = """
    services:
      mail:
        image: acme/mail
        deploy:
          replicas: 3
      sweeper:
        image: acme/sweeper
"""


def _specs(tmp: str) -> list[str]:
    compose = write(tmp, "compose.yaml", COMPOSE)
    write(tmp, "mail/src/main/java/shop/mail/MailApplication.java", SPRING_APP)
    write(tmp, "mail/src/main/java/shop/mail/Digest.java", SPRING_TASKS)
    write(tmp, "sweeper/src/Sweeper.kt", KOTLIN_NO_SWITCH)
    return [f"compose={compose}", f"source={tmp}/mail", f"source={tmp}/sweeper"]


def test_imported_jobs_state_their_service_schedule_and_where_they_run(tmp_path: Any) -> None:
    docs = load_artifacts(_specs(str(tmp_path)))
    design = load_documents(docs)
    digest = fact(design, "job:mail-send-daily-digest").data
    assert (digest["service"], digest.get("schedule"), digest.get("runs_on")) == ("mail", "${digest.cron}",
                                                                                  "all_replicas")
    assert fact(design, "job:mail-rebuild-index").data.get("runs_on") == "single_leader"
    assert "job:sweeper-sweep" not in design.by_key()
    remarks = [text for d in docs for _at, text in d.remarks]
    assert any("sweep" in r and "@EnableScheduling" in r for r in remarks), remarks


def test_a_replicated_service_running_an_unguarded_job_is_a_risk(tmp_path: Any) -> None:
    rv = review([], extra=load_artifacts(_specs(str(tmp_path))))
    flagged = {f.subject for f in rv.findings if f.rule == "scheduled-job-runs-on-every-replica"}
    assert flagged == {"job:mail-send-daily-digest", "job:mail-purge-bounces"}


def test_a_file_of_many_or_unclosed_scheduling_calls_is_read_in_part_and_never_fails() -> None:
    from engine.importers.code_jobs import MAX_PER_FILE

    many = "const cron = require('node-cron');\n" + "cron.schedule('* * * * *', tick);\n" * (MAX_PER_FILE + 50)
    assert len(scheduled([("many.js", many)])) == MAX_PER_FILE
    unclosed = "const cron = require('node-cron');\n" + "cron.schedule(" * 2000
    assert scheduled([("open.js", unclosed)]) == ()
    assert scheduled([("App.java", "@EnableScheduling\n@Scheduled(" + "(" * 500)]) == ()
