#!/usr/bin/env bash
# The services as separate processes on PostgreSQL: scoring :8001, survey :8002, report :8003,
# the gateway :8000 in front of them. Ctrl-C stops all four.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${JIXIAO_POSTGRES:-postgresql://root@127.0.0.1:5432}
for db in jixiao_scoring jixiao_survey jixiao_report jixiao_gateway; do
  psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
    || psql "$PG/postgres" -qc "CREATE DATABASE $db"
done
export SCORING_DATABASE_URL="$PG/jixiao_scoring" SURVEY_DATABASE_URL="$PG/jixiao_survey" \
  REPORT_DATABASE_URL="$PG/jixiao_report"
export REPORT_SCORING_URL=http://127.0.0.1:8001 REPORT_SURVEY_URL=http://127.0.0.1:8002 \
  SCORING_SURVEY_URL=http://127.0.0.1:8002
# The gateway signs callers' identities with this secret; every service must share it.
export JIXIAO_INTERNAL_SECRET=${JIXIAO_INTERNAL_SECRET:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}
export GATEWAY_DATABASE_URL="$PG/jixiao_gateway" GATEWAY_REDIS_URL=${GATEWAY_REDIS_URL:-redis://127.0.0.1:6379/0}
export GATEWAY_SCORING_URL=http://127.0.0.1:8001 GATEWAY_SURVEY_URL=http://127.0.0.1:8002 \
  GATEWAY_REPORT_URL=http://127.0.0.1:8003
uv() { .venv/bin/uvicorn "$1" --host 127.0.0.1 --port "$2" --no-access-log & }
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
uv services.scoring.main:app 8001
uv services.survey.main:app 8002
uv services.report.main:app 8003
sleep 3
.venv/bin/jixiao keys bootstrap  # prints an admin key the first time
uv gateway.main:app 8000
wait
