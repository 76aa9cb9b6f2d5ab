"""What other parts may ask of tracing: open a case (screening's confirmed suspected cases)."""

from __future__ import annotations

from fangyi.tracing.cases import CaseFields, create_case

__all__ = ["CaseFields", "create_case"]
