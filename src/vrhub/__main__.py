from vrhub.cli.main import entrypoint

entrypoint()
