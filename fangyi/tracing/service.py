"""What other parts may ask of tracing: open a case (screening's confirmed suspected cases); the
clusters and chains a reader may see (the command's dashboard)."""

from __future__ import annotations

from fangyi.tracing.cases import CaseFields, clusters_seen, create_case

__all__ = ["CaseFields", "clusters_seen", "create_case"]
