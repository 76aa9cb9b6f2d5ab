"""Zones: sealed, controlled and precaution zones and risk areas, proposed around cases, checked
every day against the edition's lifting criteria, approved and lifted by the command."""
