"""An import's failures that a light process raises too (the check-ins' writer imports only this)."""


class WriteFailed(Exception):
    """A handler that commits as it goes could not write a batch (the database refused it): the
    batches committed before it stay, and a run again loads the rest. The text is for the user."""
