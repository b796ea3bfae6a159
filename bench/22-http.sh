#!/bin/sh
# 22-http.sh - the user's own operations over HTTP, as a browser does
# them, next to nginx serving a static file in the same run:
#   post         POST /threads/ID/messages, the composer's form: a cookie
#                session, its CSRF token, a message of a few sentences,
#                sealed, in the access log, acknowledged (303) only once
#                durable; clients and their professional, each in their
#                own sessions, writing in eight threads
#   thread_read  GET /api/threads/ID, the thread's latest page as JSON
#                (LIMIT_THREAD_PAGE messages), by the same sessions
# at 16 and 64 connections; and the latest page of a thread of 100,000
# messages against that of a thread of 50 (one connection, p50, by turns).
#
#   sh bench/22-http.sh BUILDDIR     (bench/run calls it)
#
# Figures: http_post_rps_c16/_c64, http_post_p99_ms_c16/_c64,
# http_thread_read_rps_c16/_c64, http_thread_read_p99_ms_c16/_c64,
# nginx_static_rps_c16/_c64 (a file the size of the thread's JSON) and
# nginx_static_p99_ms_c16/_c64, each infuus figure's *_vs_nginx ratio;
# thread_50_ms, thread_100k_ms and thread_100k_vs_50 (target <= 2);
# http_errors (non-2xx/3xx answers and socket errors; should be 0);
# http_wal_peak_mb, the SQLite write-ahead log's largest size during the
# runs (target: within twice LIMIT_WAL_BYTES, 128).
#
# The data set (gen_data: 64 trajectories, 6,400 messages, and in
# trajectory 0 a thread of 100,000 messages and one of 50) is kept in
# BUILDDIR/bench-data/ like 21-inbox.sh's; each run serves a copy.
# BENCH_SECS sets the seconds of each wrk run (default 8), BENCH_LAT_SECS
# those of the latency runs (default 3), BENCH_LONG the long thread's
# length, BENCH_THREADS the server's worker threads (default: its own
# choice).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

gen="$BENCH_BUILD/bench/gen_data"
[ -x "$gen" ] || { echo "bench: no $gen (ninja -C $BENCH_BUILD)" >&2; exit 1; }
secs=${BENCH_SECS:-8}
lat=${BENCH_LAT_SECS:-3}
long=${BENCH_LONG:-100000}
writers=8               # clients (each in a trajectory of their own)
pw="bench-only-password-22"
src=$(cd "$here/.." && pwd)
key=$(cat "$src"/src/store/migrations/*.sql "$here/gen.c" "$here/gen.h" \
    "$here/gen_data.c" | sha256sum | cut -c1-12)
cache="$BENCH_BUILD/bench-data"
set_dir="$cache/http-t64-m6400-l$long-$key"
mkdir -p "$cache"
if [ ! -f "$set_dir/done" ]; then
	rm -rf "$cache/http-t64-m6400-l$long-"*
	mkdir -p "$set_dir"
	echo "bench: generating the data set in $set_dir"
	INFUUS_PASSWORD=$pw "$gen" --data "$set_dir/data" --trajectories 64 \
	    --messages 6400 --long-thread "$long" --no-search-index \
	    >"$set_dir/gen.out"
	grep '^generated' "$set_dir/gen.out"
	touch "$set_dir/done"
fi
data="$BENCH_TMP/data"
cp -r "$set_dir/data" "$data"
cp "$set_dir/gen.out" "$BENCH_TMP/gen.out"
port=$(free_port)
infuus_start "$data" "$port" --set access_log=false \
    --set "threads=${BENCH_THREADS:-0}"
base="http://127.0.0.1:$port"

# session EMAIL -> "COOKIE CSRF"
session() {
	_s_cookie=$(infuus_login "$port" "$1" "$pw")
	[ -n "$_s_cookie" ] || exit 1
	_s_csrf=$(curl -s -H "Cookie: infuus_session=$_s_cookie" "$base/api/me" |
	    sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
	[ -n "$_s_csrf" ] || { echo "bench: no csrf for $1" >&2; exit 1; }
	echo "$_s_cookie $_s_csrf"
}

# The writers: client2@ .. client9@ (client@ has the long thread), each
# posting in the newest thread of their trajectory, and their
# professional coach@ in a session per client, posting in the same
# threads.  Sixteen sessions in eight threads.
tuples="$BENCH_TMP/tuples"
: >"$tuples"
i=2
while [ $i -le $((writers + 1)) ]; do
	set -- $(session "client$i@bench.infuus.test")
	tid=$(curl -s -H "Cookie: infuus_session=$1" "$base/t" |
	    sed -n 's/.*href="\/t\/\([0-9][0-9]*\)".*/\1/p' | head -n 1)
	thid=$(curl -s -H "Cookie: infuus_session=$1" "$base/t/$tid" |
	    sed -n 's/.*href="\/threads\/\([0-9][0-9]*\)".*/\1/p' | head -n 1)
	[ -n "$tid" ] && [ -n "$thid" ] ||
	    { echo "bench: no thread for client$i@" >&2; exit 1; }
	echo "$1 $2 $thid" >>"$tuples"
	set -- $(session "coach@bench.infuus.test")
	echo "$1 $2 $thid" >>"$tuples"
	i=$((i + 1))
done
set -- $(head -n 1 "$tuples")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: infuus_session=$1" \
    --data-urlencode "csrf=$2" --data-urlencode "body=Een eerste bericht." \
    "$base/threads/$3/messages")
[ "$code" = 303 ] || { echo "bench: a post answered $code" >&2; exit 1; }
size=$(curl -s -H "Cookie: infuus_session=$1" "$base/api/threads/$3" | wc -c)
echo "bench: $(wc -l <"$tuples") sessions in $writers threads; a thread's" \
    "JSON page is $size bytes; $secs s per run"

export BENCH_TUPLES="$tuples"
errors=0
# The write-ahead log's size, every 0.2 s while the runs below write.
( while :; do
	stat -c %s "$data/infuus.db-wal" 2>/dev/null || echo 0
	sleep 0.2
  done >"$BENCH_TMP/wal" ) &
walpid=$!
BENCH_PIDS="$BENCH_PIDS $walpid"
for c in 16 64; do
	BENCH_MODE=post wrk_run warm "$base/" "$c" 1 -s "$here/http.lua" >/dev/null
	set -- $(BENCH_MODE=post wrk_run "post$c" "$base/" "$c" "$secs" \
	    -s "$here/http.lua")
	echo "$1" >"$BENCH_TMP/post_rps.$c"
	bench_line "http_post_rps_c$c" "$1" req/s
	bench_line "http_post_p99_ms_c$c" "$2" ms
	errors=$((errors + $(wrk_errors "post$c")))
	set -- $(BENCH_MODE=read wrk_run "read$c" "$base/" "$c" "$secs" \
	    -s "$here/http.lua")
	echo "$1" >"$BENCH_TMP/read_rps.$c"
	bench_line "http_thread_read_rps_c$c" "$1" req/s
	bench_line "http_thread_read_p99_ms_c$c" "$2" ms
	errors=$((errors + $(wrk_errors "read$c")))
done
kill "$walpid" 2>/dev/null || true
walmb=$(sort -n "$BENCH_TMP/wal" | tail -n 1 |
    awk '{ printf "%.0f", $1 / 1048576 }')
bench_line http_wal_peak_mb "$walmb" MB

# The long thread: its latest page against that of a thread of 50, as
# its professional, one connection after the other.
set -- $(session "coach@bench.infuus.test")
hdr="Cookie: infuus_session=$1"
short=$(awk '$1 == "short_thread" { print $2 }' "$BENCH_TMP/gen.out")
longid=$(awk '$1 == "long_thread" { print $2 }' "$BENCH_TMP/gen.out")
[ -n "$short" ] && [ -n "$longid" ] || { echo "bench: no long thread" >&2; exit 1; }
for t in "50:$short" "100k:$longid"; do
	name=${t%%:*}
	url="$base/api/threads/${t#*:}"
	code=$(curl -s -o "$BENCH_TMP/page" -w '%{http_code}' -H "$hdr" "$url")
	[ "$code" = 200 ] || { echo "bench: $url answered $code" >&2; exit 1; }
	echo "bench: thread $name: $(wc -c <"$BENCH_TMP/page") bytes, $(grep -o '"id":' \
	    "$BENCH_TMP/page" | wc -l) ids"
	wrk_p50_ms warm "$url" 1 "$hdr" >/dev/null
	echo "$url" >"$BENCH_TMP/url.$name"
done
# By turns, twice each, the lower median of each counts: load from
# elsewhere on the machine weighs on both alike.
for round in 1 2; do
	for name in 50 100k; do
		v=$(wrk_p50_ms "thread$name-$round" "$(cat "$BENCH_TMP/url.$name")" \
		    "$lat" "$hdr")
		errors=$((errors + $(wrk_errors "thread$name-$round")))
		echo "$v" >>"$BENCH_TMP/thread.$name.all"
	done
done
for name in 50 100k; do
	sort -n "$BENCH_TMP/thread.$name.all" | head -n 1 >"$BENCH_TMP/thread.$name"
	bench_line "thread_${name}_ms" "$(cat "$BENCH_TMP/thread.$name")" ms
done
infuus_stop

# nginx, a file of the thread page's size, same connections, same wrk.
www="$BENCH_TMP/www"
mkdir -p "$www"
head -c "$size" /dev/zero | tr '\0' 'x' >"$www/thread.json"
nport=$(free_port)
nginx_start "$nport" "$www"
nurl="http://127.0.0.1:$nport/thread.json"
for c in 16 64; do
	wrk_run nwarm "$nurl" "$c" 1 >/dev/null
	set -- $(wrk_run "nginx$c" "$nurl" "$c" "$secs")
	bench_line "nginx_static_rps_c$c" "$1" req/s
	bench_line "nginx_static_p99_ms_c$c" "$2" ms
	bench_line "http_post_vs_nginx_c$c" \
	    "$(ratio "$(cat "$BENCH_TMP/post_rps.$c")" "$1")" ratio
	bench_line "http_thread_read_vs_nginx_c$c" \
	    "$(ratio "$(cat "$BENCH_TMP/read_rps.$c")" "$1")" ratio
done

r=$(ratio "$(cat "$BENCH_TMP/thread.100k")" "$(cat "$BENCH_TMP/thread.50")")
bench_line thread_100k_vs_50 "$r" ratio
bench_line http_errors "$errors" count
bench_target_max thread_100k_vs_50 "$r" 2
bench_target_max http_wal_peak_mb "$walmb" 128
[ "$errors" -eq 0 ] || { echo "bench: $errors failed requests" >&2; BENCH_MISSED=$((BENCH_MISSED + 1)); }
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
