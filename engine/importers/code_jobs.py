"""Scheduled tasks read from a service's code -> its jobs (``archplan import source DIR``).

A task a service's own process starts on a timer runs in every instance of the service: with three replicas the
nightly clean-up runs three times, at once. No deployment artifact says so; only the code does. This reads the
in-process schedulers of the commonest frameworks, each as its library would run it:

- **Spring** (Java, Kotlin): a method annotated ``@Scheduled(cron = ..., fixedRate = ..., fixedDelay = ...)``, when
  the service's code switches scheduling on (``@EnableScheduling``; without it Spring never calls the method, and
  a remark says so). ShedLock's ``@SchedulerLock`` on the method runs it on one instance at a time.
- **Python**: APScheduler (``scheduler.add_job(func, "interval", minutes=5)``, ``@scheduler.scheduled_job("cron",
  ...)``) and ``schedule`` (``schedule.every(10).minutes.do(func)``).
- **JavaScript, TypeScript**: node-cron (``cron.schedule("*/5 * * * *", fn)``), cron (``new CronJob(spec, fn)``)
  and node-schedule (``schedule.scheduleJob(spec, fn)``), each only in a file that loads that library.
- **Go**: robfig/cron (``c.AddFunc("@every 1m", fn)``) and go-co-op/gocron (``s.Every(1).Minute().Do(fn)``), in a
  file that imports it.
- **C#**: Hangfire's ``RecurringJob.AddOrUpdate("id", ...)``; Hangfire starts each recurring job once per schedule
  across all its servers (a lock in its storage): ``single_leader``.

Each becomes a job of the service (``<service>-<function>``), with its schedule as the code gives it (a property
placeholder such as ``${backup.cron}`` is kept as written) and where it runs: ``all_replicas`` for an in-process
scheduler with no lock. When the service's code names a distributed lock or leader election anywhere (Redisson, a
Postgres advisory lock, ``SKIP LOCKED``, a Kubernetes leader election...), where each run happens is left unknown
for the design to say: a lock guards some runs, and the code alone does not show which. Whether a run is idempotent
is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.base import Body, safe_name
from engine.importers.code_text import close_bracket, inside, split_args

SUFFIXES = (".java", ".kt", ".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".cs")


@dataclass(frozen=True)
class Scheduled:
    """One task a service's code schedules: its function, schedule, where it runs, and how the code shows it."""

    function: str
    schedule: str | None
    at: Location
    runs_on: str | None
    """``all_replicas``, ``single_leader``, or None (the code names a lock: for the design to say)."""
    how: str
    """The scheduler, as a note says it (``Spring @Scheduled``)."""
    why: str
    """Why it runs where it does (or why that is left unknown), or why it never runs."""
    runs: bool = True
    """False for a task its framework never starts (``@Scheduled`` without ``@EnableScheduling``): a remark."""


_LOCKS = re.compile(r"\bRedisson\w*|\bredlock\b|"
                    r"\bRedisLockRegistry\b|\bLockRegistry\b|pg_(?:try_)?advisory_(?:xact_)?lock|\bSKIP\s+LOCKED\b|"
                    r"\bLeaderLatch\b|\bLeaderSelector\b|\bleaderelection\b|\bLeaderElect\w*|"
                    r"\bDistributedLock\w*|\bdistributed[_-]lock\b|\bacquire_lock\b|\bGET_LOCK\s*\(",
                    re.IGNORECASE)
"""Names of a distributed lock or leader election (lower or upper case): a scheduled run may be guarded. ShedLock is
not among them: it locks only the methods annotated ``@SchedulerLock``, read one by one."""

_SPRING = re.compile(r"@Scheduled\s*\(")
_SPRING_ON = re.compile(r"@EnableScheduling\b")
_SPRING_METHOD = re.compile(
    r"\s*(?P<annotations>(?:@[\w.]+\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\))?\s*)*)"
    r"(?:(?:public|protected|private|internal|static|final|synchronized|open|override|suspend|abstract)\s+)*"
    r"(?:fun\s+|[\w.<>\[\]?, ]+?\s+)(?P<name>[A-Za-z_]\w*)\s*\(")
_SPRING_ARG = re.compile(r"\b(cron|fixedRate|fixedDelay|fixedRateString|fixedDelayString)\s*=\s*"
                         r"(?:\"(?P<text>[^\"\n]*)\"|(?P<number>[\w.]+))")

_PY_APS = re.compile(r"^\s*(?:from|import)\s+apscheduler\b", re.MULTILINE)
_PY_ADD_JOB = re.compile(r"\.add_job\s*\(")
_PY_DECORATED = re.compile(r"@\s*[\w.]+\.scheduled_job\s*\(")
_PY_SCHEDULE = re.compile(r"^\s*import\s+schedule\b|^\s*from\s+schedule\s+import\b", re.MULTILINE)
_PY_EVERY = re.compile(r"\bschedule\.every\s*\((?P<n>[^()]*)\)\s*\.\s*(?P<unit>\w+)"
                       r"(?:\s*\.\s*at\s*\(\s*['\"](?P<at>[^'\"\n]+)['\"]\s*\))?\s*\.\s*do\s*\(\s*(?P<fn>[\w.]+)")
_DEF = re.compile(r"\s*(?:async\s+)?def\s+(\w+)\s*\(")

_JS_LIBS = (
    ("node-cron", re.compile(r"""(?:require\s*\(\s*|from\s+)['"]node-cron['"]"""),
     re.compile(r"\b\w+\s*\.\s*schedule\s*\(")),
    ("cron", re.compile(r"""(?:require\s*\(\s*|from\s+)['"]cron['"]"""),
     re.compile(r"\bnew\s+CronJob\s*\(|\bCronJob\s*\.\s*from\s*\(")),
    ("node-schedule", re.compile(r"""(?:require\s*\(\s*|from\s+)['"]node-schedule['"]"""),
     re.compile(r"\b\w+\s*\.\s*scheduleJob\s*\(")),
)
_GO_CRON = re.compile(r"\"github\.com/robfig/cron(?:/v3)?\"")
_GO_ADD = re.compile(r"\.\s*Add(?:Func|Job)\s*\(")
_GO_GOCRON = re.compile(r"\"github\.com/go-co-op/gocron(?:/v2)?\"")
_GO_EVERY = re.compile(r"\.\s*Every\s*\((?P<n>[^()]*)\)(?P<chain>(?:\s*\.\s*\w+\s*\([^()]*\))*?)\s*\.\s*Do\s*\(\s*"
                       r"(?P<fn>[\w.]+)")
_GO_V2 = re.compile(r"\bgocron\s*\.\s*(?P<kind>DurationJob|CronJob)\s*\(")
_GO_TASK = re.compile(r"\bgocron\s*\.\s*NewTask\s*\(\s*(?P<fn>[\w.]+)")
_CS_HANGFIRE = re.compile(r"\bRecurringJob\s*\.\s*AddOrUpdate\w*\s*(?:<[\w.]+>)?\s*\(")
_STRING = re.compile(r"""^\s*(?:@?"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|`(?P<bq>[^`\n]*)`)""")


def _location(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _string(arg: str) -> str | None:
    m = _STRING.match(arg)
    if m is None:
        return None
    return next(v for v in m.group("dq", "sq", "bq") if v is not None)


def _args(code: str, m: re.Match[str]) -> list[str]:
    """The top-level arguments of the call whose opening parenthesis ``m`` ends on."""
    return split_args(inside(code, m.end() - 1))


def _identifier(arg: str | None) -> str | None:
    """A named function passed as an argument (``sendReport``, ``this::sendReport``, ``jobs.clean``), else None."""
    if not arg:
        return None
    m = re.fullmatch(r"(?:this\s*(?:::|\.)\s*)?(?:[A-Za-z_]\w*\s*\.\s*)*([A-Za-z_]\w*)", arg.strip())
    return m.group(1) if m else None


def scheduled(texts: Sequence[tuple[str, str]]) -> tuple[Scheduled, ...]:
    """The tasks a service's files (comments blanked, Python as written) schedule, those that never run included
    (``@Scheduled`` with scheduling never switched on: ``runs`` false)."""
    locked = next(((m.group(0), _location(p, c, m.start())) for p, c in texts if p.endswith(SUFFIXES)
                   for m in [_LOCKS.search(c)] if m is not None), None)
    found: list[Scheduled] = []
    jvm = [(p, c) for p, c in texts if p.endswith((".java", ".kt"))]
    spring_on = any(_SPRING_ON.search(c) for _p, c in jvm)
    for path, code in jvm:
        for m in _SPRING.finditer(code):
            at = _location(path, code, m.start())
            method = _SPRING_METHOD.match(code, close_bracket(code, m.end() - 1))
            if method is None:
                continue
            if not spring_on:
                found.append(Scheduled(method.group("name"), None, at, None, "Spring @Scheduled",
                                       "no code of the service switches scheduling on (@EnableScheduling): Spring "
                                       "never runs it", runs=False))
                continue
            found.append(_job(method.group("name"), _spring_schedule(inside(code, m.end() - 1)), at,
                              "Spring @Scheduled", locked, "@SchedulerLock" in method.group("annotations")))
    for path, code in texts:
        if path.endswith(".py"):
            found.extend(_python(path, code, locked))
        elif path.endswith((".js", ".mjs", ".cjs", ".ts")):
            found.extend(_javascript(path, code, locked))
        elif path.endswith(".go"):
            found.extend(_go(path, code, locked))
        elif path.endswith(".cs"):
            for m in _CS_HANGFIRE.finditer(code):
                args = _args(code, m)
                ident = _string(args[0]) if args else None
                schedule = args[2] if len(args) > 2 else None
                found.append(Scheduled(ident or f"recurring-{_location(path, code, m.start()).line}",
                                       schedule, _location(path, code, m.start()), "single_leader",
                                       "Hangfire RecurringJob",
                                       "Hangfire starts a recurring job once per schedule across all its servers (a "
                                       "lock in its storage)"))
    return tuple(sorted(found, key=lambda s: (s.at.file, s.at.line, s.at.column)))


def _job(function: str, schedule: str | None, at: Location, how: str, locked: tuple[str, Location] | None,
         own_lock: bool = False) -> Scheduled:
    if own_lock:
        return Scheduled(function, schedule, at, "single_leader", how,
                         "ShedLock's @SchedulerLock runs it on one instance at a time")
    if locked is not None:
        return Scheduled(function, schedule, at, None, how,
                         f"the service's code names a lock or leader election ({locked[0]}, {locked[1]}): whether "
                         "it guards this task is for the design to say")
    return Scheduled(function, schedule, at, "all_replicas", how,
                     f"{how} runs in the service's own process, on every instance, and no code of the service names "
                     "a lock or leader election")


def _spring_schedule(args: str) -> str | None:
    for m in _SPRING_ARG.finditer(args):
        kind, value = m.group(1), m.group("text") if m.group("text") is not None else m.group("number")
        if kind == "cron":
            return value
        unit = "ms" if value and value.isdigit() else ""
        return f"{'every' if 'Rate' in kind else 'after each run, wait'} {value}{' ' + unit if unit else ''}"
    return None


def _python(path: str, code: str, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    if _PY_APS.search(code):
        for m in _PY_ADD_JOB.finditer(code):
            args = _args(code, m)
            fn = _identifier(args[0]) if args else None
            trigger = _string(args[1]) if len(args) > 1 else None
            if fn is None or trigger not in ("interval", "cron"):  # a one-off ("date") run is no schedule
                continue
            out.append(_job(fn, f"{trigger} {', '.join(args[2:])}".strip(), _location(path, code, m.start()),
                            "APScheduler", locked))
        for m in _PY_DECORATED.finditer(code):
            args = _args(code, m)
            trigger = _string(args[0]) if args else None
            func = _DEF.match(code, close_bracket(code, m.end() - 1))
            if func is None or trigger not in ("interval", "cron"):
                continue
            out.append(_job(func.group(1), f"{trigger} {', '.join(args[1:])}".strip(),
                            _location(path, code, m.start()), "APScheduler", locked))
    if _PY_SCHEDULE.search(code):
        for m in _PY_EVERY.finditer(code):
            n = m.group("n").strip()
            when = f"every {n + ' ' if n else ''}{m.group('unit')}" + (f" at {m.group('at')}" if m.group("at") else "")
            fn = m.group("fn").rsplit(".", 1)[-1]
            out.append(_job(fn, when, _location(path, code, m.start()), "schedule", locked))
    return out


def _javascript(path: str, code: str, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    for lib, loaded, call in _JS_LIBS:
        if not loaded.search(code):
            continue
        for m in call.finditer(code):
            args = _args(code, m)
            if lib == "cron" and m.group(0).rstrip("( ").endswith("from"):
                spec = re.search(r"cronTime\s*:\s*['\"`]([^'\"`\n]+)", args[0]) if args else None
                fn = re.search(r"onTick\s*:\s*([A-Za-z_]\w*)\s*[,}\n]", args[0]) if args else None
                schedule, name = (spec.group(1) if spec else None), (fn.group(1) if fn else None)
            else:
                schedule = _string(args[0]) if args else None
                name = _identifier(args[1]) if len(args) > 1 else None
            at = _location(path, code, m.start())
            if schedule is None and name is None:
                continue
            out.append(_job(name or f"{lib}-{at.line}", schedule, at, lib, locked))
    return out


def _go(path: str, code: str, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    if _GO_CRON.search(code):
        for m in _GO_ADD.finditer(code):
            args = _args(code, m)
            spec = _string(args[0]) if args else None
            if spec is None:
                continue
            at = _location(path, code, m.start())
            out.append(_job(_identifier(args[1] if len(args) > 1 else None) or f"cron-{at.line}", spec, at,
                            "robfig/cron", locked))
    if _GO_GOCRON.search(code):
        for m in _GO_EVERY.finditer(code):
            units = re.findall(r"\.\s*(\w+)\s*\(", m.group("chain"))
            when = " ".join(["every", m.group("n").strip(), *(u.lower() for u in units)]).strip()
            out.append(_job(m.group("fn").rsplit(".", 1)[-1], when, _location(path, code, m.start()), "gocron",
                            locked))
        for m in _GO_V2.finditer(code):
            task = _GO_TASK.search(code, m.end())
            if task is None:
                continue
            args = _args(code, m)
            spec = f"{'every' if m.group('kind') == 'DurationJob' else 'cron'} {args[0] if args else ''}".strip()
            out.append(_job(task.group("fn").rsplit(".", 1)[-1], spec, _location(path, code, m.start()), "gocron",
                            locked))
    return out


def job_name(service: str, function: str) -> str:
    """``notification-service`` + ``sendBackupNotifications`` -> ``notification-service-send-backup-notifications``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+", "-", function).strip("-").lower()
    return safe_name(f"{service}-{words}")


def record(body: Body, service: str, found: Sequence[Scheduled]) -> None:
    """State each scheduled task of ``service`` as a job: its schedule and where it runs, each with its basis."""
    for s in found:
        if not s.runs:
            body.remark(s.at, f"{s.how} method {s.function}, but {s.why}: no job is imported")
            continue
        name = job_name(service, s.function)
        body.fact("jobs", {"name": name, "service": service}, s.at)
        body.set("jobs", name, "schedule", s.schedule[:200] if s.schedule else None, s.at)
        body.set("jobs", name, "runs_on", s.runs_on, s.at)
        body.note("jobs", name, f"from source: {s.how} {s.function} ({s.at})"
                  + (f"; runs_on {s.runs_on}" if s.runs_on else "; runs_on unknown") + f": {s.why}")


__all__ = ["SUFFIXES", "Scheduled", "job_name", "record", "scheduled"]
