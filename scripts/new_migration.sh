#!/usr/bin/env bash
# Writes a new Alembic revision by comparing the models with a database migrated to head.
#   bash scripts/new_migration.sh "what changed"
set -euo pipefail
cd "$(dirname "$0")/.."
message=${1:?give a short description of the change}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python - "$message" "$tmp/m.db" <<'PY'
import sys
from alembic import command
from exchange import migrate
message, path = sys.argv[1], sys.argv[2]
url = f"sqlite:///{path}"
migrate.upgrade(url)
command.revision(migrate.alembic_config(url), message=message, autogenerate=True)
PY
