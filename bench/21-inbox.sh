#!/bin/sh
# 21-inbox.sh - do the pages people read every day stay fast as the data
# grows?  The same pages on two data sets of 1,000 trajectories made by
# gen_data: 10,000 and 1,000,000 messages.  Median latency (p50) of
# sequential keep-alive requests (wrk, one connection) of:
#   overview         /t as the professional coach@ (100 trajectories,
#                    newest activity first, with waiting counts)
#   queue            /queue as coach@ (client messages waiting for a reply)
#   thread_json      /api/threads/ID as coach@: the probe thread, 30
#                    messages in both data sets
#   client_overview  /t as the client client@ (one trajectory)
#   client_thread    /api/threads/ID as client@
#
#   sh bench/21-inbox.sh BUILDDIR        (bench/run calls it)
#
# Figures: <page>_10k_ms, <page>_1m_ms, <page>_1m_vs_10k for each page;
# inbox_10k_ms and inbox_1m_ms (the professional's overview or queue,
# whichever grows more); inbox_1m_vs_10k, the largest ratio of all pages
# (target <= 2); gen_1m_s, the time the 1M data set took to generate;
# inbox_errors (non-2xx answers and socket errors; should be 0).
#
# The data sets are kept in BUILDDIR/bench-data/, named by their size and a
# hash of the migrations and the generator's sources: a second run uses
# them again (copied, so runs do not change them), a changed schema or
# generator makes new ones.  BENCH_LAT_SECS sets the seconds per page
# (default 3); BENCH_MESSAGES the size of the large data set.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

gen="$BENCH_BUILD/bench/gen_data"
[ -x "$gen" ] || { echo "bench: no $gen (ninja -C $BENCH_BUILD)" >&2; exit 1; }
lat=${BENCH_LAT_SECS:-3}
trajs=1000
big=${BENCH_MESSAGES:-1000000}
# A throw-away data set served on loopback only.
pw="bench-only-password-21"
src=$(cd "$here/.." && pwd)
key=$(cat "$src"/src/store/migrations/*.sql "$here/gen.c" "$here/gen.h" \
    "$here/gen_data.c" | sha256sum | cut -c1-12)
cache="$BENCH_BUILD/bench-data"
mkdir -p "$cache"

# dataset MESSAGES: the cached data set's folder, made when missing.
dataset() {
	_d_dir="$cache/msg-t$trajs-m$1-$key"
	if [ ! -f "$_d_dir/done" ]; then
		# Older versions of this size are stale: make room.
		rm -rf "$cache/msg-t$trajs-m$1-"*
		mkdir -p "$_d_dir"
		echo "bench: generating $1 messages in $_d_dir" >&2
		_d_t0=$(date +%s.%N)
		INFUUS_PASSWORD=$pw "$gen" --data "$_d_dir/data" \
		    --trajectories "$trajs" --messages "$1" --no-search-index \
		    >"$_d_dir/gen.out"
		_d_t1=$(date +%s.%N)
		awk -v a="$_d_t0" -v b="$_d_t1" 'BEGIN { printf "%.1f\n", b - a }' \
		    >"$_d_dir/gen.secs"
		grep '^generated' "$_d_dir/gen.out" >&2
		touch "$_d_dir/done"
	else
		echo "bench: using $_d_dir (generated earlier in" \
		    "$(cat "$_d_dir/gen.secs") s)" >&2
	fi
	echo "$_d_dir"
}

errors=0

# measure TAG DATASETDIR: every page's p50 into $BENCH_TMP/p50.PAGE.TAG.
measure() {
	_m_tag=$1
	_m_data="$BENCH_TMP/data-$_m_tag"
	rm -rf "$_m_data"
	cp -r "$2/data" "$_m_data"
	cp "$2/gen.out" "$BENCH_TMP/gen-$_m_tag.out"
	_m_port=$(free_port)
	infuus_start "$_m_data" "$_m_port" --set access_log=false
	_m_base="http://127.0.0.1:$_m_port"
	# shellcheck disable=SC2046 # "email password", split on purpose
	set -- $(demo_login "$BENCH_TMP/gen-$_m_tag" professional)
	_m_pro=$(infuus_login "$_m_port" "$1" "$2")
	# shellcheck disable=SC2046
	set -- $(demo_login "$BENCH_TMP/gen-$_m_tag" client)
	_m_cli=$(infuus_login "$_m_port" "$1" "$2")
	[ -n "$_m_pro" ] && [ -n "$_m_cli" ] || exit 1
	_m_thid=$(awk '$1 == "probe_thread" { print $2 }' "$BENCH_TMP/gen-$_m_tag.out")
	_m_thread="/api/threads/$_m_thid"
	_m_code=$(curl -s -o /dev/null -w '%{http_code}' \
	    -H "Cookie: infuus_session=$_m_pro" "$_m_base$_m_thread")
	if [ "$_m_code" != 200 ]; then
		echo "bench: GET $_m_thread answered $_m_code; measuring the" \
		    "thread page /threads/$_m_thid instead"
		_m_thread="/threads/$_m_thid"
	fi
	for _m_page in overview queue thread_json client_overview client_thread; do
		case $_m_page in
		overview) _m_path=/t; _m_c=$_m_pro ;;
		queue) _m_path=/queue; _m_c=$_m_pro ;;
		thread_json) _m_path=$_m_thread; _m_c=$_m_pro ;;
		client_overview) _m_path=/t; _m_c=$_m_cli ;;
		client_thread) _m_path=$_m_thread; _m_c=$_m_cli ;;
		esac
		_m_hdr="Cookie: infuus_session=$_m_c"
		_m_code=$(curl -s -o "$BENCH_TMP/page" -w '%{http_code}' \
		    -H "$_m_hdr" "$_m_base$_m_path")
		[ "$_m_code" = 200 ] || {
			echo "bench: $_m_path answered $_m_code ($_m_tag)" >&2
			exit 1
		}
		echo "bench: $_m_tag $_m_page $_m_path: $(wc -c <"$BENCH_TMP/page") bytes"
		wrk_p50_ms warm "$_m_base$_m_path" 1 "$_m_hdr" >/dev/null
		_m_v=$(wrk_p50_ms "$_m_page-$_m_tag" "$_m_base$_m_path" "$lat" "$_m_hdr")
		errors=$((errors + $(wrk_errors "$_m_page-$_m_tag")))
		echo "$_m_v" >"$BENCH_TMP/p50.$_m_page.$_m_tag"
		bench_line "${_m_page}_${_m_tag}_ms" "$_m_v" ms
	done
	infuus_stop
	rm -rf "$_m_data"
}

small_dir=$(dataset 10000)
big_dir=$(dataset "$big")
bench_line gen_1m_s "$(cat "$big_dir/gen.secs")" s
measure 10k "$small_dir"
measure 1m "$big_dir"

p50() {
	cat "$BENCH_TMP/p50.$1.$2"
}

worst=0
for page in overview queue thread_json client_overview client_thread; do
	r=$(awk -v a="$(p50 "$page" 10k)" -v b="$(p50 "$page" 1m)" \
	    'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
	echo "$r" >"$BENCH_TMP/ratio.$page"
	bench_line "${page}_1m_vs_10k" "$r" ratio
	worst=$(awk -v w="$worst" -v r="$r" 'BEGIN { print (r > w ? r : w) }')
done
# The professional's inbox: the overview or the queue, whichever grows more.
inbox=queue
if awk -v a="$(cat "$BENCH_TMP/ratio.overview")" \
    -v b="$(cat "$BENCH_TMP/ratio.queue")" 'BEGIN { exit !(a >= b) }'; then
	inbox=overview
fi
bench_line inbox_10k_ms "$(p50 $inbox 10k)" ms
bench_line inbox_1m_ms "$(p50 $inbox 1m)" ms
bench_line inbox_1m_vs_10k "$worst" ratio
bench_line inbox_errors "$errors" count

bench_target_max inbox_1m_vs_10k "$worst" 2
[ "$errors" -eq 0 ] || { echo "bench: $errors failed requests" >&2; BENCH_MISSED=$((BENCH_MISSED + 1)); }
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
