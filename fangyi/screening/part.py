"""Screening: mass screening rounds, sampling points, pooled tubes by scan, boxes, labs and results,
positive pools."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.screening.words import WORDS

SAMPLERS = frozenset({Role.sampler, Role.command_office, Role.admin})
LABS = frozenset({Role.lab, Role.command_office, Role.admin})

PART = Part(
    name="screening",
    # The scan route first: on a round's morning it is nearly every request (the app's lane takes
    # it before routing; this keeps routing's own order the same).
    routers=tuple(f"fangyi.screening.{module}:router" for module in ("scan_api", "api", "pages", "box_api",
                                                                      "box_pages", "setup_pages")),
    permissions={
        "scan_samples": SAMPLERS,
        "read_screening": frozenset({Role.commander, Role.command_office, Role.admin, Role.sampler, Role.lab,
                                     Role.village_doctor, Role.tracer}),
        "manage_screening": frozenset({Role.command_office, Role.admin}),
        "record_results": LABS,
    },
    words=WORDS,
    import_kinds={"samples": ImportKind("fangyi.screening.importer:Samples", SAMPLERS),
                  "lab_results": ImportKind("fangyi.screening.importer:LabResults", LABS)},
    figures=(("testing", "fangyi.screening.figures:testing_figures"),),
    person_links=tuple((f"fangyi.screening.models:{model}", "person_id")
                       for model in ("Sample", "Control", "RetestTask", "SuspectedCase")),
    negative_tests=("fangyi.screening.results:last_negative",),
    nav=(Nav("/screening", "nav.screening", "read_screening"),),
    landing={Role.sampler: "/screening", Role.lab: "/screening/boxes"},  # the lab: boxes to receive
    templates=Path(__file__).parent / "templates",
    # setup: a round set up by another part (the zones' round over a zone's residents).
    public=("service", "models", "schemas", "events", "setup"),
)
