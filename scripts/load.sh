#!/usr/bin/env bash
# Measures authenticated JSON reads against a running opname on loopback:
# starts opname on a fresh database (SQLite, or PostgreSQL when
# OPNAME_DATABASE_URL is set), makes an organisation, a staff member with an
# API token and an assigned client, then runs opname-load twice: reading the
# client (each read is written to the access log) and reading /api/v1/me.
#
#   scripts/load.sh [CONNECTIONS] [DURATION]     e.g. scripts/load.sh 50 10s
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-50}
duration=${2:-10s}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
export OPNAME_DATA="$work/data" OPNAME_ADDR="127.0.0.1:${OPNAME_LOAD_PORT:-18181}"
go build -o "$work/opname" ./cmd/opname
go build -o "$work/opname-load" ./cmd/opname-load
"$work/opname" org create --slug load --name "Load test" --policy veilig-thuis-utrecht >/dev/null
"$work/opname" user add --org load --email manager@load.example --role manager >/dev/null
"$work/opname" user add --org load --email staff@load.example --role staff >/dev/null
manager=$("$work/opname" token create --org load --user manager@load.example 2>/dev/null)
staff=$("$work/opname" token create --org load --user staff@load.example 2>/dev/null)
"$work/opname" serve >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
base="http://$OPNAME_ADDR"
for _ in $(seq 50); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
api() { curl -fsS -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "${@:2}"; }
client=$(api "$manager" -X POST "$base/api/v1/clients" -d '{"name": "Load Client"}' | sed -n 's/^  "id": "\(.*\)",$/\1/p')
staff_id=$(api "$staff" "$base/api/v1/me" | sed -n 's/^  "id": "\(.*\)",$/\1/p')
api "$manager" -X POST "$base/api/v1/clients/$client/staff" -d "{\"user_id\": \"$staff_id\"}" >/dev/null
db=sqlite; [ -n "${OPNAME_DATABASE_URL:-}" ] && db=postgres
echo "opname on $db, $conns connections, $duration each, $(nproc) cores"
echo -n "GET /api/v1/clients/{id} (logged read): "
"$work/opname-load" -url "$base/api/v1/clients/$client" -token "$staff" -c "$conns" -d "$duration"
echo -n "GET /api/v1/me:                        "
"$work/opname-load" -url "$base/api/v1/me" -token "$staff" -c "$conns" -d "$duration"
"$work/opname" accesslog verify
