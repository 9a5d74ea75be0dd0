"""Beheer of klantgegevens in the admin: groups and permissions, the log of what data
managers viewed, exported and destroyed, privacy-request exports and the read-only overview of
the environment settings (docs/admin.md)."""
