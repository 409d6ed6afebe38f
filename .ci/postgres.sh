#!/usr/bin/env bash
# Sourced by .ci/run: make sure PostgreSQL binaries exist (Debian package), start a throwaway server on a
# free loopback port, export BOT_TEST_POSTGRES_URL for the tests, and stop the server when the run ends.

pg_bin_dir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

PG_BIN=$(pg_bin_dir)
if [ -z "$PG_BIN" ]; then
    echo "ci: PostgreSQL binaries missing; installing the Debian postgresql package"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(pg_bin_dir)
fi
[ -n "$PG_BIN" ] || { echo "ci: no PostgreSQL binaries after installing the package" >&2; exit 1; }

PG_DIR=$(mktemp -d /tmp/ci-postgres.XXXXXX)
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: the cluster then belongs to the package's postgres user.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    PG_AS=(runuser -u postgres --)
else
    PG_AS=()
fi
# Password authentication over TCP, as a real deployment has it (the tests check a wrong password is refused).
PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
echo "$PG_PASSWORD" > "$PG_DIR/pw"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/pw"
PG_INIT=(-D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pw" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8)
"${PG_AS[@]}" "$PG_BIN/initdb" "${PG_INIT[@]}" --locale=C.UTF-8 >/dev/null \
    || "${PG_AS[@]}" "$PG_BIN/initdb" "${PG_INIT[@]}" >/dev/null
rm -f "$PG_DIR/pw"
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=on -c max_connections=300" start >/dev/null

stop_postgres() {
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

export BOT_TEST_POSTGRES_URL="postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"
export PATH="$PG_BIN:$PATH"  # pg_dump and pg_ctl for the tests that use them
echo "ci: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
