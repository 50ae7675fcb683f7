"""Load and latency harness: our chat against the Channels tutorial, on the same stack.

    python bench/run.py                      # small defaults, under a minute
    python bench/run.py --sockets 100 --rate 20 --messages 400
    python bench/run.py --workers 2 --postgres   # Redis layer (needed by 2 workers)
    python bench/run.py --storm 500          # connect storm instead of the load
    python bench/run.py --rooms 50 --sockets 1000   # many small rooms: 50 x 20 sockets

For each side in turn (ours: ``manage.py serve``; baseline: ``bench/launch.py serve``,
the tutorial consumer on the same daphne, Channels and layer), on one prepared stack
(``bench.stack``): start the server, set up (ours: sign-ups, the public rooms), run the load
phase (``bench.load``) or the storm (``bench.storm``), stop the server. Prints a table
and writes everything to ``--json`` (default bench/results/latest.json).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from bench import load, report, storm, wire  # noqa: E402
from bench.soak_report import database_connections  # noqa: E402
from bench.stack import (  # noqa: E402
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    ServerProcess,
    Stack,
    StackConfig,
)
from chat.limits import POST_WINDOW_SECONDS, POSTS_PER_WINDOW  # noqa: E402
from tests.support import accounts  # noqa: E402

DEFAULT_JSON = REPO / "bench" / "results" / "latest.json"
SIDES = ("ours", "baseline")
STARTED = time.monotonic()
#: HTTP requests in flight at once while signing up and creating rooms.
SETUP_THREADS = 8
#: Descriptors beyond one per socket: the harness's and the servers' own files.
SPARE_FILES = 200


def say(message: str) -> None:
    """Progress, on stderr so stdout holds only the table."""
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=50, help="sockets in all (N)")
    parser.add_argument(
        "--rooms", type=int, default=1,
        help="rooms the sockets are spread over: socket i is in room i mod ROOMS",
    )  # fmt: skip
    parser.add_argument("--users", type=int, default=5, help="people the sockets belong to (K)")
    parser.add_argument("--messages", type=int, default=100, help="messages to send (M)")
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second (R)")
    parser.add_argument(
        "--senders",
        type=int,
        default=None,
        help="sending sockets (default: the users, more if the per-socket limit needs it; "
        "rounded up to a multiple of --rooms)",
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes (>1: Redis)")
    parser.add_argument(
        "--redis", nargs="?", const=DEFAULT_REDIS, default=None, metavar="URL",
        help=f"Redis channel layer (default URL {DEFAULT_REDIS}; that database is flushed)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, metavar="URL",
        help=f"PostgreSQL instead of SQLite: a fresh database next to {DEFAULT_POSTGRES}",
    )  # fmt: skip
    parser.add_argument(
        "--storm", type=int, default=0, metavar="COUNT",
        help="connect-storm mode: open COUNT sockets at once instead of the load phase",
    )  # fmt: skip
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for stragglers")
    parser.add_argument(
        "--typing", type=int, default=0, metavar="K",
        help='every K-th socket says "typing" every 3 s during the load (ours only)',
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra environment for both servers, e.g. CONN_MAX_AGE=60 (repeatable)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument(
        "--proxy",
        action="store_true",
        help="nginx in front of each side's server, with docs/examples/nginx.conf as shipped "
        "(https and wss to nginx; serve --proxy-headers)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="repeat the whole run (a fresh stack each time) and report each figure's median",
    )
    args = parser.parse_args(argv)
    if min(args.sockets, args.rooms, args.users, args.messages, args.workers) < 1 or args.rate <= 0:
        parser.error(
            "--sockets, --rooms, --users, --messages, --workers and --rate must be positive"
        )
    if args.rooms > (args.storm or args.sockets):
        parser.error("--rooms cannot exceed the sockets (--sockets, or the --storm COUNT)")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env wants KEY=VALUE")
    return args


def sender_sockets(args: argparse.Namespace) -> int:
    """Enough sending sockets, and people behind them, that nobody trips the posting limit.

    The limit is per person (chat/limits.py), whatever socket they send from. A socket
    sending every S/R seconds sends floor(R·window/S) + 1 in any window, or ceil(M/S) in
    all; a person sends that times the sending sockets they own (``wire.person_of``).
    One message of margin is kept for timer jitter. S is a multiple of the rooms, so
    that every room has as many senders and gets as many messages
    (``load.Plan.sender_indexes``), and no room has more senders than sockets. People
    are added (``args.users`` grows) until each one's share fits.
    """
    limit = POSTS_PER_WINDOW - 1
    rooms = args.rooms
    most = rooms * (args.sockets // rooms)

    def busiest(senders: int, users: int) -> int:
        plan = load.Plan(args.sockets, senders, args.messages, args.rate, rooms)
        owners = Counter(wire.person_of(i, rooms, users) for i in plan.sender_indexes())
        return max(owners.values())

    def fits(senders: int, users: int) -> bool:
        per_socket = min(
            math.floor(args.rate * POST_WINDOW_SECONDS / senders) + 1,
            math.ceil(args.messages / senders),
        )
        return per_socket * busiest(senders, users) <= limit

    wanted = min(args.sockets, args.senders or args.users)
    senders = min(most, rooms * math.ceil(wanted / rooms))
    while not fits(senders, senders) and senders < most:
        senders += rooms
    if not fits(senders, senders):
        sys.exit(
            f"{args.messages} messages at {args.rate:g}/s need more than {senders} "
            f"sending sockets ({args.sockets} sockets in {rooms} rooms) to stay under "
            f"{POSTS_PER_WINDOW} messages per {POST_WINDOW_SECONDS:g} s per person: "
            "raise --sockets or lower --rate."
        )
    while not fits(senders, args.users):
        args.users += 1
    return senders


def most_sockets_of_one(sockets: int, args: argparse.Namespace) -> int:
    """The most sockets one person holds (``wire.person_of``): the people's shares are
    uneven when the blocks of sockets do not divide among them (10,000 sockets in 100
    rooms for 17 people: 500 or 600 each, not 589)."""
    owners = Counter(wire.person_of(i, args.rooms, args.users) for i in range(sockets))
    return max(owners.values())


def rooms_of_people(users: int, rooms: int, sockets: int) -> list[set[int]]:
    """The rooms each person has sockets in (``wire.person_of``)."""
    joined: list[set[int]] = [set() for _ in range(users)]
    for index in range(sockets):
        joined[wire.person_of(index, rooms, users)].add(wire.room_of(index, rooms))
    return joined


def set_up_ours(base_url: str, users: int, rooms: int, sockets: int) -> wire.Ours:
    """Sign up the users, create the public rooms, have each person open their rooms' pages.

    A socket to a public room is accepted without membership, but in a browser the page
    comes before its socket, and its Join bar makes one a member: each person opens and
    joins every room they have sockets in (room r's creator, person r mod K, landed on it
    already). Each person's CSRF token comes from the lobby's form, once. Requests run
    a few at a time (``SETUP_THREADS``); one server worker serves them in turn anyway.
    """
    names = [f"bench{number}" for number in range(users)]
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        browsers = list(pool.map(lambda name: accounts.sign_up(base_url, name), names))
        tokens = list(pool.map(lambda browser: accounts.csrf_token(browser.get("/")), browsers))

        def create(room: int) -> str:
            creator = room % users
            return accounts.create_public_room(browsers[creator], f"Bench {room}", tokens[creator])

        slugs = list(pool.map(create, range(rooms)))

        def visit(number: int, joined: set[int]) -> accounts.Person:
            for room in sorted(joined):
                if room % users != number:
                    accounts.open_room_page(browsers[number], names[number], slugs[room])
            return accounts.Person(names[number], browsers[number].cookie_header(), tokens[number])

        people = list(pool.map(visit, range(users), rooms_of_people(users, rooms, sockets)))
    return wire.Ours(base_url, slugs, people)


async def measure(
    name: str, server: ServerProcess, args: argparse.Namespace, plan: load.Plan
) -> dict:
    """Set the side up on its running server, then storm it or load it."""
    if name == "ours":
        say(f"ours: signing up {args.users} users, creating {args.rooms} room(s)")
        side = await asyncio.to_thread(
            set_up_ours, server.url, args.users, args.rooms, args.storm or args.sockets
        )
        say("ours: set up")
    else:
        side = wire.Baseline(server.url, args.rooms)
    if args.storm:
        say(f"{name}: storm of {args.storm} sockets")
        return await storm.run_storm(side, server, args.storm)
    say(
        f"{name}: {plan.sockets} sockets, {plan.messages} messages at "
        f"{plan.rate:g}/s from {plan.senders} sockets"
    )
    return await load.run_load(side, server, plan)


def run_side(name: str, stack: Stack, args: argparse.Namespace, plan: load.Plan) -> dict:
    """Start the side's server, measure, stop it."""
    server = stack.server(name)
    say(f"{name}: starting {' '.join(server.argv[1:])}")
    with server, ConnectionWatch(stack) as connections:
        try:
            measured = asyncio.run(measure(name, server, args, plan))
        except Exception as error:
            raise RuntimeError(f"{name}: {error!r}\n{server.log_tail()}") from error
    say(f"{name}: stopped")
    return {
        "server_command": server.argv[1:],
        **measured,
        "database_connections_max": connections.most,
    }


class ConnectionWatch:
    """The most PostgreSQL connections to the stack's database seen while a side ran (set-up
    included: page loads are when a process holds the most), read every half second."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.most: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ConnectionWatch:
        if self.stack.database_name is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            seen = database_connections(self.stack.config.postgres, self.stack.database_name)
            self.most = max(self.most or 0, seen or 0)


def title(args: argparse.Namespace, plan: load.Plan, stack: Stack) -> str:
    where = stack.describe()
    on = (
        f"{where['database']}, {where['channel_layer']} layer, "
        f"{where['workers']} worker{'s' if where['workers'] > 1 else ''}"
        f"{', behind nginx (https)' if where['proxy'] else ''}"
    )
    rooms = f"{args.rooms} rooms" if args.rooms > 1 else "1 room"
    if args.storm:
        return f"connect storm: {args.storm} sockets at once ({rooms}, {args.users} users); {on}"
    typing = f", every {plan.typing_every}th socket typing" if plan.typing_every else ""
    return (
        f"load: {plan.sockets} sockets ({rooms}, {args.users} users), {plan.messages} "
        f"messages at {plan.rate:g}/s from {plan.senders} sockets{typing}; {on}"
    )


def raise_open_file_limit(sockets: int) -> None:
    """Many sockets need many descriptors; servers inherit the raised limit.

    The soft limit goes up to the hard one; a hard limit too low for the sockets (one
    descriptor each, on either end) stops the run before it starts.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    needed = sockets + SPARE_FILES
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(
            f"{sockets} sockets need about {needed} open files, but the hard limit is "
            f"{hard} (ulimit -Hn): raise it, or open fewer sockets."
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_file_limit(args.storm or args.sockets)
    plan = load.Plan(
        sockets=args.sockets,
        senders=0 if args.storm else sender_sockets(args),
        messages=args.messages,
        rate=args.rate,
        rooms=args.rooms,
        drain=args.drain,
        typing_every=args.typing,
    )
    redis = args.redis or (DEFAULT_REDIS if args.workers > 1 else None)
    sockets = args.storm or args.sockets
    config = StackConfig(
        workers=args.workers,
        postgres=args.postgres,
        redis=redis,
        # Every bench person signs up, and creates rooms, from this one loopback address.
        extra_env={
            "CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR": str(args.users + 1),
            "CHAT_ROOMS_PER_PERSON_PER_HOUR": str(args.rooms + 1),
            # A person's sockets at once (20 by default): 1,000 sockets of 5 people need more.
            "CHAT_SOCKETS_PER_PERSON": str(max(20, most_sockets_of_one(sockets, args))),
            **dict(item.split("=", 1) for item in args.server_env),
        },
        keep=args.keep,
        proxy=args.proxy,
    )
    results: dict = {
        "mode": "storm" if args.storm else "load",
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": [Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)],
        "plan": vars(plan)
        if not args.storm
        else {"storm": args.storm, "rooms": args.rooms, "users": args.users},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_start": os.getloadavg()[0],
        },
    }
    runs = []
    for run in range(args.runs):
        say(f"run {run + 1} of {args.runs}: preparing the stack (migrate, collectstatic)")
        measured: dict = {}
        try:
            with Stack(config) as stack:
                results["stack"] = stack.describe()
                results["title"] = title(args, plan, stack)
                for name in SIDES:
                    measured[name] = run_side(name, stack, args, plan)
        except RuntimeError as error:
            print(f"bench failed: {error}", file=sys.stderr)
            return 1
        runs.append(measured)
    for name in SIDES:
        results[name] = report.median_of([measured[name] for measured in runs])
    if args.runs > 1:
        results["title"] += f"; medians of {args.runs} runs"
        results["runs"] = runs
    results["ratios"] = report.ratios(results)
    print(report.table(results))
    report.write_json(results, args.json)
    say(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
