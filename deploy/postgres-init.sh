#!/bin/sh
# The roles of a vrhub deployment inside PostgreSQL's official container: run once by its
# entrypoint when the data volume is first initialised (deploy/compose.yaml mounts it into
# /docker-entrypoint-initdb.d/). POSTGRES_USER (the owner) and POSTGRES_DB exist already;
# this adds the app role (NOLOGIN: the web app's privileges, granted by `vrhub db
# upgrade`) and the web app's login in it. The same SQL as `vrhub db roles-sql`.
set -eu
: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
: "${VRHUB_WEB_PASSWORD:?set VRHUB_WEB_PASSWORD}"
app_role=${VRHUB_POSTGRES_APP_ROLE:-${POSTGRES_DB}_app}
web_login=${VRHUB_WEB_LOGIN:-vrhub_web}

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role="$app_role" -v web_login="$web_login" -v web_password="$VRHUB_WEB_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" NOLOGIN;
CREATE ROLE :"web_login" LOGIN PASSWORD :'web_password' IN ROLE :"app_role";
SQL
