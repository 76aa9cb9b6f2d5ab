"""The kinds of institution, qualification, post and team (a module of their own: the part's words
name them, and the words are read at start-up without the models)."""

from __future__ import annotations

INSTITUTION_KINDS = ("hospital", "cdc", "township_health_centre", "village_clinic", "government", "volunteers")
QUALIFICATIONS = ("sampler", "tracer", "lab", "nurse", "doctor", "driver", "security", "cadre", "volunteer")
POST_KINDS = ("sampling_point", "checkpoint", "quarantine_site", "lab", "fever_clinic", "tracing_team",
              "command_office", "vehicle_crew")
TEAM_KINDS = ("commando", "branch")
