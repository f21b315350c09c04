"""The only package that knows SQL: the analytical warehouse and the app database."""
