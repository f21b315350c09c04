"""The vocabulary of vrhub: table schemas, code lists and value types. No I/O here."""
