# lib.sh - helpers the benchmark scripts source (POSIX sh).
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init "$1"                 # build dir; makes $BENCH_TMP, sets traps
#   port=$(free_port)
#   infuus_start DATADIR PORT [serve flags...]   # waits until it answers
#   cookie=$(infuus_login PORT EMAIL PASSWORD)   # the infuus_session value
#   rps=$(wrk_rps NAME URL CONNS SECS [HEADER])  # requests/s; errors in $WRK_ERRORS
#   nginx_start PORT ROOTDIR
#   bench_line NAME VALUE UNIT                   # "BENCH NAME VALUE UNIT"
#   bench_target NAME VALUE MIN                  # records a missed target
#
# Everything runs on 127.0.0.1 and is stopped by the EXIT trap: only the
# processes these helpers started (by pid) are signalled.

BENCH_PIDS=""
BENCH_MISSED=0

bench_init() {
	BENCH_BUILD=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
	INFUUS_BIN="$BENCH_BUILD/infuus"
	[ -x "$INFUUS_BIN" ] || { echo "bench: no binary at $INFUUS_BIN" >&2; exit 1; }
	command -v wrk >/dev/null || { echo "bench: wrk is missing (tools/deps.sh bench)" >&2; exit 1; }
	command -v curl >/dev/null || { echo "bench: curl is missing" >&2; exit 1; }
	BENCH_TMP=$(mktemp -d /tmp/infuus-bench.XXXXXX)
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	for _c_p in $BENCH_PIDS; do
		kill "$_c_p" 2>/dev/null || true
	done
	for _c_p in $BENCH_PIDS; do
		# up to 10 s each for a graceful stop, then no mercy
		_c_n=0
		while kill -0 "$_c_p" 2>/dev/null && [ $_c_n -lt 100 ]; do
			sleep 0.1
			_c_n=$((_c_n + 1))
		done
		kill -9 "$_c_p" 2>/dev/null || true
	done
	BENCH_PIDS=""
	[ -n "${BENCH_TMP:-}" ] && [ -z "${BENCH_KEEP:-}" ] && rm -rf "$BENCH_TMP"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {
	# $1: URL; up to 30 s
	_h_n=0
	while ! curl -s -o /dev/null "$1"; do
		_h_n=$((_h_n + 1))
		[ $_h_n -gt 300 ] && { echo "bench: $1 does not answer" >&2; return 1; }
		sleep 0.1
	done
}

# infuus_start DATADIR PORT [flags]: stdout in DATADIR.out (the demo
# passwords), log in DATADIR.err.
infuus_start() {
	_i_data=$1
	_i_port=$2
	shift 2
	"$INFUUS_BIN" serve --data "$_i_data" --listen "127.0.0.1:$_i_port" \
	    "$@" >"$_i_data.out" 2>"$_i_data.err" </dev/null &
	_i_pid=$!
	BENCH_PIDS="$BENCH_PIDS $_i_pid"
	_i_n=0
	while ! grep -q "Infuus is running" "$_i_data.out" 2>/dev/null; do
		_i_n=$((_i_n + 1))
		if [ $_i_n -gt 600 ] || ! kill -0 $_i_pid 2>/dev/null; then
			echo "bench: infuus did not start:" >&2
			tail -n 20 "$_i_data.err" >&2
			return 1
		fi
		sleep 0.1
	done
	wait_http "http://127.0.0.1:$_i_port/login"
}

# demo_password DATADIR ROLE -> "email password"
demo_login() {
	awk -v role="$2" '$1 == role && $3 == "password:" { print $2, $4 }' "$1.out"
}

# infuus_login PORT EMAIL PASSWORD -> the session cookie's value
infuus_login() {
	_l_jar="$BENCH_TMP/jar.$$"
	rm -f "$_l_jar"
	_l_csrf=$(curl -s -c "$_l_jar" "http://127.0.0.1:$1/login" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	[ -n "$_l_csrf" ] || { echo "bench: no csrf field on /login" >&2; return 1; }
	_l_code=$(curl -s -o /dev/null -w '%{http_code}' -b "$_l_jar" \
	    -c "$_l_jar" --data-urlencode "email=$2" \
	    --data-urlencode "password=$3" --data-urlencode "csrf=$_l_csrf" \
	    "http://127.0.0.1:$1/login")
	[ "$_l_code" = 303 ] || { echo "bench: log-in answered $_l_code" >&2; return 1; }
	awk '$6 == "infuus_session" { print $7 }' "$_l_jar"
	rm -f "$_l_jar"
}

# wrk_rps NAME URL CONNECTIONS SECONDS [HEADER]: prints requests/s; the
# run's output is kept in $BENCH_TMP/NAME.wrk; non-2xx answers plus socket
# errors are left in the file NAME.errors (a number).
wrk_rps() {
	# Names are prefixed: sh functions share the caller's variables.
	_w_name=$1
	_w_url=$2
	_w_conns=$3
	_w_secs=$4
	_w_out="$BENCH_TMP/$_w_name.wrk"
	_w_threads=2
	[ "$_w_conns" -lt 2 ] && _w_threads=1
	if [ -n "${5:-}" ]; then
		wrk -t"$_w_threads" -c"$_w_conns" -d"${_w_secs}s" --timeout 5s \
		    -H "$5" "$_w_url" >"$_w_out" 2>&1 || true
	else
		wrk -t"$_w_threads" -c"$_w_conns" -d"${_w_secs}s" --timeout 5s \
		    "$_w_url" >"$_w_out" 2>&1 || true
	fi
	awk '/Non-2xx or 3xx responses:/ { e += $NF }
	    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i }
	    END { print e + 0 }' "$_w_out" >"$BENCH_TMP/$_w_name.errors"
	awk '/^Requests\/sec:/ { printf "%.0f\n", $2; found = 1 }
	    END { if (!found) print 0 }' "$_w_out"
}

wrk_errors() {
	cat "$BENCH_TMP/$1.errors" 2>/dev/null || echo 0
}

# nginx_start PORT ROOTDIR: nginx on loopback serving ROOTDIR with its
# stock settings but for access_log off; as many workers as infuus has
# threads by default (one per CPU) unless NGINX_WORKERS says otherwise.
nginx_start() {
	_n_prefix="$BENCH_TMP/nginx"
	mkdir -p "$_n_prefix/logs" "$_n_prefix/tmp"
	cat >"$_n_prefix/nginx.conf" <<EOF
user root;
worker_processes ${NGINX_WORKERS:-auto};
daemon off;
pid $_n_prefix/nginx.pid;
error_log $_n_prefix/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $_n_prefix/tmp/body;
	proxy_temp_path $_n_prefix/tmp/proxy;
	fastcgi_temp_path $_n_prefix/tmp/fastcgi;
	uwsgi_temp_path $_n_prefix/tmp/uwsgi;
	scgi_temp_path $_n_prefix/tmp/scgi;
	server {
		listen 127.0.0.1:$1;
		root $2;
		default_type application/json;
	}
}
EOF
	nginx -p "$_n_prefix" -e "$_n_prefix/logs/error.log" -c "$_n_prefix/nginx.conf" \
	    >"$_n_prefix/logs/stdout" 2>&1 &
	BENCH_PIDS="$BENCH_PIDS $!"
	wait_http "http://127.0.0.1:$1/"
}

bench_line() {
	echo "BENCH $1 $2 $3"
}

# bench_target NAME VALUE MIN: VALUE >= MIN, else note it (exit 1 at the
# end of bench/run unless BENCH_STRICT=0).
bench_target() {
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
		echo "bench: $1 = $2 meets the target >= $3"
	else
		echo "bench: $1 = $2 MISSES the target >= $3"
		BENCH_MISSED=$((BENCH_MISSED + 1))
	fi
}

# bench_target_max NAME VALUE MAX: VALUE <= MAX, else note it (as
# bench_target does).
bench_target_max() {
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }'; then
		echo "bench: $1 = $2 meets the target <= $3"
	else
		echo "bench: $1 = $2 MISSES the target <= $3"
		BENCH_MISSED=$((BENCH_MISSED + 1))
	fi
}

# wrk_p50_ms NAME URL SECONDS [HEADER]: the median latency in ms of
# sequential requests (one connection, keep-alive) for SECONDS; the run's
# output is kept in $BENCH_TMP/NAME.wrk, its errors in NAME.errors (see
# wrk_rps).
wrk_p50_ms() {
	_p_out="$BENCH_TMP/$1.wrk"
	if [ -n "${4:-}" ]; then
		wrk -t1 -c1 -d"${3}s" --timeout 5s --latency -H "$4" "$2" \
		    >"$_p_out" 2>&1 || true
	else
		wrk -t1 -c1 -d"${3}s" --timeout 5s --latency "$2" \
		    >"$_p_out" 2>&1 || true
	fi
	awk '/Non-2xx or 3xx responses:/ { e += $NF }
	    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i }
	    END { print e + 0 }' "$_p_out" >"$BENCH_TMP/$1.errors"
	awk '$1 == "50%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
		printf "%.3f\n", v * f; found = 1 }
	    END { if (!found) print 0 }' "$_p_out"
}

# infuus_stop: stop the infuus infuus_start started last and wait for it
# (up to 10 s), so the next one has the machine to itself.
infuus_stop() {
	[ -n "${_i_pid:-}" ] || return 0
	kill "$_i_pid" 2>/dev/null || true
	_s_n=0
	while kill -0 "$_i_pid" 2>/dev/null && [ $_s_n -lt 100 ]; do
		sleep 0.1
		_s_n=$((_s_n + 1))
	done
	kill -9 "$_i_pid" 2>/dev/null || true
	# Not again at exit: the pid may belong to someone else by then.
	_s_left=""
	for _s_p in $BENCH_PIDS; do
		[ "$_s_p" = "$_i_pid" ] || _s_left="$_s_left $_s_p"
	done
	BENCH_PIDS=$_s_left
	_i_pid=""
}

# wrk_run NAME URL CONNECTIONS SECONDS [wrk options...]: one wrk run with
# --latency; prints "RPS P99_MS"; the output is kept in $BENCH_TMP/NAME.wrk
# and its errors (non-2xx/3xx answers plus socket errors) in NAME.errors.
wrk_run() {
	_r_name=$1
	_r_url=$2
	_r_conns=$3
	_r_secs=$4
	shift 4
	_r_out="$BENCH_TMP/$_r_name.wrk"
	wrk -t2 -c"$_r_conns" -d"${_r_secs}s" --timeout 5s --latency "$@" \
	    "$_r_url" >"$_r_out" 2>&1 || true
	awk '/Non-2xx or 3xx responses:/ { e += $NF }
	    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i }
	    END { print e + 0 }' "$_r_out" >"$BENCH_TMP/$_r_name.errors"
	awk '/^Requests\/sec:/ { rps = $2 }
	    $1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
		p99 = v * f }
	    END { printf "%.0f %.2f\n", rps, p99 }' "$_r_out"
}

# ratio A B: A / B with two decimals (0 when B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
