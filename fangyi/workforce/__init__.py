"""Workforce: institutions and staff, posts and their needs, shifts and rosters, teams, duty now."""
