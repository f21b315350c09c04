"""The web app: ``create_app(settings)`` builds the FastAPI application."""
