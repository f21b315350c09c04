"""The ``vrhub`` command line. :func:`vrhub.cli.main.main` is the entry point; each module
here that defines ``command`` (a click command or group) is one sub-command."""
