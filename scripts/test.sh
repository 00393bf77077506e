#!/usr/bin/env bash
# Installs what the tests need and runs them: first against real PostgreSQL, Redis and
# Elasticsearch (started by scripts/services.sh), then the non-service part again on the
# embedded default (SQLite, SQL search, in-process jobs). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -e '.[test]'

# services.sh prints the TEST_* connection lines on stdout (progress goes to stderr).
while IFS= read -r line; do
  case "$line" in TEST_*=*) export "${line?}" ;; esac
done < <(bash scripts/services.sh up)

echo "== tests against PostgreSQL, Redis and Elasticsearch"
python -m pytest "$@"

echo "== tests on the embedded default (SQLite, SQL search, in-process jobs)"
env -u TEST_DATABASE_URL -u TEST_REDIS_URL -u TEST_ELASTICSEARCH_URL python -m pytest "$@"
