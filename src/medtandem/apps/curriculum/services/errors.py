"""The curriculum services' typed errors (views map them to HTTP statuses)."""

from __future__ import annotations


class CurriculumRuleError(Exception):
    """A request breaks a rule of the curriculum (closed enrolment, locked activity, no attempts left)."""


class CsvImportError(ValueError):
    """A CSV upload is refused; ``errors`` lists (line number, message); nothing was imported."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"ligne {n} : {m}" for n, m in errors))
