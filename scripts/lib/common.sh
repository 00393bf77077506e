# shellcheck shell=bash
# Small helpers shared by scripts/services.sh. Sourced, never run.
# Progress goes to stderr so that stdout carries only machine-readable lines.

log() { printf '[services] %s\n' "$*" >&2; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() {
    printf '[services] ERROR: %s\n' "$*" >&2
    exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

require_root() {
    [[ ${EUID:-$(id -u)} -eq 0 ]] || die "run as root (it installs packages and starts services as their own users)"
}

# tail_log FILE [LINES]: show the end of a log file on stderr, for failure reports.
tail_log() {
    local file=$1 lines=${2:-40}
    if [[ -r $file ]]; then
        printf '[services] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2 || true
        printf '[services] ---- end of %s ----\n' "$file" >&2
    else
        printf '[services] (no log at %s)\n' "$file" >&2
    fi
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every half second until it
# succeeds; return 1 when SECONDS have passed.
wait_until() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            warn "timed out after ${timeout}s waiting for ${what}"
            return 1
        fi
        sleep 0.5
    done
}

# detached LOGFILE COMMAND...: run COMMAND (which starts a daemon) from /, with stdin
# from /dev/null, output appended to LOGFILE and the lock descriptor 9 closed, so
# that the daemon holds neither our lock nor the caller's pipes: otherwise
# `$(services.sh up)` or `services.sh up | tee` would wait for the daemon to exit.
detached() {
    local logfile=$1
    shift
    (cd / && exec "$@" </dev/null >>"$logfile" 2>&1 9>&-)
}

# pid_alive PIDFILE [PATTERN]: the process named in PIDFILE is running and, when
# PATTERN is given, its command line contains PATTERN (a stale pid file left by a
# killed run must not match an unrelated process that reused the pid).
pid_alive() {
    local pidfile=$1 pattern=${2:-} pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [[ -z $pattern ]] && return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# install_if_changed SRC DEST OWNER MODE: copy only when the content differs, so a warm
# run touches nothing. Returns 0 when DEST changed, 1 when it was already up to date.
install_if_changed() {
    local src=$1 dest=$2 owner=$3 mode=$4
    if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
        return 1
    fi
    install -D -o "$owner" -g "$owner" -m "$mode" "$src" "$dest"
    return 0
}
