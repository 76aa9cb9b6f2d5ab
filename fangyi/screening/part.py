"""Screening: mass screening rounds, sampling points, pooled tubes by scan, boxes, labs and results,
positive pools."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.screening import api, box_api, box_pages, figures, pages, results, scan_api, setup_pages
from fangyi.screening.importer import LabResults, Samples
from fangyi.screening.models import Control, RetestTask, Sample, SuspectedCase
from fangyi.screening.words import WORDS

SAMPLERS = frozenset({Role.sampler, Role.command_office, Role.admin})
LABS = frozenset({Role.lab, Role.command_office, Role.admin})

PART = Part(
    name="screening",
    # The scan route first: on a round's morning it is nearly every request (the app's lane takes
    # it before routing; this keeps routing's own order the same).
    routers=(scan_api.router, api.router, pages.router, box_api.router, box_pages.router, setup_pages.router),
    permissions={
        "scan_samples": SAMPLERS,
        "read_screening": frozenset({Role.commander, Role.command_office, Role.admin, Role.sampler, Role.lab,
                                     Role.village_doctor, Role.tracer}),
        "manage_screening": frozenset({Role.command_office, Role.admin}),
        "record_results": LABS,
    },
    words=WORDS,
    import_kinds={"samples": ImportKind(Samples, SAMPLERS), "lab_results": ImportKind(LabResults, LABS)},
    figures=(("testing", figures.testing_figures),),
    person_links=tuple((model, "person_id") for model in (Sample, Control, RetestTask, SuspectedCase)),
    negative_tests=(results.last_negative,),
    nav=(Nav("/screening", "nav.screening", "read_screening"),),
    landing={Role.sampler: "/screening", Role.lab: "/screening/boxes"},  # the lab: boxes to receive
    templates=Path(__file__).parent / "templates",
    # setup: a round set up by another part (the zones' round over a zone's residents).
    public=("service", "models", "schemas", "events", "setup"),
)
