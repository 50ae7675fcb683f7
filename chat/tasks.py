"""Every module that holds background or periodic tasks, imported here so that the task
consumer knows them all (``manage.py serve`` starts it; ``chat/apps.py`` imports this
module at start-up, and huey's Django integration also looks for a ``tasks`` module in
each installed app). A feature with tasks adds one import line below, nothing else.

**Why huey.** It is a small library that is kept up, with what the chat needs and no more:
tasks run after the request, periodic tasks (crontab), retries with a delay, and a queue
that lives where the chat's data already is: in Redis with ``REDIS_URL`` (every process of
every box shares it, and each queued task is taken by one consumer), else in a SQLite file
beside the database (``CHAT_TASKS_FILE``). Its consumer is one process that ``serve``
starts and supervises like a worker. The alternatives:

- Celery: a broker and a separate beat process more to run and watch, for features the
  chat does not use;
- django-q2: its scheduler lives in the database, and its cluster is one more thing to
  run beside the server;
- Django's tasks (django-tasks): no periodic tasks nor retries yet;
- procrastinate: PostgreSQL only, and the chat runs on SQLite too.

In the test process every task runs at once, where it is asked for
(``CHAT_TASKS_IMMEDIATE``); servers the tests start run the real queue.

**Never twice.** A queued task goes to one consumer (the queue's pop is atomic in Redis
and in SQLite). Every consumer's scheduler enqueues each periodic task, so a periodic task
holds a lock that expires (``chat.task_locks``; huey's ``lock_task`` stays taken for good
when Redis goes away before a run gives it back) and decides what it sends with a
conditional UPDATE in the database, which only one claimer wins.
"""

from chat import housekeeping  # noqa: F401 - sign-in links and sessions that are over
from chat.bots import feed  # noqa: F401 - bots' event feeds, in order, with retries
from chat.people import (
    digests,  # noqa: F401 - e-mail for what is still unread
    push_delivery,  # noqa: F401 - Web Push to the devices of those away
)
