# Shared set-up for dev/run and dev/test: virtualenv, PostgreSQL, Odoo configuration.
# Everything is created on first use and reused afterwards.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-19.0}
MODULE=stock_channel_sync
STATE=$REPO/.dev                      # git-ignored: odoo.conf, filestore, logs, addons link
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/stock_channel_sync
# website_sale_collect: the addon depends on it (click & collect); sale_mrp (and mrp): kits
# are tested with it, the addon works without it
BASE_MODULES=sale_stock,point_of_sale,website_sale_stock,website_sale_collect,sale_mrp
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

have_odoo() { [ -f "$ODOO_SRC/odoo-bin" ] && [ -d "$ODOO_SRC/odoo/addons/base" ]; }

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-12; }

# --- Python ------------------------------------------------------------------
# One virtualenv per set of requirements, shared by every clone on the machine.
ensure_venv() {
    local with_odoo=$1 reqs=("$REPO/requirements.txt" "$REPO/requirements-dev.txt")
    [ "$with_odoo" = 1 ] && reqs+=("$ODOO_SRC/requirements.txt")
    VENV=${SCS_VENV:-$CACHE/venv-$(hash_of "${reqs[@]}" "$REPO/dev/odoo_requirements.py")}
    if [ ! -f "$VENV/.complete" ]; then
        say "creating virtualenv $VENV (first run only)"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
        local log=$VENV/pip.log
        "$VENV/bin/pip" install -q --upgrade pip packaging >"$log" 2>&1 || { cat "$log" >&2; die "pip failed"; }
        local extra=()
        if [ "$with_odoo" = 1 ]; then
            "$VENV/bin/python" "$REPO/dev/odoo_requirements.py" "$ODOO_SRC/requirements.txt" \
                >"$VENV/odoo-requirements.txt"
            extra=(-r "$VENV/odoo-requirements.txt")
        fi
        "$VENV/bin/pip" install -q "${extra[@]}" -r "$REPO/requirements.txt" \
            -r "$REPO/requirements-dev.txt" >>"$log" 2>&1 || { cat "$log" >&2; die "pip failed"; }
        touch "$VENV/.complete"
    fi
    export PATH="$VENV/bin:$PATH"
}

# --- Chromium, for Odoo's browser tests (tours) -------------------------------------
# Odoo looks for google-chrome, chromium, chromium-browser on the PATH and skips its tours
# without one; installed from the system's packages when missing (root), else a clear stop.
find_chromium() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && { command -v "$bin"; return 0; }
    done
    return 1
}

ensure_chromium() {
    find_chromium >/dev/null && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Chromium for the browser tests (first run only)"
        local log=$STATE/log/apt-chromium.log
        mkdir -p "$STATE/log"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
            >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "installing chromium failed"; }
    fi
    find_chromium >/dev/null || die "Chromium not found: install it (apt-get install chromium) or put google-chrome on the PATH; the browser tests (tours) need it"
}

# --- PostgreSQL ----------------------------------------------------------------
# PGHOST set: use that server. Otherwise a private cluster on a unix socket.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the unprivileged
# 'postgres' system user and lives where that user can reach it.
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OWNER" -- "$@"; else "$@"; fi; }

ensure_pg() {
    if [ -n "${PGHOST:-}" ]; then
        DB_HOST=$PGHOST DB_PORT=${PGPORT:-5432} DB_USER=${PGUSER:-odoo} DB_PASSWORD=${PGPASSWORD:-}
        return
    fi
    local bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bindir" ] || bindir=$(dirname "$(command -v pg_ctl || true)")
    [ -x "$bindir/pg_ctl" ] || die "PostgreSQL server binaries not found: install PostgreSQL (apt-get install postgresql) or set PGHOST/PGPORT/PGUSER/PGPASSWORD"
    if [ "$(id -u)" = 0 ]; then
        PG_OWNER=${SCS_PG_OWNER:-postgres}
        id "$PG_OWNER" >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OWNER"
        PG_DIR=${SCS_PG_DIR:-/var/lib/stock_channel_sync/pg}
    else
        PG_OWNER=$(id -un)
        PG_DIR=${SCS_PG_DIR:-$STATE/pg}
    fi
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown "$PG_OWNER" "$PG_DIR"
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        say "initialising a private PostgreSQL cluster in $PG_DIR (first run only)"
        pg_as "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        pg_as mkdir -p "$PG_DIR/run"
        cat <<CONF | pg_as tee -a "$PG_DIR/data/postgresql.conf" >/dev/null
listen_addresses = ''
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
    fi
    if ! pg_as "$bindir/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        pg_as "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgresql.log" -w start >/dev/null \
            || die "PostgreSQL did not start, see $PG_DIR/postgresql.log"
    fi
    DB_HOST=$PG_DIR/run DB_PORT=5432 DB_USER=odoo DB_PASSWORD=
    if ! psql -h "$DB_HOST" -U postgres -d postgres -tAc "select 1 from pg_roles where rolname='odoo'" | grep -q 1; then
        psql -h "$DB_HOST" -U postgres -d postgres -qc "create role odoo superuser login" >/dev/null
    fi
}

psql_odoo() { PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" "$@"; }
db_exists() { psql_odoo -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }

# --- Odoo ------------------------------------------------------------------------
require_odoo() {
    have_odoo && return
    cat >&2 <<MSG
Odoo 19.0 was not found at ODOO_SRC=$ODOO_SRC.
Provide an Odoo 19.0 source tree and point ODOO_SRC at it, for example:
    git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git /opt/odoo-19.0
    export ODOO_SRC=/opt/odoo-19.0
MSG
    exit 2
}

# Odoo configuration. By default the addon is the live repository (a symlink); the test
# command passes a copy instead ("test"), outside the repository: pytest resolves symlinks
# and walks up package folders, and would name the addon after the clone's folder.
write_odoo_conf() {
    local kind=${1:-live} addons=$STATE/addons
    mkdir -p "$STATE/addons" "$STATE/data" "$STATE/log"
    ln -sfn "$REPO" "$STATE/addons/$MODULE"
    ODOO_CONF=$STATE/odoo.conf
    if [ "$kind" = test ]; then
        addons=$CACHE/test-addons/$(echo "$REPO" | sha256sum | cut -c1-12)
        ODOO_CONF=$STATE/odoo-test.conf
        rm -rf "$addons" && mkdir -p "$addons/$MODULE"
        tar -C "$REPO" --exclude=./.dev --exclude=./.venv --exclude=./.git -cf - . \
            | tar -C "$addons/$MODULE" -xf -
    fi
    ADDON_DIR=$addons/$MODULE
    cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$addons
data_dir = $STATE/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
admin_passwd = admin
http_interface = 127.0.0.1
CONF
    # SCS_HTTP_PORT: another port than 8069 (the HTTP tests and tours serve on it), e.g.
    # for dev/test beside a running dev/run or a second dev/test
    if [ -n "${SCS_HTTP_PORT:-}" ]; then
        printf 'http_port = %s\ngevent_port = %s\n' "$SCS_HTTP_PORT" "$((SCS_HTTP_PORT + 1))" >>"$ODOO_CONF"
    fi
}

odoo_bin() { python "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }

# Copy a database with its filestore.
clone_db() {
    local src=$1 dst=$2
    psql_odoo -d postgres -qc "drop database if exists \"$dst\"" >/dev/null
    psql_odoo -d postgres -qc "create database \"$dst\" with template \"$src\"" >/dev/null
    rm -rf "$STATE/data/filestore/$dst"
    if [ -d "$STATE/data/filestore/$src" ]; then
        mkdir -p "$STATE/data/filestore"
        cp -a "$STATE/data/filestore/$src" "$STATE/data/filestore/$dst"
    fi
}

# A database with Odoo's modules that we extend, installed once per Odoo tree.
ensure_base_db() {
    local demo=$1 tag
    tag=$(cat "$ODOO_SRC/odoo/release.py" <(echo "$BASE_MODULES $demo") | sha256sum | cut -c1-8)
    BASE_DB=scs_base_${demo}_$tag
    if ! db_exists "$BASE_DB" || ! psql_odoo -d "$BASE_DB" -tAc "select 1 from ir_config_parameter where key='scs.base_ready'" 2>/dev/null | grep -q 1; then
        say "creating $BASE_DB with $BASE_MODULES (first run only, about 2 minutes)"
        psql_odoo -d postgres -qc "drop database if exists \"$BASE_DB\"" >/dev/null
        local demo_flag=()
        [ "$demo" = demo ] && demo_flag=(--with-demo)
        odoo_bin -d "$BASE_DB" -i "$BASE_MODULES" "${demo_flag[@]}" --stop-after-init \
            --log-level=warn --logfile="$STATE/log/$BASE_DB.log" \
            || die "installing $BASE_MODULES failed, see $STATE/log/$BASE_DB.log"
        psql_odoo -d "$BASE_DB" -qc "insert into ir_config_parameter(key, value) values ('scs.base_ready', '1')" >/dev/null
    fi
}

# Show why an Odoo run failed: its error lines and the end of its log.
log_failure() {
    local log=$1
    grep -E ' (ERROR|CRITICAL) ' "$log" >&2 || true
    tail -n 25 "$log" >&2
    die "${2:-Odoo failed}, see $log"
}

# Fail when installing/upgrading our module logged a warning or error of its own: a log
# record is its first line and the lines after it up to the next record (Odoo's view
# warnings name the view's xmlid and file on their following lines, not on the first).
check_install_log() {
    local log=$1
    if ! awk -v module="$MODULE" '
        function judge() { if (bad && index(record, module)) { print record; found = 1 } }
        /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:,]+ [0-9]+ [A-Z]+ / {
            judge(); record = $0; bad = ($4 == "WARNING" || $4 == "ERROR" || $4 == "CRITICAL"); next
        }
        { record = record "\n" $0 }
        END { judge(); exit found }' "$log" >&2; then
        die "the install of $MODULE logged the warnings/errors above ($log)"
    fi
}
