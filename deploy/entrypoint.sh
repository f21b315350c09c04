#!/bin/sh
# The container's entrypoint (also usable on its own): wait for the app database, upgrade
# the schemas when asked, then serve.
#
#   entrypoint.sh            wait, upgrade if VRHUB_UPGRADE=1, serve (the default)
#   entrypoint.sh serve      the same
#   entrypoint.sh upgrade    wait, upgrade the app database and the warehouse, exit
#   entrypoint.sh ARGS...    run `vrhub ARGS...` (e.g. `users add ...`, `load police ...`)
#
# Settings come from the environment (VRHUB_*; see docs/reference/settings.md), plus:
#   VRHUB_OWNER_DATABASE_URL  the owner's URL, used only by the upgrade of the app
#                             database (the web app connects as its own login)
#   VRHUB_UPGRADE=1           upgrade before serving
#   VRHUB_WAIT_SECONDS        how long to wait for the database (default 60)
#   VRHUB_BIN                 the vrhub program (default: vrhub on PATH)
set -eu

vrhub=${VRHUB_BIN:-vrhub}
listen_host=${VRHUB_HOST:-0.0.0.0}

wait_for_database() {
  # only a PostgreSQL database needs waiting for; SQLite lives in the workspace
  case "${VRHUB_DATABASE_URL:-}" in
    postgresql*) "$vrhub" db wait --timeout "${VRHUB_WAIT_SECONDS:-60}" ;;
  esac
}

upgrade() {
  if [ -n "${VRHUB_OWNER_DATABASE_URL:-}" ]; then
    VRHUB_DATABASE_URL=$VRHUB_OWNER_DATABASE_URL "$vrhub" db upgrade
  else
    "$vrhub" db upgrade
  fi
  "$vrhub" warehouse upgrade
}

command=${1:-serve}
case "$command" in
  serve)
    [ "$#" -gt 0 ] && shift
    wait_for_database
    if [ "${VRHUB_UPGRADE:-0}" = 1 ]; then
      upgrade
    fi
    exec "$vrhub" serve --host "$listen_host" "$@"
    ;;
  upgrade)
    wait_for_database
    upgrade
    ;;
  *)
    exec "$vrhub" "$@"
    ;;
esac
