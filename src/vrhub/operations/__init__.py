"""Operating a deployment: work that spans the stores and the access layer, such as
restoring a backup and checking the audit trail it brings back."""
