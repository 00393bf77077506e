#!/usr/bin/env bash
# Installs and runs the real services Birzha's tests use: PostgreSQL 15, Redis and a
# minimal Elasticsearch 8 node (plus Stoplight Prism for the Twilio contract server).
#
#   bash scripts/services.sh install   # Debian packages, ES from Maven Central, Prism
#   bash scripts/services.sh start     # start all three, wait until healthy, print env
#   bash scripts/services.sh up        # install (fast when done) + start
#   bash scripts/services.sh stop      # stop all three
#   bash scripts/services.sh restart   # stop + start (applies changed ES config)
#   bash scripts/services.sh restart-es  # stop + start Elasticsearch only (heap, JIT changes)
#   bash scripts/services.sh status    # show each
#   bash scripts/services.sh env       # print only the TEST_* lines
#
# Runs as root (CI does). Progress goes to stderr; stdout carries only the TEST_* lines,
# so `export $(bash scripts/services.sh up)` works. See docs/services.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"

# ---- pinned versions and fixed locations -------------------------------------------
ES_VERSION=8.19.21 # newest 8.x of integ-test-zip in Maven Central's maven-metadata.xml
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
ES_MAVEN_PATH="org/elasticsearch/distribution/integ-test-zip/elasticsearch/${ES_VERSION}/elasticsearch-${ES_VERSION}.zip"
MAVEN_CENTRAL=https://repo1.maven.org/maven2
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
# Prism 5.15+ needs Node.js >= 24; the machine has Node.js 20, so 5.14.2 is the newest that runs.
PRISM_VERSION=5.14.2
PG_VERSION=15
PG_CLUSTER=main

BIRZHA_HOME=${BIRZHA_HOME:-/opt/birzha}
ES_HOME=$BIRZHA_HOME/elasticsearch-$ES_VERSION
ES_DATA=$BIRZHA_HOME/es-data
ES_LOGS=$BIRZHA_HOME/es-logs
ES_RUN=$BIRZHA_HOME/es-run # pid file and the JVM's temp dir
ES_PIDFILE=$ES_RUN/elasticsearch.pid
ES_USER=birzha-es
ES_HEAP=${BIRZHA_ES_HEAP:-1g} # raised from 512m for the 1M-document search benchmark (docs/benchmarks.md)
ES_C1_ONLY=${BIRZHA_ES_C1_ONLY:-1}
ES_URL=http://127.0.0.1:9200
ES_LOG_FILE=$ES_LOGS/birzha.log # <path.logs>/<cluster.name>.log
ES_CONSOLE_LOG=$ES_LOGS/console.log
REDIS_DIR=$BIRZHA_HOME/redis
REDIS_PORT=6379
NODE_PREFIX=$BIRZHA_HOME/node
PRISM_BIN=$NODE_PREFIX/node_modules/.bin/prism

PG_TIMEOUT=${BIRZHA_PG_TIMEOUT:-60}
REDIS_TIMEOUT=${BIRZHA_REDIS_TIMEOUT:-30}
ES_TIMEOUT=${BIRZHA_ES_TIMEOUT:-180}

APT_PACKAGES=(postgresql "postgresql-$PG_VERSION" "postgresql-client-$PG_VERSION" redis-server redis-tools
    hunspell-ru hunspell-kk hunspell-en-us unzip curl ca-certificates)
# locale dir on the node -> file stem in /usr/share/hunspell
HUNSPELL_LOCALES=(ru_RU kk_KZ en_US)

ENV_LINES=(
    "TEST_DATABASE_URL=postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test"
    "TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}/15"
    "TEST_ELASTICSEARCH_URL=${ES_URL}"
)

export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# ---- JDK 17 --------------------------------------------------------------------------
find_jdk17() {
    local candidate
    if [[ -n ${BIRZHA_ES_JAVA_HOME:-} ]]; then
        [[ -x $BIRZHA_ES_JAVA_HOME/bin/java ]] || die "BIRZHA_ES_JAVA_HOME=$BIRZHA_ES_JAVA_HOME has no bin/java"
        echo "$BIRZHA_ES_JAVA_HOME"
        return 0
    fi
    for candidate in /usr/lib/jvm/java-17-openjdk-"$(dpkg --print-architecture)" /usr/lib/jvm/java-17-openjdk-*; do
        if [[ -x $candidate/bin/java ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# ---- install -------------------------------------------------------------------------
missing_apt_packages() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
        [[ $status == ii* ]] || echo "$pkg"
    done
}

apt_has_candidates() {
    local pkg candidate
    for pkg in "$@"; do
        candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
        [[ -n $candidate && $candidate != "(none)" ]] || return 1
    done
}

apt_install() {
    local -a missing
    mapfile -t missing < <(missing_apt_packages "$@")
    ((${#missing[@]})) || return 0
    log "apt: installing ${missing[*]}"
    if ! apt_has_candidates "${missing[@]}"; then
        log "apt: package lists lack some of them, running apt-get update"
        apt-get update -q >&2
    fi
    # Keep the packages' init scripts from starting Debian's own postgres/redis
    # instances during installation: `start` below runs them the way tests need.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        made_policy=1
    fi
    local rc=0
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
    if ((rc != 0)); then
        log "apt: install failed (stale lists?), running apt-get update and retrying"
        apt-get update -q >&2 || true
        rc=0
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
    fi
    ((made_policy)) && rm -f "$policy"
    ((rc == 0)) || die "apt-get install ${missing[*]} failed"
}

install_packages() {
    local -a pkgs=("${APT_PACKAGES[@]}")
    find_jdk17 >/dev/null || pkgs+=(openjdk-17-jre-headless)
    apt_install "${pkgs[@]}"
    find_jdk17 >/dev/null || die "no JDK 17 under /usr/lib/jvm after installing openjdk-17-jre-headless"
}

ensure_es_user() {
    id -u "$ES_USER" >/dev/null 2>&1 && return 0
    log "creating system user $ES_USER"
    useradd --system --user-group --home-dir "$ES_RUN" --no-create-home \
        --shell /usr/sbin/nologin "$ES_USER"
}

# Fetch the zip through Maven (checksums verified), falling back to Maven Central by curl
# with its published SHA-1 when mvn is absent.
fetch_es_zip() {
    local dest_dir=$1
    if have mvn; then
        log "maven: fetching $ES_ARTIFACT"
        # Output kept aside (mvn -q still prints colour resets) and shown only on failure.
        mvn -B -q -C -Dstyle.color=never "${MAVEN_DEPENDENCY_PLUGIN}:copy" \
            -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$dest_dir" >"$dest_dir/mvn.log" 2>&1 || {
            sed 's/\x1b\[[0-9;]*m//g' "$dest_dir/mvn.log" >&2
            die "mvn could not fetch $ES_ARTIFACT"
        }
    else
        log "maven: mvn not found, fetching $ES_MAVEN_PATH from Maven Central with curl"
        local zip=$dest_dir/elasticsearch-$ES_VERSION.zip want got
        curl -fsSL --retry 3 -o "$zip" "$MAVEN_CENTRAL/$ES_MAVEN_PATH"
        want=$(curl -fsSL --retry 3 "$MAVEN_CENTRAL/$ES_MAVEN_PATH.sha1" | awk '{print $1}')
        got=$(sha1sum "$zip" | awk '{print $1}')
        [[ $want == "$got" ]] || die "checksum mismatch for $zip: want $want got $got"
    fi
    [[ -s $dest_dir/elasticsearch-$ES_VERSION.zip ]] || die "no elasticsearch-$ES_VERSION.zip after download"
}

install_elasticsearch() {
    local marker=$ES_HOME/.birzha-installed
    if [[ -f $marker ]]; then
        return 0
    fi
    install -d -m 0755 "$BIRZHA_HOME"
    local tmp
    tmp=$(mktemp -d "$BIRZHA_HOME/.es-download.XXXXXX")
    # shellcheck disable=SC2064 # expand $tmp now
    trap "rm -rf '$tmp'" EXIT
    fetch_es_zip "$tmp"
    log "unpacking Elasticsearch $ES_VERSION into $ES_HOME"
    unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$tmp/unpacked"
    [[ -x $tmp/unpacked/elasticsearch-$ES_VERSION/bin/elasticsearch ]] || die "unexpected zip layout"
    rm -rf "$ES_HOME"
    mv "$tmp/unpacked/elasticsearch-$ES_VERSION" "$ES_HOME"
    rm -rf "$tmp"
    trap - EXIT
    chown -R "$ES_USER:$ES_USER" "$ES_HOME"
    echo "$ES_ARTIFACT" >"$marker"
}

render_template() { # SRC DEST: substitute @BIRZHA_*@ placeholders
    local jit="# full tiered JIT (BIRZHA_ES_C1_ONLY=0)"
    [[ $ES_C1_ONLY == 1 ]] && jit="-XX:TieredStopAtLevel=1"
    sed -e "s|@BIRZHA_ES_DATA@|$ES_DATA|g" \
        -e "s|@BIRZHA_ES_JIT@|$jit|g" \
        -e "s|@BIRZHA_ES_LOGS@|$ES_LOGS|g" \
        -e "s|@BIRZHA_ES_HEAP@|$ES_HEAP|g" "$1" >"$2"
}

# Write the node's config from scripts/es/ and the Debian hunspell dictionaries.
# Sets ES_CONFIG_CHANGED=1 when anything on the node differs from before.
ES_CONFIG_CHANGED=0
configure_elasticsearch() {
    local conf=$ES_HOME/config changed=0 tmp src name locale
    tmp=$(mktemp -d)
    install -d -o "$ES_USER" -g "$ES_USER" -m 0750 "$ES_DATA" "$ES_LOGS" "$ES_RUN"

    render_template "$SCRIPT_DIR/es/elasticsearch.yml" "$tmp/elasticsearch.yml"
    if install_if_changed "$tmp/elasticsearch.yml" "$conf/elasticsearch.yml" "$ES_USER" 0640; then changed=1; fi
    render_template "$SCRIPT_DIR/es/jvm.options.d/birzha.options" "$tmp/birzha.options"
    if install_if_changed "$tmp/birzha.options" "$conf/jvm.options.d/birzha.options" "$ES_USER" 0640; then changed=1; fi

    for src in "$SCRIPT_DIR"/es/analysis/*.txt; do
        if install_if_changed "$src" "$conf/analysis/$(basename "$src")" "$ES_USER" 0640; then changed=1; fi
    done

    # Lucene's hunspell reader wants plain files: Debian's kk_KZ.aff/.dic start with a
    # UTF-8 byte-order mark and use CRLF line ends, so strip both on copy (a no-op for
    # ru_RU and en_US).
    for locale in "${HUNSPELL_LOCALES[@]}"; do
        for name in "$locale.aff" "$locale.dic"; do
            src=/usr/share/hunspell/$name
            [[ -r $src ]] || die "missing $src (hunspell package not installed?)"
            sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' "$src" >"$tmp/$name"
            if install_if_changed "$tmp/$name" "$conf/hunspell/$locale/$name" "$ES_USER" 0640; then changed=1; fi
        done
    done
    chown "$ES_USER:$ES_USER" "$conf/hunspell" "$conf/hunspell"/* "$conf/analysis"
    rm -rf "$tmp"
    ES_CONFIG_CHANGED=$changed
}

warn_if_config_changed_while_running() {
    if ((ES_CONFIG_CHANGED)) && es_running; then
        warn "Elasticsearch config changed while the node runs: 'stop' then 'start' to apply it"
    fi
}

install_prism() {
    local pkg_json=$NODE_PREFIX/node_modules/@stoplight/prism-cli/package.json installed=""
    if [[ -f $pkg_json && -x $PRISM_BIN ]]; then
        installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg_json" | head -n1)
    fi
    [[ $installed == "$PRISM_VERSION" ]] && return 0
    have npm || die "npm not found: Node.js 18.20+ with npm is needed for Prism"
    log "npm: installing @stoplight/prism-cli@$PRISM_VERSION into $NODE_PREFIX"
    install -d -m 0755 "$NODE_PREFIX"
    [[ -f $NODE_PREFIX/package.json ]] || echo '{"private": true}' >"$NODE_PREFIX/package.json"
    npm install --prefix "$NODE_PREFIX" --save-exact --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION" >&2
    [[ -x $PRISM_BIN ]] || die "npm finished but $PRISM_BIN is missing"
}

cmd_install() {
    require_root
    install_packages
    ensure_es_user
    install_elasticsearch
    configure_elasticsearch
    warn_if_config_changed_while_running
    install_prism
    log "install: done (Elasticsearch $ES_VERSION, Prism $PRISM_VERSION)"
}

# ---- PostgreSQL ----------------------------------------------------------------------
pg_log_file() { echo "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"; }

pg_cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c'; }

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 -t 1; }

psql_admin() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"); }

start_postgres() {
    have pg_ctlcluster || die "PostgreSQL is not installed: run '$0 install'"
    if [[ -z $(pg_cluster_line) ]]; then
        log "postgres: creating cluster $PG_VERSION/$PG_CLUSTER"
        pg_createcluster --port 5432 --locale C.UTF-8 "$PG_VERSION" "$PG_CLUSTER" >&2
    fi
    local port
    port=$(pg_cluster_line | awk '{print $3}')
    [[ $port == 5432 ]] || die "cluster $PG_VERSION/$PG_CLUSTER listens on port $port, not 5432"
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    if [[ $(pg_cluster_line | awk '{print $4}') != online ]]; then
        log "postgres: starting cluster $PG_VERSION/$PG_CLUSTER"
        local out=$BIRZHA_HOME/pg_ctlcluster.out
        detached "$out" pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || {
            tail_log "$out"
            tail_log "$(pg_log_file)"
            die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed"
        }
    fi
    wait_until "$PG_TIMEOUT" "PostgreSQL on 127.0.0.1:5432" pg_ready || {
        tail_log "$(pg_log_file)"
        die "PostgreSQL did not become ready"
    }
    psql_admin <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'birzha') THEN
        CREATE ROLE birzha LOGIN CREATEDB PASSWORD 'birzha';
    ELSE
        ALTER ROLE birzha LOGIN CREATEDB PASSWORD 'birzha';
    END IF;
END
$$;
SQL
    local db
    for db in birzha birzha_test; do
        if [[ $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
            log "postgres: creating database $db"
            psql_admin -c "CREATE DATABASE $db OWNER birzha ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
        fi
    done
    log "postgres: ready on 127.0.0.1:5432 (role birzha, databases birzha, birzha_test)"
}

stop_postgres() {
    have pg_ctlcluster || return 0
    if [[ $(pg_cluster_line | awk '{print $4}') == online ]]; then
        log "postgres: stopping"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast >&2
    fi
}

status_postgres() {
    if ! have pg_lsclusters; then
        echo "postgresql: not installed"
        return 0
    fi
    local line
    line=$(pg_cluster_line)
    if [[ -z $line ]]; then
        echo "postgresql: no cluster $PG_VERSION/$PG_CLUSTER"
    elif pg_ready; then
        echo "postgresql: running ($line)"
    else
        echo "postgresql: stopped ($line)"
    fi
}

# ---- Redis ---------------------------------------------------------------------------
redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_ping() { [[ $(redis_cli ping 2>/dev/null) == PONG ]]; }

start_redis() {
    have redis-server || die "redis-server is not installed: run '$0 install'"
    if redis_ping; then
        log "redis: already answering on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    local user=root
    id -u redis >/dev/null 2>&1 && user=redis
    install -d -o "$user" -g "$user" -m 0750 "$REDIS_DIR"
    log "redis: starting on 127.0.0.1:$REDIS_PORT"
    # A test/dev server: no persistence, nothing outside $REDIS_DIR.
    detached "$REDIS_DIR/redis.out" runuser -u "$user" -- redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
        --protected-mode yes --daemonize yes --dir "$REDIS_DIR" \
        --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
        --save '' --appendonly no || {
        tail_log "$REDIS_DIR/redis.out"
        tail_log "$REDIS_DIR/redis.log"
        die "redis-server failed to start"
    }
    wait_until "$REDIS_TIMEOUT" "Redis on 127.0.0.1:$REDIS_PORT" redis_ping || {
        tail_log "$REDIS_DIR/redis.log"
        die "Redis did not answer PING"
    }
    log "redis: ready on 127.0.0.1:$REDIS_PORT"
}

redis_down() { ! redis_ping; }

stop_redis() {
    have redis-cli || return 0
    redis_ping || return 0
    log "redis: stopping"
    redis_cli shutdown nosave >/dev/null 2>&1 || true
    wait_until 30 "Redis to stop" redis_down || die "Redis still answers after SHUTDOWN"
}

status_redis() {
    if ! have redis-server; then
        echo "redis: not installed"
    elif redis_ping; then
        echo "redis: running on 127.0.0.1:$REDIS_PORT (version $(redis_cli info server | sed -n 's/^redis_version:\([^\r]*\).*/\1/p'))"
    else
        echo "redis: stopped"
    fi
}

# ---- Elasticsearch -------------------------------------------------------------------
es_running() { pid_alive "$ES_PIDFILE" org.elasticsearch.bootstrap.Elasticsearch; }
# Any HTTP answer counts: this distribution has no rest-root module, so GET / is a 405.
es_answers() {
    local code
    code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$ES_URL/_cluster/health" 2>/dev/null || true)
    [[ -n $code && $code != 000 ]]
}
es_healthy() {
    curl -fsS --max-time 10 -o /dev/null \
        "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null
}

es_fail() {
    tail_log "$ES_CONSOLE_LOG" 20
    tail_log "$ES_LOG_FILE" 40
    die "$1"
}

start_elasticsearch() {
    [[ -f $ES_HOME/.birzha-installed ]] || die "Elasticsearch $ES_VERSION is not installed: run '$0 install'"
    local jdk
    jdk=$(find_jdk17) || die "no JDK 17 found (set BIRZHA_ES_JAVA_HOME or run '$0 install')"
    configure_elasticsearch
    warn_if_config_changed_while_running
    if es_running; then
        log "elasticsearch: already running (pid $(<"$ES_PIDFILE"))"
    elif es_answers; then
        die "something else answers on $ES_URL (not the node of $ES_PIDFILE); stop it first"
    else
        rm -f "$ES_PIDFILE"
        log "elasticsearch: starting $ES_VERSION with $jdk (heap $ES_HEAP)"
        local started=$SECONDS rc=0
        # -d returns once the node has started (or failed); -p writes the pid file.
        : >"$ES_CONSOLE_LOG"
        detached "$ES_CONSOLE_LOG" runuser -u "$ES_USER" -- env -i \
            PATH=/usr/local/bin:/usr/bin:/bin HOME="$ES_RUN" LANG=C.UTF-8 \
            ES_JAVA_HOME="$jdk" ES_PATH_CONF="$ES_HOME/config" ES_TMPDIR="$ES_RUN" \
            timeout "$ES_TIMEOUT" "$ES_HOME/bin/elasticsearch" -d -p "$ES_PIDFILE" || rc=$?
        ((rc == 0)) || es_fail "bin/elasticsearch -d exited with $rc"
        log "elasticsearch: process up after $((SECONDS - started))s"
    fi
    wait_until "$ES_TIMEOUT" "Elasticsearch cluster health yellow at $ES_URL" es_healthy || {
        es_running || warn "the Elasticsearch process is gone"
        es_fail "Elasticsearch did not become healthy"
    }
    log "elasticsearch: ready on $ES_URL"
}

es_stopped() { ! es_running; }

stop_elasticsearch() {
    es_running || {
        rm -f "$ES_PIDFILE"
        return 0
    }
    local pid
    pid=$(<"$ES_PIDFILE")
    log "elasticsearch: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until 60 "Elasticsearch to stop" es_stopped; then
        warn "Elasticsearch ignored SIGTERM, killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
        wait_until 10 "Elasticsearch to die" es_stopped || die "could not stop Elasticsearch pid $pid"
    fi
    rm -f "$ES_PIDFILE"
}

status_elasticsearch() {
    if [[ ! -f $ES_HOME/.birzha-installed ]]; then
        echo "elasticsearch: not installed"
    elif es_running; then
        local health
        health=$(curl -fsS --max-time 5 "$ES_URL/_cat/health?h=status,node.total,shards" 2>/dev/null || echo "no answer")
        echo "elasticsearch: running $ES_VERSION, pid $(<"$ES_PIDFILE"), $ES_URL health: $health"
    else
        echo "elasticsearch: stopped ($ES_VERSION installed at $ES_HOME)"
    fi
}

# ---- commands ------------------------------------------------------------------------
print_env() { printf '%s\n' "${ENV_LINES[@]}"; }

cmd_start() {
    require_root
    start_postgres
    start_redis
    start_elasticsearch
    print_env
}

cmd_stop() {
    require_root
    stop_elasticsearch
    stop_redis
    stop_postgres
    log "stopped"
}

cmd_status() {
    status_postgres
    status_redis
    status_elasticsearch
    if [[ -x $PRISM_BIN ]]; then
        echo "prism: $PRISM_BIN ($PRISM_VERSION)"
    else
        echo "prism: not installed"
    fi
}

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# One run at a time: a second `up` waits for the first instead of racing it.
take_lock() {
    require_root
    install -d -m 0755 "$BIRZHA_HOME"
    exec 9>"$BIRZHA_HOME/.services.lock"
    flock -w 600 9 || die "another scripts/services.sh run holds $BIRZHA_HOME/.services.lock"
}

main() {
    local cmd=${1:-}
    case $cmd in
    install) take_lock && cmd_install ;;
    start) take_lock && cmd_start ;;
    up)
        take_lock
        local t0=$SECONDS
        cmd_install
        cmd_start
        log "up: done in $((SECONDS - t0))s"
        ;;
    stop) take_lock && cmd_stop ;;
    restart) take_lock && cmd_stop && cmd_start ;;
    restart-es) take_lock && stop_elasticsearch && start_elasticsearch && print_env ;;
    status) cmd_status ;;
    env) print_env ;;
    *) usage ;;
    esac
}

main "$@"
