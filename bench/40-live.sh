#!/bin/sh
# 40-live.sh - live events and chat (issue 10):
#   sse_kib_per_stream   the server's RSS growth per idle event stream,
#                        with 10,000 streams open on one node (its
#                        LIMIT_SSE_PER_NODE)
#   chat_delivery_*_ms   chat messages posted at a steady rate over many
#                        conversations, both sides' streams open, from the
#                        moment a post is due to the "chat" event arriving
#                        on the other side's stream (bench/chat_bench)
#   chat_post_rps_*      POST /t/ID/chat (the chat form) and GET /t/ID/chat
#   chat_latest50_rps_*  (the window: the latest LIMIT_CHAT_PAGE messages)
#                        at 16 and 64 connections, next to nginx serving a
#                        static file of the window's size in the same run
#   crossnode_delivery_* a chat message posted through one node reaching
#                        a stream held on another, both on a throw-away
#                        PostgreSQL (tests/pg-cluster; BENCH_CROSSNODE=0
#                        leaves it out)
#
#   sh bench/40-live.sh BUILDDIR     (bench/run calls it)
#
# The data set (gen_data: one trajectory and client for every
# LIMIT_SSE_PER_USER (8) streams wanted, 1,250 for 10,000, and their
# coaches) is made fresh in the temporary directory.  The limits keep
# their defaults; the streams come from source addresses
# 127.0.0.2.. (500 each) so that LIMIT_CONNECTIONS_PER_IP is not what
# refuses them.  The driver is bench/live_bench.py; it hands the chat run
# to bench/chat_bench (C, epoll).
#
# BENCH_SECS sets the seconds of each wrk run (default 8); BENCH_CHAT_RATE
# (default 1000 messages/s), BENCH_CHAT_SECS (default 10) and
# BENCH_CHAT_CONVS (default 1000 conversations, both sides' streams open)
# the chat run, driven by bench/chat_bench (C); BENCH_STREAMS the streams
# wanted (default 10000, the node's limit caps it).  One coach for every
# LIMIT_SSE_PER_USER (8) clients, so a coach holds the streams of all
# their conversations.
# Targets: sse_kib_per_stream <= 16, chat_delivery_p99_ms <= 20,
# crossnode_delivery_p99_ms <= 50, no errors.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

gen="$BENCH_BUILD/bench/gen_data"
[ -x "$gen" ] || { echo "bench: no $gen (ninja -C $BENCH_BUILD)" >&2; exit 1; }
secs=${BENCH_SECS:-8}
rate=${BENCH_CHAT_RATE:-1000}
convs=${BENCH_CHAT_CONVS:-1000}
csecs=${BENCH_CHAT_SECS:-10}
want=${BENCH_STREAMS:-10000}
clients=$(((want + 7) / 8))
pw="bench-only-password-40"

# Room for 10,000 streams and the server's own files, in this shell and
# so in the server it starts and in the driver (its 10,000 sockets).
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((want + 512)) ] ||
    echo "bench: ulimit -n $(ulimit -n) is too low for $want streams" >&2

INFUUS_PASSWORD=$pw "$gen" --data "$BENCH_TMP/data" --trajectories $clients \
    --messages $clients --professionals $(((clients + 7) / 8)) \
    --no-search-index >"$BENCH_TMP/gen.out"
per=$(awk '$1 == "coach_trajectories" { print $2 }' "$BENCH_TMP/gen.out")
coaches=$(((clients + per - 1) / per))
port=$(free_port)
infuus_start "$BENCH_TMP/data" "$port" --set access_log=false
base="http://127.0.0.1:$port"
echo "bench: ulimit -n $(ulimit -n); $clients clients, $coaches coaches;" \
    "chat $rate messages/s for $csecs s over $convs conversations"

python3 "$here/live_bench.py" --port "$port" --pid "$_i_pid" \
    --password "$pw" --clients $clients --coaches "$coaches" \
    --streams "$want" --rate "$rate" --secs "$csecs" --convs "$convs" \
    --chat-bench "$BENCH_BUILD/bench/chat_bench" \
    --tuples "$BENCH_TMP/tuples" | tee "$BENCH_TMP/live.out"
fig() { awk -v k="$1" '$1 == k { print $2 }' "$BENCH_TMP/live.out"; }
streams=$(fig streams)
kib=$(fig sse_kib_per_stream)
p50=$(fig chat_delivery_p50_ms)
p99=$(fig chat_delivery_p99_ms)
[ -n "$p99" ] || { echo "bench: the driver failed" >&2; exit 1; }
errors=$(fig chat_failed)
bench_line sse_streams "$streams" streams
bench_line sse_kib_per_stream "$kib" KiB
bench_line chat_delivery_rate "$rate" msg/s
bench_line chat_delivery_p50_ms "$p50" ms
bench_line chat_delivery_p99_ms "$p99" ms

export BENCH_TUPLES="$BENCH_TMP/tuples"
for c in 16 64; do
	BENCH_MODE=post wrk_run warm "$base/" "$c" 1 -s "$here/chat.lua" >/dev/null
	set -- $(BENCH_MODE=post wrk_run "post$c" "$base/" "$c" "$secs" \
	    -s "$here/chat.lua")
	echo "$1" >"$BENCH_TMP/post_rps.$c"
	bench_line "chat_post_rps_c$c" "$1" req/s
	bench_line "chat_post_p99_ms_c$c" "$2" ms
	errors=$((errors + $(wrk_errors "post$c")))
	set -- $(BENCH_MODE=read wrk_run "read$c" "$base/" "$c" "$secs" \
	    -s "$here/chat.lua")
	echo "$1" >"$BENCH_TMP/read_rps.$c"
	bench_line "chat_latest50_rps_c$c" "$1" req/s
	bench_line "chat_latest50_p99_ms_c$c" "$2" ms
	errors=$((errors + $(wrk_errors "read$c")))
done
set -- $(head -n 1 "$BENCH_TUPLES")
size=$(curl -s -H "Cookie: infuus_session=$1" "$base/t/$3/chat" |
    tee "$BENCH_TMP/window" | wc -c)
shown=$(grep -o '<li class="chat-msg' "$BENCH_TMP/window" | wc -l)
echo "bench: the chat window is $size bytes and shows $shown messages"
infuus_stop

www="$BENCH_TMP/www"
mkdir -p "$www"
head -c "$size" /dev/zero | tr '\0' 'x' >"$www/chat.html"
nport=$(free_port)
nginx_start "$nport" "$www"
nurl="http://127.0.0.1:$nport/chat.html"
for c in 16 64; do
	wrk_run nwarm "$nurl" "$c" 1 >/dev/null
	set -- $(wrk_run "nginx$c" "$nurl" "$c" "$secs")
	bench_line "nginx_static_rps_c$c" "$1" req/s
	bench_line "chat_post_vs_nginx_c$c" \
	    "$(ratio "$(cat "$BENCH_TMP/post_rps.$c")" "$1")" ratio
	bench_line "chat_latest50_vs_nginx_c$c" \
	    "$(ratio "$(cat "$BENCH_TMP/read_rps.$c")" "$1")" ratio
done

# Across two nodes: a throw-away PostgreSQL (tests/pg-cluster), node A
# with the demo's people, node B with the same master key; the
# professional posts through A, the client's stream is held on B.
# BENCH_CROSSNODE=0 leaves it out.
xp99=""
if [ "${BENCH_CROSSNODE:-1}" != 0 ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
	chmod 711 "$BENCH_TMP"
	trap 'sh "$here/../tests/pg-cluster" stop "$BENCH_TMP/pg"; bench_cleanup' EXIT
	url=$(sh "$here/../tests/pg-cluster" start "$BENCH_TMP/pg")
	mkdir -m 700 "$BENCH_TMP/a" "$BENCH_TMP/b"
	pa=$(free_port)
	infuus_start "$BENCH_TMP/a" "$pa" --database "$url" --demo \
	    --set access_log=false
	cp "$BENCH_TMP/a/master.key" "$BENCH_TMP/b/master.key"
	pb=$(free_port)
	infuus_start "$BENCH_TMP/b" "$pb" --database "$url" --set access_log=false
	set -- $(demo_login "$BENCH_TMP/a" professional) \
	    $(demo_login "$BENCH_TMP/a" client)
	python3 "$here/live_bench.py" crossnode --port "$pa" --port-b "$pb" \
	    --coach "$1" --password "$2" --client "$3" --client-password "$4" \
	    --rate 20 --secs "$csecs" | tee "$BENCH_TMP/cross.out"
	xp99=$(awk '$1 == "crossnode_delivery_p99_ms" { print $2 }' "$BENCH_TMP/cross.out")
	[ -n "$xp99" ] || { echo "bench: the cross-node run failed" >&2; exit 1; }
	bench_line crossnode_delivery_p50_ms \
	    "$(awk '$1 == "crossnode_delivery_p50_ms" { print $2 }' "$BENCH_TMP/cross.out")" ms
	bench_line crossnode_delivery_p99_ms "$xp99" ms
fi

bench_line live_errors "$errors" count
bench_target_max sse_kib_per_stream "$kib" 16
bench_target_max chat_delivery_p99_ms "$p99" 20
[ -z "$xp99" ] || bench_target_max crossnode_delivery_p99_ms "$xp99" 50
[ "$errors" -eq 0 ] || { echo "bench: $errors failed requests or lost messages" >&2; BENCH_MISSED=$((BENCH_MISSED + 1)); }
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
