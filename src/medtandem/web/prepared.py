"""Querysets compiled to SQL once per process, then run with new parameter values.

Building and compiling a queryset costs Django 0.6-1.5 ms of CPU on the 2-core reference machine
(the filters, the joins, the SQL text), several times the cost of running the query on a warm
connection. The reading path runs the same five queries on every request with other ids, so it
compiles each once: a :class:`Prepared` is declared with a function that builds the queryset from
named values; on its first use it is built with sentinel values, compiled, and the positions of the
sentinels among the SQL parameters are remembered. Each later call binds its own values there and
executes the stored SQL through Django's cursor (so query counting, the debug log and the
connection's health checks all see it), then builds the rows as Django would (the same converters,
model instances through ``Model.from_db``, ``select_related`` through Django's own populators).

Only exact-match values may be named (an id, a string): a value that a lookup transforms (``__in``
lists, ``__icontains``) would not be found among the parameters, which :meth:`Prepared._compile`
refuses at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models import query as django_query
from django.db.models.query import ModelIterable

T = TypeVar("T")

#: Sentinel ids: negative and far from any real primary key or literal of our queries.
_SENTINEL_BASE = -7_301_000_000


class _Compiled:
    __slots__ = ("sql", "params", "slots", "compiler", "converters", "models")

    def __init__(self, queryset: QuerySet[Any], sentinels: dict[str, Any], using: str) -> None:
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots: list[tuple[int, str]] = []
        for index, value in enumerate(self.params):
            for name, sentinel in sentinels.items():
                if type(value) is type(sentinel) and value == sentinel:
                    self.slots.append((index, name))
        missing = set(sentinels) - {name for _, name in self.slots}
        if missing:
            raise ValueError(f"prepared query: {sorted(missing)} not found among its parameters")
        self.compiler = compiler
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.models = issubclass(queryset._iterable_class, ModelIterable)


class Prepared(Generic[T]):
    """``Prepared(lambda pk, learner_id: Model.objects.filter(pk=pk, learner_id=learner_id))``:
    ``.all(pk=1, learner_id=2)`` returns the rows (model instances or ``values_list`` tuples),
    ``.first(...)`` the first or None. ``kinds`` gives the type of each named value when it is not
    an ``int`` (e.g. ``{"condition": str}``)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], kinds: dict[str, type] | None = None
    ) -> None:
        self.build = build
        self.kinds = kinds or {}
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str, names: list[str]) -> _Compiled:
        sentinels: dict[str, Any] = {}
        for i, name in enumerate(names):
            kind = self.kinds.get(name, int)
            sentinels[name] = (
                _SENTINEL_BASE - i if kind is int else f"\x1fmedtandem-prepared-{i}\x1f"
            )
        compiled = _Compiled(self.build(**sentinels), sentinels, using)
        with self._lock:
            self._compiled[using] = compiled
        return compiled

    def all(self, using: str = "default", **values: Any) -> list[T]:
        compiled = self._compiled.get(using) or self._compile(using, sorted(values))
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        compiler = compiled.compiler
        if compiled.converters:
            rows = [tuple(r) for r in compiler.apply_converters(rows, compiled.converters)]
        if not compiled.models:
            return cast(list[T], rows)
        # As django.db.models.query.ModelIterable builds its instances.
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [f[0].target.attname for f in select[start:end]]
        model: type[Model] = klass_info["model"]
        # ModelIterable's own helper for select_related (Django's; django-stubs leave it out).
        populators = django_query.get_related_populators(klass_info, select, using)  # type: ignore[attr-defined]
        annotations = compiler.annotation_col_map.items()
        out = []
        for row in rows:
            obj = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            # .annotate(...) values, set as Django's ModelIterable sets them
            for attname, position in annotations:
                setattr(obj, attname, row[position])
            out.append(obj)
        return cast(list[T], out)

    def first(self, using: str = "default", **values: Any) -> T | None:
        rows = self.all(using, **values)
        return rows[0] if rows else None
