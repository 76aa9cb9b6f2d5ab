"""Paging of long lists: which rows a page shows and what its links say."""

from __future__ import annotations

from dataclasses import dataclass

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int = 0

    @classmethod
    def of(cls, number: int | None, size: int = PAGE_SIZE) -> Page:
        return cls(number=max(number or 1, 1), size=size)

    def with_total(self, total: int) -> Page:
        return Page(self.number, self.size, total)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
