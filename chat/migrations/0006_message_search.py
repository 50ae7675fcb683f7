"""The full-text index that ``chat.search`` reads, made the way each database makes one.

SQLite: an FTS5 table over ``chat_message.body`` with external content (it keeps only the
index and reads bodies from ``chat_message``), kept in step by triggers in the same
transaction as every insert, edit, deletion (a deleted message's body is emptied) and row
removal, and filled once from the messages already stored ('rebuild').

PostgreSQL: a GIN index on ``to_tsvector('simple', <body with ASCII punctuation blanked>)``;
the database keeps it in step itself. The blanking (``translate``, one space for each of
those characters, so the text keeps its length) stops PostgreSQL's parser from reading
words as parts of tags, e-mail addresses, URLs or host names, which it would leave out of
the index or keep whole (``see <soup> now`` would never be found by "soup"): words are runs
of letters and digits, as in FTS5 and in ``chat.search``. A plain CREATE INDEX, as
migrations run in a transaction and CONCURRENTLY cannot; it holds off writes to the table
while it is built.

Beware, on SQLite: a later migration that makes Django rebuild ``chat_message`` (most
field changes do) drops these triggers with the old table. It must make them again (the
search tests fail on any new message if it does not).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE chat_message_fts USING fts5(
        body, content='chat_message', content_rowid='id'
    )
    """,
    """
    CREATE TRIGGER chat_message_fts_insert AFTER INSERT ON chat_message BEGIN
        INSERT INTO chat_message_fts(rowid, body) VALUES (new.id, new.body);
    END
    """,
    # An external-content index forgets a row by being told its old text.
    """
    CREATE TRIGGER chat_message_fts_delete AFTER DELETE ON chat_message BEGIN
        INSERT INTO chat_message_fts(chat_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END
    """,
    # Only when the text changed: most updates (reactions, revisions) leave it alone.
    """
    CREATE TRIGGER chat_message_fts_update AFTER UPDATE OF body ON chat_message
    WHEN old.body IS NOT new.body BEGIN
        INSERT INTO chat_message_fts(chat_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO chat_message_fts(rowid, body) VALUES (new.id, new.body);
    END
    """,
    "INSERT INTO chat_message_fts(chat_message_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS chat_message_fts_update",
    "DROP TRIGGER IF EXISTS chat_message_fts_delete",
    "DROP TRIGGER IF EXISTS chat_message_fts_insert",
    "DROP TABLE IF EXISTS chat_message_fts",
]

# Frozen here, as a migration must be; chat/search.py writes the same expression, which the
# planner must see exactly to use the index (tests/test_search.py checks that it does).
BLANKED = '!"#$&()*+,-./:;<=>?@[]^_`{|}~'
POSTGRES_FORWARD = [
    "CREATE INDEX chat_message_body_search ON chat_message USING gin "
    f"(to_tsvector('simple', translate(body, '{BLANKED}', '{' ' * len(BLANKED)}')))",
]

POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS chat_message_body_search"]

FORWARD = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
BACKWARD = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_files_bots_notifications"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
