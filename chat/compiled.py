"""ORM lookups compiled to SQL once per database, then run as plain statements.

Django builds and compiles a query's SQL every time it runs it. For a lookup of one row by
one key, made at every socket's connect and on many pages, that building costs several times
the query itself: on SQLite, a profile by its user took about 220 µs through the ORM and
30 µs this way, and with the person, the room and the profile compiled a storm of connects
took a third less of the server's CPU (docs/performance.md, "The lookups of a connect,
compiled once").

A :class:`CompiledLookup` keeps what Django's compiler made of the query the first time
(the SQL, which column fills which field, and the database's converters for them) and runs
it again with new values: the query is still written once, with the ORM, and its rows are
still model instances.

No library does this for Django's own querysets (a result cache such as django-cachalot
caches the rows, which a connect must read fresh). Only a query whose parameters are
exactly the values it is called with is kept compiled; any other (a constant in the
filter, a join) is built by the ORM every time, correct and as slow as before.

A :class:`CompiledInsert` does the same for saving a new instance of one model: the
INSERT Django's compiler writes for the model is kept, and each save runs it with the
instance's values, converted by its fields as ``save()`` converts them. Every message is
one such insert, and building it was a tenth of storing a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, transaction
from django.db.models import NOT_PROVIDED, Field, Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Statement:
    model: type[Model]
    sql: str
    fields: list[str]
    #: By column: the database's converters for it, and the column's expression.
    converters: dict[int, tuple[list[Callable], Any]]


class CompiledLookup(Generic[M]):
    """The first row of the queryset ``query(*values)`` makes, as a model instance, with the
    SQL compiled once per database: ``query`` must select a model's own columns only, and
    take its parameters only from ``values`` (as ``Profile.objects.filter(user_id=…)``)."""

    def __init__(self, query: Callable[..., QuerySet[M]]) -> None:
        self._query = query
        #: By database alias; None where the query cannot be kept compiled.
        self._statements: dict[str, _Statement | None] = {}

    def first(self, *values: object, using: str = "default") -> M | None:
        """The first row for ``values``, or None (no row)."""
        statement = self._statements.get(using)
        if statement is None:
            queryset = self._query(*values)[:1]
            if using not in self._statements:
                self._statements[using] = _compile(queryset, values, using)
            if self._statements[using] is None:
                found = list(queryset.using(using))
                return found[0] if found else None
            statement = self._statements[using]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (converters, expression) in statement.converters.items():
            for convert in converters:
                row[position] = convert(row[position], expression, connection)
        return statement.model.from_db(using, statement.fields, row)

    def compiled(self, using: str = "default") -> bool:
        """Whether the lookup runs as a plain statement on ``using`` (once it ran there)."""
        return self._statements.get(using) is not None


def _compile(queryset: QuerySet, values: tuple, using: str) -> _Statement | None:
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    if tuple(params) != values:
        return None
    select = [column for column, _sql, _alias in compiler.select]
    model = queryset.model
    own = [field.attname for field in model._meta.concrete_fields]
    fields = [getattr(getattr(column, "target", None), "attname", None) for column in select]
    # Model.from_db takes the columns in the model's order; a join, an annotation or a
    # deferred field would need Django's own row building.
    if fields != own or any(
        getattr(column, "alias", None) != model._meta.db_table for column in select
    ):
        return None
    return _Statement(model, sql, fields, compiler.get_converters(select))


@dataclass(frozen=True)
class _Insert:
    sql: str
    #: The columns it fills, in order, and those the database hands back (the new key).
    fields: list[Field]
    returning: list[Field]
    returning_params: tuple
    converters: dict[int, tuple[list[Callable], Any]]


class CompiledInsert(Generic[M]):
    """Saves new instances of ``model`` as ``instance.save()`` does (its fields' ``pre_save``
    and conversions, the ``pre_save`` and ``post_save`` signals, the new key set on the
    instance), with the INSERT compiled once per database. Takes values, not expressions
    (``F()``); a model with parents, ``order_with_respect_to`` or a database default, or a
    database that cannot return the new key from the insert, is saved by the ORM."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._statements: dict[str, _Insert | None] = {}

    def save(self, instance: M, using: str = "default") -> M:
        """Insert ``instance`` (new, its key unset) and return it, saved."""
        if using not in self._statements:
            self._statements[using] = _compile_insert(self.model, using)
        statement = self._statements[using]
        if statement is None:
            instance.save(force_insert=True, using=using)
            return instance
        model, connection = self.model, connections[using]
        # In save()'s order: related objects checked, then the signal.
        instance._prepare_related_fields_for_save(operation_name="save")
        if pre_save.has_listeners(model):
            pre_save.send(model, instance=instance, raw=False, using=using, update_fields=None)
        values = []
        for field in statement.fields:
            value = field.pre_save(instance, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field.name}: a compiled insert takes values, not expressions")
            values.append(field.get_db_prep_save(value, connection=connection))
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(statement.sql, (*values, *statement.returning_params))
            row = list(
                connection.ops.fetch_returned_insert_columns(cursor, statement.returning_params)
            )
        for position, (converters, expression) in statement.converters.items():
            for convert in converters:
                row[position] = convert(row[position], expression, connection)
        for field, value in zip(statement.returning, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = using
        if post_save.has_listeners(model):
            post_save.send(
                model, instance=instance, created=True, update_fields=None, raw=False, using=using
            )
        return instance


def _compile_insert(model: type[Model], using: str) -> _Insert | None:
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if (
        not connection.features.can_return_columns_from_insert
        or meta.parents
        or meta.order_with_respect_to
        or any(field.db_default is not NOT_PROVIDED for field in fields)
    ):
        return None
    # The SQL is written for a blank instance: with values (not expressions) in every
    # column, it is the same for every instance of the model.
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning = meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    if len(params) != len(fields) + len(compiler.returning_params):
        return None
    columns = [field.get_col(meta.db_table) for field in returning]
    return _Insert(
        sql, fields, returning, tuple(compiler.returning_params), compiler.get_converters(columns)
    )
