"""A free slug for a new row: the one way services name a row by its title in its address."""

from __future__ import annotations

from django.db.models import Model
from django.utils.text import slugify


def free_slug(model: type[Model], text: str, *, max_length: int, fallback: str) -> str:
    """``text`` slugified and cut to ``max_length`` (``fallback`` where nothing is left), then
    ``-2``, ``-3``, … added until no row of ``model`` has that ``slug``.

    The check is not a lock: the model's unique ``slug`` stays the guard against a concurrent
    creation."""
    base = slugify(text)[:max_length] or fallback
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
