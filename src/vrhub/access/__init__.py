"""Who may do what: identities, roles and scopes, one policy layer, and the audit trail.

Every page, API endpoint and CLI command that touches record-level data or administers
accounts goes through :class:`vrhub.access.policy.Policy`, which decides and writes exactly
one audit event. :class:`vrhub.access.services.AccessServices` bundles the pieces for the
web app and the CLI.
"""
