"""The search index's triggers on SQLite, made again after migration 0011.

0011 adds columns with defaults and a foreign key to ``chat_message``, which Django does on
SQLite by rebuilding the table: that drops the triggers keeping the full-text index of
migration 0006 in step, and no new message would be found. They are made again here, and the
index rebuilt from the bodies stored, so nothing said between the two is missing either.
PostgreSQL's index is on the table itself and kept through the change: nothing to do there.
A migration that rebuilds ``chat_message`` later must do the same.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS chat_message_fts_insert",
    "DROP TRIGGER IF EXISTS chat_message_fts_delete",
    "DROP TRIGGER IF EXISTS chat_message_fts_update",
    """
    CREATE TRIGGER chat_message_fts_insert AFTER INSERT ON chat_message BEGIN
        INSERT INTO chat_message_fts(rowid, body) VALUES (new.id, new.body);
    END
    """,
    """
    CREATE TRIGGER chat_message_fts_delete AFTER DELETE ON chat_message BEGIN
        INSERT INTO chat_message_fts(chat_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END
    """,
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


def _forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE_FORWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0011_formatting_replies_previews"),
    ]

    operations = [
        migrations.RunPython(_forward, migrations.RunPython.noop, elidable=False),
    ]
