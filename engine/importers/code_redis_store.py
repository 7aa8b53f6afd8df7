"""Redis kept as a service's store, read from its code (``archplan import source``).

A service whose code reaches Redis through a client library (StackExchange.Redis in C#, ioredis or node-redis in
JavaScript and TypeScript, redis-py, go-redis) and writes a key with no expiry (``StringSetAsync(key, json)``,
``client.set(key, value)``) keeps that data in Redis to stay, not as a copy it can lose: ``written`` says where. A
write that expires (``SETEX``, ``EX``, ``KeyExpire``, a ``TimeSpan`` or a non-zero go-redis expiration) is a cache's,
and any expiry anywhere in the service's code leaves it unknown. Redis reached only as ASP.NET Core's distributed
cache is read elsewhere (``code_routes._distributed_cache``); Java clients are not read.

``code_routes`` joins it with the deployment: a Redis whose data the deployment keeps on no volume
(``durable_storage: false``), which no artifact gives a role, and whose every client service reaches no other
datastore while one of them writes it so, holds the only copy of that data in what is, for its data, a cache that
starts empty after every restart: ``kind: cache``, ``role: system_of_record``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.errors import Location
from engine.importers.code_text import blank_comments

_LIBRARIES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    ((".cs",), re.compile(r"\busing\s+StackExchange\.Redis\s*;|\bI?ConnectionMultiplexer\b")),
    ((".js", ".mjs", ".cjs", ".ts"), re.compile(r"""\brequire\s*\(\s*['"](?:ioredis|redis)['"]\s*\)|"""
                                                r"""\bfrom\s+['"](?:ioredis|redis)['"]""")),
    ((".py",), re.compile(r"^\s*(?:import\s+redis\b|from\s+redis\s+import\b)", re.MULTILINE)),
    ((".go",), re.compile(r'"github\.com/(?:go-redis/redis|redis/go-redis)(?:/v\d+)?"')),
)
"""The Redis client libraries read, by the file suffixes of their language and what shows the code uses one."""

_WRITE = re.compile(r"\b(\w+)\s*\.\s*((?:StringSet|HashSet|ListLeftPush|ListRightPush|SetAdd|SortedSetAdd|StreamAdd)"
                    r"(?:Async)?)\s*\(|\b(\w+)\s*\.\s*(set|hset|hmset|lpush|rpush|sadd|zadd|xadd|Set|HSet|LPush|RPush|"
                    r"SAdd|ZAdd|XAdd)\s*\(")
_RECEIVER = re.compile(r"redis|client|conn|database|^db$|^rdb$|^rc$|^r$|^cache$", re.IGNORECASE)
"""The names of what a Redis write goes through (``_database``, ``client``, ``redisClient``, ``rdb``), not a map's."""
_EXPIRES = re.compile(r"\b(?:setex|psetex|SETEX|expire|pexpire|expireat|Expire|KeyExpire(?:Async)?|ExpireAt)\b|"
                      r"""['"](?:EX|PX|EXAT|PXAT)['"]|\b(?:EX|PX)\s*:|\bex\s*=|\bpx\s*=|\bTimeSpan\b|\bexpiry\s*:""")


def _arguments(code: str, start: int) -> str:
    """The text of the call's arguments from the opening bracket at ``start - 1`` (up to 400 characters)."""
    depth, i = 1, start
    while i < len(code) and i < start + 400 and depth:
        depth += {"(": 1, ")": -1}.get(code[i], 0)
        i += 1
    return code[start:i - 1]


def _expires_go(args: str) -> bool:
    """Whether a go-redis ``Set(ctx, key, value, expiration)`` call sets an expiration other than 0."""
    last = args.rsplit(",", 1)[-1].strip()
    return last not in ("0", "redis.KeepTTL") and args.count(",") >= 3


def written(texts: Sequence[tuple[str, str]], *, blanked: Sequence[tuple[str, str]] = ()
            ) -> tuple[str, Location] | None:
    """Where the service's code (``(path, text)``; ``blanked``: more, comments already blanked) first writes a Redis
    key with no expiry through a client library it uses, with the call; None when it writes none, or when any of its
    code sets an expiry."""
    found: tuple[str, Location] | None = None
    for path, code in [*((p, blank_comments(t)) for p, t in texts), *blanked]:
        library = next((lib for suffixes, lib in _LIBRARIES if path.endswith(suffixes)), None)
        if library is None or library.search(code) is None:
            continue
        if _EXPIRES.search(code):
            return None  # a key that expires is a cache's: what the code keeps there is not said to stay
        for m in _WRITE.finditer(code):
            receiver, verb = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if not _RECEIVER.search(receiver) or (path.endswith(".go") and _expires_go(_arguments(code, m.end()))):
                continue
            if found is None:
                line = code.count("\n", 0, m.start()) + 1
                found = (f"{receiver}.{verb}()", Location(path, line, m.start() - code.rfind("\n", 0, m.start())))
    return found
