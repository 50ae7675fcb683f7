"""What ``manage.py serve`` does: run the chat under daphne, in one process or in N sharing
one socket.

    manage.py serve [--workers N] [--bind HOST:PORT] [--proxy-headers] [--shutdown-grace S]
                    [--no-tasks]

The command (``chat/management/commands/serve.py``) only reads its arguments and calls
:func:`serve`.

**One listening socket, inherited.** :func:`serve` binds and listens on HOST:PORT itself.
With ``--workers 1`` (the default, and what ``make run`` uses) it then runs daphne on that
socket in this same process. With N > 1 it starts N children, each
``python manage.py serve --worker-fd FD ...`` (so each imports the project exactly as
manage.py does), handing them the socket's descriptor (``pass_fds``); each runs daphne on
it (``chat.serving.server.serve_on_fd``) and the kernel gives every new connection to
whichever worker accepts first. We chose this over SO_REUSEPORT, where each worker binds
its own socket, because:

- there is one accept queue: when a worker dies or restarts, connections waiting in the
  queue are taken by its siblings; with SO_REUSEPORT the ones hashed to its socket are
  reset when it closes;
- an idle worker takes the next connection, where SO_REUSEPORT spreads connections by a
  hash whether the chosen worker is busy or not;
- the port is bound once, by the parent, before any worker starts: "address already in
  use" is one clear error, and no other process can join the port behind our back;
- it works the same on every Unix (SO_REUSEPORT balancing is Linux's).

**N > 1 needs REDIS_URL.** Messages are broadcast through the channel layer; the
in-memory one lives inside one process, so people connected to different workers would
not see each other's messages. The command refuses to start instead (exit status 1).

**Supervision: restart.** A worker that dies while the parent is not stopping is
restarted at once, in the same slot. If workers die ``RESTART_LIMIT`` times within
``RESTART_WINDOW`` seconds, something is wrong that restarting will not fix (a bad
setting, the database gone): the parent stops the others and exits with status 1, so
systemd or the container runtime sees the failure instead of a crash loop.

**The task consumer.** Beside daphne, ``serve`` starts one more child: the consumer of the
background and periodic tasks (``python manage.py run_tasks --parent-pid PID``, see
``chat.tasks``), so that ``make run`` and every production box has one without a second
command. It is supervised as a worker is: restarted when it dies, counted in the same
``RESTART_LIMIT`` (giving up stops everything, status 1), sent SIGTERM on stopping (it
finishes the tasks it runs, within the same time as workers), and it stops by itself
if the process that started it goes. With one worker the in-process daphne watches it from
a thread (``chat.serving.children.TaskConsumer``); with N, it is one more child of
:class:`Supervisor`.
``--no-tasks`` leaves it out, for boxes that should only serve: any number of consumers
may share the queue (each queued task goes to one of them), so leaving it out is a choice
of where work runs, never needed for correctness. With ``CHAT_TASKS_IMMEDIATE`` tasks run
where they are asked for and no consumer starts.

**Stopping.** SIGTERM or SIGINT to the parent closes its copy of the listening socket
(so that once the workers close theirs, new connections are refused at once, not queued
where nobody accepts them), is forwarded (as SIGTERM) to every worker, and the parent
waits for them, killing any still there ``--shutdown-grace`` + 10 s later;
then it exits 0. Workers run in their own process group, so a Ctrl-C in a terminal
reaches them only through the parent. Each worker closes its WebSockets with 1012
("service restart"), so browsers reconnect by themselves; see ``chat.serving.server``. A
second SIGTERM/SIGINT stops at once.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper

from chat.serving.children import (
    RESTART_LIMIT,
    RESTART_WINDOW,
    Deaths,
    TaskConsumer,
    how_it_ended,
    runs_task_consumer,
    start_task_consumer,
)

#: Beyond --shutdown-grace, how long the parent waits for stopping workers before SIGKILL.
STOP_MARGIN = 10.0
#: What each worker runs (``bench/launch.py`` points it at itself).
MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"
#: The supervisor's name for the task consumer's slot (workers are numbered from 1).
TASKS = "tasks"


def serve(
    *,
    bind: str,
    workers: int,
    proxy_headers: bool,
    shutdown_grace: float,
    worker_fd: int | None,
    parent_pid: int | None,
    out: OutputWrapper,
    tasks: bool = True,
) -> None:
    """Bind, then serve in this process (one worker) or supervise N worker processes.

    With ``worker_fd``, this process is a worker its parent started: it serves that socket.
    ``tasks`` (off with ``--no-tasks``) starts the task consumer beside them.
    """
    serving = {"proxy_headers": proxy_headers, "grace": shutdown_grace}
    if worker_fd is not None:
        serve_on_fd(worker_fd, parent_pid=parent_pid or os.getppid(), **serving)
        return

    if workers < 1:
        raise CommandError("--workers must be at least 1.")
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if workers > 1 and backend.endswith("InMemoryChannelLayer"):
        raise CommandError(
            f"--workers {workers} needs REDIS_URL: the in-memory channel layer cannot "
            "carry messages between processes, so people on different workers would "
            "not see each other's messages. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
            "or run one worker."
        )
    check_static_files()
    listener = listen(*_parse_bind(bind))

    with_tasks = runs_task_consumer(tasks)
    if workers == 1:
        out.write(f"Serving the chat on http://{bind}/ with daphne (one process)")
        out.flush()
        consumer = TaskConsumer(shutdown_grace + STOP_MARGIN, out) if with_tasks else None
        if consumer is not None:
            consumer.start()
        try:
            serve_on_fd(listener.detach(), **serving)
        finally:
            if consumer is not None:
                consumer.stop()
        if consumer is not None and consumer.gave_up:
            raise CommandError("The task consumer kept dying; stopped.", returncode=1)
        return

    argv = [sys.executable, str(MANAGE_PY), "serve", "--bind", bind]
    argv += ["--shutdown-grace", str(shutdown_grace)]
    if proxy_headers:
        argv.append("--proxy-headers")
    out.write(
        f"Serving the chat on http://{bind}/ with {workers} daphne workers (pid {os.getpid()})"
    )
    supervisor = Supervisor(
        listener, argv, workers, shutdown_grace + STOP_MARGIN, out, tasks=with_tasks
    )
    if supervisor.run() != 0:
        raise CommandError("Workers kept dying; stopped.", returncode=1)


def serve_on_fd(fd: int, **serving) -> None:
    """Run daphne on the listening socket ``fd`` in this process until it stops.

    Imported only here: the server's module installs Twisted's reactor when imported.
    """
    from chat.serving import server

    server.serve_on_fd(fd, **serving)


def check_static_files() -> None:
    """Production serves hashed names from collectstatic's manifest: it must be there."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if isinstance(staticfiles_storage, ManifestFilesMixin) and not (
        staticfiles_storage.manifest_storage.exists(staticfiles_storage.manifest_name)
    ):
        raise CommandError(
            f"Static files have not been collected into {settings.STATIC_ROOT}: run "
            "`python manage.py collectstatic --no-input` first."
        )


def _parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise CommandError(f"--bind wants HOST:PORT, not {bind!r}") from None
    return host.strip("[]") or "127.0.0.1", number


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, to be shared by every worker."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
    except OSError as error:
        raise CommandError(f"Cannot listen on {host}:{port}: {error}") from None
    try:
        # Restart on the same port while the last run's connections are in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(min(socket.SOMAXCONN, 1024))
    except OSError as error:
        listener.close()
        raise CommandError(f"Cannot listen on {host}:{port}: {error}") from None
    return listener


def _name(slot: int | str) -> str:
    return "task consumer" if slot == TASKS else f"worker {slot}"


class Supervisor:
    """The parent: starts the workers (and the task consumer), restarts the ones that die,
    stops them all on a signal."""

    def __init__(
        self,
        listener: socket.socket,
        worker_argv: list[str],
        workers: int,
        stop_timeout: float,
        out: OutputWrapper,
        tasks: bool = False,
    ) -> None:
        self.listener = listener
        self.worker_argv = worker_argv
        self.count = workers
        self.stop_timeout = stop_timeout
        self.out = out
        self.tasks = tasks
        self.workers: dict[int | str, subprocess.Popen] = {}
        self.deaths = Deaths()

    def say(self, message: str) -> None:
        self.out.write(message)
        self.out.flush()

    def run(self) -> int:
        """Supervise until told to stop (0) or until workers keep dying (1)."""
        # Signals wake the loop below through this pipe; the handlers themselves do nothing.
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        previous_wakeup = signal.set_wakeup_fd(wake_write)
        watched = (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)
        previous = {signum: signal.signal(signum, lambda *_: None) for signum in watched}
        try:
            for number in range(1, self.count + 1):
                self.spawn(number)
            if self.tasks:
                self.spawn(TASKS)
            return self.supervise(wake_read)
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            signal.signal(signal.SIGCHLD, previous[signal.SIGCHLD])
            # Stopping is done (or given up): a late SIGTERM must not turn the exit
            # status into "killed by a signal".
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_IGN)
            os.close(wake_read)
            os.close(wake_write)
            self.listener.close()

    def spawn(self, number: int | str) -> None:
        if number == TASKS:
            process = start_task_consumer(os.getpid())
            self.workers[number] = process
            self.say(f"task consumer started (pid {process.pid})")
            return
        fd = self.listener.fileno()
        process = subprocess.Popen(  # noqa: S603 - our own manage.py, with our own arguments
            [*self.worker_argv, "--worker-fd", str(fd), "--parent-pid", str(os.getpid())],
            cwd=MANAGE_PY.parent,
            pass_fds=(fd,),
            process_group=0,  # terminal signals reach workers only through the parent
        )
        self.workers[number] = process
        self.say(f"worker {number} started (pid {process.pid})")

    @staticmethod
    def _wait(wake_read: int, timeout: float | None) -> set[int]:
        """Block until a signal arrives (or ``timeout``); the signal numbers that came."""
        ready, _, _ = select.select([wake_read], [], [], timeout)
        if not ready:
            return set()
        try:
            return set(os.read(wake_read, 4096))
        except BlockingIOError:
            return set()

    def supervise(self, wake_read: int) -> int:
        while True:
            # Looked at before waiting too: a worker may have died before we first wait.
            for number, process in list(self.workers.items()):
                returncode = process.poll()
                if returncode is None:
                    continue
                deaths = self.deaths.count()
                how = how_it_ended(returncode)
                if deaths >= RESTART_LIMIT:
                    del self.workers[number]
                    self.say(
                        f"{_name(number)} (pid {process.pid}) exited ({how}); workers died "
                        f"{deaths} times within {RESTART_WINDOW:.0f} s: giving up"
                    )
                    self.stop(wake_read)
                    return 1
                self.say(f"{_name(number)} (pid {process.pid}) exited ({how}); restarting")
                self.spawn(number)
            signums = self._wait(wake_read, None)
            if signums & {signal.SIGTERM, signal.SIGINT}:
                self.stop(wake_read)
                return 0

    def stop(self, wake_read: int) -> None:
        """SIGTERM every worker, wait for them all; SIGKILL the ones that outstay the timeout."""
        # The parent's copy of the listening socket goes first: once each worker has
        # closed its own (the first thing it does on SIGTERM), the port refuses new
        # connections, and a proxy in front passes them to another box at once. Kept
        # open, they would queue where no worker accepts any more, until the last is gone.
        self.listener.close()
        alive = {n: p for n, p in self.workers.items() if p.poll() is None}
        self.say(f"stopping {len(alive)} worker(s)")
        for process in alive.values():
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while alive:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                for number, process in alive.items():
                    self.say(f"{_name(number)} (pid {process.pid}) did not stop; killing it")
                    process.kill()
                    process.wait()
                break
            signums = self._wait(wake_read, remaining)
            if signums & {signal.SIGTERM, signal.SIGINT}:  # asked again: stop at once
                for process in alive.values():
                    process.send_signal(signal.SIGTERM)
            alive = {n: p for n, p in alive.items() if p.poll() is None}
        self.say("all workers stopped")


__all__ = ["RESTART_LIMIT", "RESTART_WINDOW", "Supervisor", "serve"]
