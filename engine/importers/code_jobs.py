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

import bisect
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.base import Body, safe_name
from engine.importers.code_text import bracket_pairs, split_args

SUFFIXES = (".java", ".kt", ".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".cs")
MAX_PER_FILE = 200
"""The scheduled calls read per file and scheduler (a real file has a handful; a generated or hostile one is cut)."""
_SIGNATURE = 2000
"""How far past a scheduling annotation or call the function it schedules is looked for, in characters."""


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
_NEWLINE = re.compile(r"\n")
_STRING = re.compile(r"""^\s*(?:@?"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|`(?P<bq>[^`\n]*)`)""")


def _string(arg: str) -> str | None:
    m = _STRING.match(arg)
    if m is None:
        return None
    return next(v for v in m.group("dq", "sq", "bq") if v is not None)


class _File:
    """One file's code, read once for what each of many calls needs: its brackets paired (``bracket_pairs``) and its
    line starts, so that a file of thousands of calls (closed or not) is read in linear time."""

    def __init__(self, path: str, code: str) -> None:
        self.path, self.code = path, code
        self._pairs: dict[int, int] | None = None
        self._lines: list[int] | None = None

    def _paired(self) -> dict[int, int]:
        if self._pairs is None:
            self._pairs = bracket_pairs(self.code)
        return self._pairs

    def args(self, m: re.Match[str]) -> list[str]:
        """The top-level arguments of the call whose opening parenthesis ``m`` ends on (none when it never closes)."""
        end = self._paired().get(m.end() - 1)
        return [] if end is None else split_args(self.code[m.end():end - 1])

    def after(self, m: re.Match[str]) -> int:
        """Where the code goes on after the call whose opening parenthesis ``m`` ends on."""
        return self._paired().get(m.end() - 1, len(self.code))

    def at(self, i: int) -> Location:
        """The file, line and column of ``code[i]``."""
        if self._lines is None:
            self._lines = [0, *(m.end() for m in _NEWLINE.finditer(self.code))]
        n = bisect.bisect_right(self._lines, i)
        return Location(self.path, n, i - self._lines[n - 1] + 1)

    def calls(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """The first ``MAX_PER_FILE`` matches of ``pattern``."""
        return itertools.islice(pattern.finditer(self.code), MAX_PER_FILE)


def _identifier(arg: str | None) -> str | None:
    """A named function passed as an argument (``sendReport``, ``this::sendReport``, ``jobs.clean``), else None."""
    if not arg:
        return None
    m = re.fullmatch(r"(?:this\s*(?:::|\.)\s*)?(?:[A-Za-z_]\w*\s*\.\s*)*([A-Za-z_]\w*)", arg.strip())
    return m.group(1) if m else None


@code_trees.kept()
def _lock(code: str) -> re.Match[str] | None:
    """``_LOCKS``'s first match in one file's code, looked for once an import whatever the services reading it."""
    return _LOCKS.search(code)


def scheduled(texts: Sequence[tuple[str, str]]) -> tuple[Scheduled, ...]:
    """The tasks a service's files (comments blanked, Python as written) schedule, those that never run included
    (``@Scheduled`` with scheduling never switched on: ``runs`` false)."""
    files = [_File(p, c) for p, c in texts if p.endswith(SUFFIXES)]
    locked = next(((m.group(0), f.at(m.start())) for f in files for m in [_lock(f.code)] if m is not None),
                  None)
    found: list[Scheduled] = []
    jvm = [f for f in files if f.path.endswith((".java", ".kt"))]
    spring_on = any(_SPRING_ON.search(f.code) for f in jvm)
    for f in jvm:
        for m in f.calls(_SPRING):
            start = f.after(m)
            method = _SPRING_METHOD.match(f.code, start, start + _SIGNATURE)
            if method is None:
                continue
            if not spring_on:
                found.append(Scheduled(method.group("name"), None, f.at(m.start()), None, "Spring @Scheduled",
                                       "no code of the service switches scheduling on (@EnableScheduling): Spring "
                                       "never runs it", runs=False))
                continue
            found.append(_job(method.group("name"), _spring_schedule(", ".join(f.args(m))), f.at(m.start()),
                              "Spring @Scheduled", locked, "@SchedulerLock" in method.group("annotations")))
    for f in files:
        if f.path.endswith(".py"):
            found.extend(_python(f, locked))
        elif f.path.endswith((".js", ".mjs", ".cjs", ".ts")):
            found.extend(_javascript(f, locked))
        elif f.path.endswith(".go"):
            found.extend(_go(f, locked))
        elif f.path.endswith(".cs"):
            for m in f.calls(_CS_HANGFIRE):
                args, at = f.args(m), f.at(m.start())
                ident = _string(args[0]) if args else None
                found.append(Scheduled(ident or f"recurring-{at.line}", args[2] if len(args) > 2 else None, at,
                                       "single_leader", "Hangfire RecurringJob",
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


def _python(f: _File, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    if _PY_APS.search(f.code):
        for m in f.calls(_PY_ADD_JOB):
            args = f.args(m)
            fn = _identifier(args[0]) if args else None
            trigger = _string(args[1]) if len(args) > 1 else None
            if fn is None or trigger not in ("interval", "cron"):  # a one-off ("date") run is no schedule
                continue
            out.append(_job(fn, f"{trigger} {', '.join(args[2:])}".strip(), f.at(m.start()), "APScheduler", locked))
        for m in f.calls(_PY_DECORATED):
            args = f.args(m)
            trigger = _string(args[0]) if args else None
            start = f.after(m)
            func = _DEF.match(f.code, start, start + _SIGNATURE)
            if func is None or trigger not in ("interval", "cron"):
                continue
            out.append(_job(func.group(1), f"{trigger} {', '.join(args[1:])}".strip(), f.at(m.start()), "APScheduler",
                            locked))
    if _PY_SCHEDULE.search(f.code):
        for m in f.calls(_PY_EVERY):
            n = m.group("n").strip()
            when = f"every {n + ' ' if n else ''}{m.group('unit')}" + (f" at {m.group('at')}" if m.group("at") else "")
            out.append(_job(m.group("fn").rsplit(".", 1)[-1], when, f.at(m.start()), "schedule", locked))
    return out


def _javascript(f: _File, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    for lib, loaded, call in _JS_LIBS:
        if not loaded.search(f.code):
            continue
        for m in f.calls(call):
            args = f.args(m)
            if lib == "cron" and m.group(0).rstrip("( ").endswith("from"):
                spec = re.search(r"cronTime\s*:\s*['\"`]([^'\"`\n]+)", args[0]) if args else None
                fn = re.search(r"onTick\s*:\s*([A-Za-z_]\w*)\s*[,}\n]", args[0]) if args else None
                schedule, name = (spec.group(1) if spec else None), (fn.group(1) if fn else None)
            else:
                schedule = _string(args[0]) if args else None
                name = _identifier(args[1]) if len(args) > 1 else None
            at = f.at(m.start())
            if schedule is None and name is None:
                continue
            out.append(_job(name or f"{lib}-{at.line}", schedule, at, lib, locked))
    return out


def _go(f: _File, locked: tuple[str, Location] | None) -> list[Scheduled]:
    out: list[Scheduled] = []
    if _GO_CRON.search(f.code):
        for m in f.calls(_GO_ADD):
            args = f.args(m)
            spec = _string(args[0]) if args else None
            if spec is None:
                continue
            at = f.at(m.start())
            out.append(_job(_identifier(args[1] if len(args) > 1 else None) or f"cron-{at.line}", spec, at,
                            "robfig/cron", locked))
    if _GO_GOCRON.search(f.code):
        for m in f.calls(_GO_EVERY):
            units = re.findall(r"\.\s*(\w+)\s*\(", m.group("chain"))
            when = " ".join(["every", m.group("n").strip(), *(u.lower() for u in units)]).strip()
            out.append(_job(m.group("fn").rsplit(".", 1)[-1], when, f.at(m.start()), "gocron", locked))
        for m in f.calls(_GO_V2):
            task = _GO_TASK.search(f.code, m.end(), m.end() + _SIGNATURE)
            if task is None:
                continue
            args = f.args(m)
            spec = f"{'every' if m.group('kind') == 'DurationJob' else 'cron'} {args[0] if args else ''}".strip()
            out.append(_job(task.group("fn").rsplit(".", 1)[-1], spec, f.at(m.start()), "gocron", locked))
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
