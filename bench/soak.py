"""Soak: the chat under steady, mixed traffic for a long while, on production settings.

    python bench/soak.py                               # 30 minutes, 1,000 sockets
    python bench/soak.py --minutes 3 --warmup-minutes 1
    python bench/soak.py --redis redis://127.0.0.1:6379/5 --postgres postgres://...

One server (``manage.py serve --workers 2``, Redis channel layer, a fresh PostgreSQL
database: ``bench.stack``) is set up with its people and public rooms, then gets, all
at once and each at a steady rate: sockets closing and opening again with their page
(churn), posts, edits, reactions, files and searches (``bench.soak_traffic``). Every
message must reach every socket that was open in its room while it was sent, once
(``bench.soak_tally``); every request must succeed. Every ``--sample-seconds`` the
server's memory, open files, database connections and the window's delivery delays are
read (``bench.soak_report``). After the warm-up, memory must not grow, files and
connections must stay flat and the delays must not creep up: the table on stdout marks
each criterion, everything goes to ``--json``, and the exit status is 1 if any fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from bench import procstat, soak_http, soak_report, stats  # noqa: E402
from bench.run import raise_open_file_limit, say  # noqa: E402
from bench.soak_plan import BUDGET, Plan  # noqa: E402
from bench.soak_traffic import Traffic  # noqa: E402
from bench.stack import DEFAULT_POSTGRES, DEFAULT_REDIS, Stack, StackConfig  # noqa: E402
from chat.limits import POST_WINDOW_SECONDS  # noqa: E402
from tests.support import accounts  # noqa: E402

DEFAULT_JSON = REPO / "bench" / "results" / "soak.json"
#: Sockets one person holds at most, under the server's CHAT_SOCKETS_PER_PERSON (20) with
#: room for a churned socket and its successor both being open for a moment.
SOCKETS_PER_PERSON = 12
SETUP_THREADS = 8


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--minutes", type=float, default=30.0, help="the whole run, warm-up included")
    add("--warmup-minutes", type=float, default=5.0, help="traffic before the criteria count")
    add("--sockets", type=int, default=1000, help="room sockets open at any time")
    add("--rooms", type=int, default=50, help="public rooms; socket slot i is in room i mod ROOMS")
    add(
        "--people",
        type=int,
        default=None,
        help=f"people (default: enough for {SOCKETS_PER_PERSON} sockets each and the rates)",
    )
    add("--rate", type=float, default=10.0, help="posts per second, room after room")
    add("--edit-rate", type=float, default=0.5, help="edits per second")
    add("--react-rate", type=float, default=1.0, help="reactions per second")
    add("--upload-rate", type=float, default=0.2, help="files sent per second")
    add("--search-rate", type=float, default=0.5, help="searches per second")
    add(
        "--churn",
        type=float,
        default=0.02,
        help="fraction of the sockets replaced every --churn-seconds (0: none)",
    )
    add("--churn-seconds", type=float, default=5.0)
    add("--sample-seconds", type=float, default=30.0, help="how often the server is read")
    add(
        "--drain",
        type=float,
        default=15.0,
        help="seconds a closing socket waits for what it is owed before it counts as lost",
    )
    add("--workers", type=int, default=2, help="server processes")
    add(
        "--redis",
        default=DEFAULT_REDIS,
        metavar="URL",
        help=f"the Redis channel layer's database, flushed first (default {DEFAULT_REDIS})",
    )
    add(
        "--in-memory-layer",
        action="store_true",
        help="the in-memory channel layer instead of Redis (one worker only)",
    )
    add(
        "--postgres",
        default=DEFAULT_POSTGRES,
        metavar="URL",
        help=f"admin URL: a fresh database is made there and dropped (default {DEFAULT_POSTGRES})",
    )
    add("--sqlite", action="store_true", help="a fresh SQLite file instead of PostgreSQL")
    add("--json", type=Path, default=DEFAULT_JSON, help="where to write everything")
    add("--keep", action="store_true", help="keep the temp dir (the server's log)")
    args = parser.parse_args(argv)  # fmt: skip
    if min(args.sockets, args.rooms, args.workers) < 1 or args.rooms > args.sockets:
        parser.error("--sockets, --rooms and --workers must be positive, rooms <= sockets")
    if not 0 <= args.warmup_minutes < args.minutes:
        parser.error("--warmup-minutes must be shorter than --minutes")
    if args.in_memory_layer and args.workers > 1:
        parser.error("--in-memory-layer serves one worker only")
    if not 0 <= args.churn <= 0.5:
        parser.error("--churn is a fraction of the sockets, at most 0.5")
    return args


def people_needed(args: argparse.Namespace) -> int:
    """Enough people that nobody holds more than SOCKETS_PER_PERSON sockets, and that all
    the actions counted against the posting limit fit into half the people's budgets."""
    actions = args.rate + args.edit_rate + args.react_rate + args.upload_rate
    for_rates = math.ceil(2 * actions * POST_WINDOW_SECONDS / BUDGET)
    return max(2, math.ceil(args.sockets / SOCKETS_PER_PERSON), for_rates)


def set_up(base_url: str, plan: Plan) -> tuple[list[str], list[soak_http.Person]]:
    """Sign the people up, create the public rooms ("Soak r", by person r mod PEOPLE),
    and have each person open and join the rooms they have sockets in."""
    names = [f"soak{number}" for number in range(plan.people)]
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        browsers = list(pool.map(lambda name: accounts.sign_up(base_url, name), names))
        tokens = list(pool.map(lambda browser: accounts.csrf_token(browser.get("/")), browsers))

        def create(room: int) -> str:
            creator = room % plan.people
            return accounts.create_public_room(browsers[creator], f"Soak {room}", tokens[creator])

        slugs = list(pool.map(create, range(plan.rooms)))

        def join(number: int, rooms: set[int]) -> soak_http.Person:
            token = tokens[number]
            for room in sorted(rooms):
                if room % plan.people != number:
                    opened = accounts.open_room_page(browsers[number], names[number], slugs[room])
                    token = opened.csrf
            return soak_http.Person(browsers[number], names[number], token)

        people = list(pool.map(join, range(plan.people), plan.rooms_of_people()))
    return slugs, people


async def soak(server, stack: Stack, plan: Plan, slugs, people, admin_url) -> dict:
    """Run the traffic, sampling the server; the samples, the tally and the outcome."""
    traffic = Traffic(plan, server.url, slugs, people)
    samples: list[dict] = []
    marks = {"start": None, "previous": None, "warm": None, "end": None}
    cpu = {"server": server.cpu_seconds(), "harness": time.process_time(),
           "machine": procstat.machine_busy_seconds(), "wall": time.monotonic()}  # fmt: skip

    def cpu_shares() -> dict:
        """CPU of the server, of the harness and of everything else since the sample
        before, in cores: whether the server, the harness or the machine was the limit."""
        now = {"server": server.cpu_seconds(), "harness": time.process_time(),
               "machine": procstat.machine_busy_seconds(), "wall": time.monotonic()}  # fmt: skip
        used = {key: now[key] - cpu[key] for key in now}
        cpu.update(now)
        wall = used.pop("wall") or 1.0
        other = used["machine"] - used["server"] - used["harness"]
        return {
            "server_cores": used["server"] / wall,
            "harness_cores": used["harness"] / wall,
            "other_cores": max(0.0, other / wall),
        }

    def read_server() -> dict:
        pids = server.pids()
        return {
            "rss_bytes": server.rss_bytes(),
            "open_files": soak_report.floor_of(lambda: soak_report.open_files(server.pids())),
            "db_connections": soak_report.floor_of(
                lambda: soak_report.database_connections(admin_url, stack.database_name)
            ),
            "server_processes": len(pids),
        }

    async def sample(at: float) -> None:
        now = time.monotonic_ns()
        if marks["start"] is None:
            marks["start"] = marks["previous"] = now
        if at >= plan.warmup_seconds and marks["warm"] is None:
            marks["warm"] = now
        delays = sorted(traffic.tally.delays_between(marks["previous"], now))
        errors = sum(1 for t in traffic.failure_times if marks["previous"] <= t < now)
        marks["previous"] = marks["end"] = now
        reading = await asyncio.to_thread(read_server)
        entry = {
            "t_s": at,
            "phase": "measured" if at >= plan.warmup_seconds else "warm-up",
            **reading,
            **cpu_shares(),
            "open_sockets": traffic.open_sockets(),
            "deliveries": len(delays),
            "delay_p50_ms": None if not delays else stats.percentile(delays, 0.5) / 1e6,
            "delay_p99_ms": None if not delays else stats.percentile(delays, 0.99) / 1e6,
            "errors": errors,
            "errors_total": len(traffic.failure_times),
        }
        samples.append(entry)
        say(
            f"t={at:.0f}s {entry['phase']}: RSS {entry['rss_bytes'] / 2**20:.1f} MiB, "
            f"{entry['open_files']} files, {entry['db_connections']} DB connections, "
            f"{entry['open_sockets']} sockets, p99 {entry['delay_p99_ms']} ms, "
            f"{errors} errors; cores busy: server {entry['server_cores']:.2f}, "
            f"harness {entry['harness_cores']:.2f}, others {entry['other_cores']:.2f}"
        )

    await traffic.run(sample, say)
    measured = [entry for entry in samples if entry["phase"] == "measured"]
    deliveries = traffic.tally.deliveries()
    failures = dict(traffic.failures)
    windows = soak_report.p99_windows(traffic.tally, marks["warm"], marks["end"])
    criteria = soak_report.criteria(measured, deliveries, failures, windows)
    return {
        "samples": samples,
        "deliveries": deliveries,
        "actions": {kind: dict(counts) for kind, counts in traffic.actions.items()},
        "failures": failures,
        "sockets_opened": len(traffic.tally.conns),
        "p99_windows": windows,
        "criteria": criteria,
        "passed": all(criterion["passed"] is not False for criterion in criteria),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    people = args.people or people_needed(args)
    plan = Plan(
        seconds=args.minutes * 60,
        warmup_seconds=args.warmup_minutes * 60,
        sockets=args.sockets,
        rooms=args.rooms,
        people=people,
        rate=args.rate,
        edit_rate=args.edit_rate,
        react_rate=args.react_rate,
        upload_rate=args.upload_rate,
        search_rate=args.search_rate,
        churn=args.churn,
        churn_seconds=args.churn_seconds,
        sample_seconds=args.sample_seconds,
        drain=args.drain,
    )
    # The harness holds every socket, and churned ones overlap their successors.
    raise_open_file_limit(args.sockets + 2 * plan.churned())
    config = StackConfig(
        workers=args.workers,
        postgres=None if args.sqlite else args.postgres,
        redis=None if args.in_memory_layer else args.redis,
        # Every soak person signs up, creates rooms and sends files from one address;
        # a file per person and hour is counted too: none of that is what is soaked.
        extra_env={
            "CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR": str(people + 1),
            "CHAT_ROOMS_PER_PERSON_PER_HOUR": str(args.rooms + 1),
            "CHAT_UPLOADS_PER_HOUR": str(max(30, math.ceil(args.upload_rate * 3600) + 1)),
        },
        keep=args.keep,
    )
    stack = Stack(config)
    # Files sent go to the stack's temp dir, not the repository's media/.
    config.extra_env["CHAT_MEDIA_ROOT"] = str(stack.workdir / "media")
    where = (
        f"{'SQLite' if args.sqlite else 'PostgreSQL'}, "
        f"{'in-memory' if args.in_memory_layer else 'Redis'} layer, "
        f"{args.workers} worker{'s' if args.workers > 1 else ''}"
    )
    results: dict = {
        "title": (
            f"soak: {args.minutes:g} min ({args.warmup_minutes:g} warm-up), {args.sockets} "
            f"sockets in {args.rooms} rooms, {people} people, {args.rate:g} posts/s, "
            f"{args.edit_rate:g} edits/s, {args.react_rate:g} reactions/s, "
            f"{args.upload_rate:g} files/s, {args.search_rate:g} searches/s, "
            f"{plan.churned()} sockets replaced every {args.churn_seconds:g} s; {where}"
        ),
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": [Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)],
        "plan": vars(plan),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_start": os.getloadavg()[0],
        },
    }
    say("preparing the stack (migrate, collectstatic)")
    try:
        with stack:
            results["stack"] = stack.describe()
            server = stack.server("ours")
            say(f"starting {' '.join(server.argv[1:])}")
            with server:
                say(f"signing up {people} people, creating {args.rooms} rooms")
                slugs, persons = set_up(server.url, plan)
                try:
                    results.update(
                        asyncio.run(soak(server, stack, plan, slugs, persons, config.postgres))
                    )
                except Exception as error:
                    raise RuntimeError(f"{error!r}\n{server.log_tail()}") from error
    except RuntimeError as error:
        print(f"soak failed: {error}", file=sys.stderr)
        return 2
    print(soak_report.table(results))
    soak_report.write_json(results, args.json)
    say(f"results written to {args.json}")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
