#!/bin/sh
# 50-media.sh - media files served from the database (issue 12).
#   media_full_mb_s      a 40 MB film downloaded whole, MB per second (one
#                        connection; read a chunk at a time from SQLite)
#   media_range_rps      64 KiB ranges from the middle of the film, 16
#                        connections (what players seeking ask for)
#   media_range_p50_ms   the same, one connection, median latency
#   media_rss_growth_mb  the server's resident memory growth while 8
#                        clients download the film at once; the streamed
#                        response holds one 256 KiB chunk per client, so
#                        the target is far below 8 x 40 MB: <= 64
#   media_errors         non-2xx answers (should be 0)
#
#   sh bench/50-media.sh BUILDDIR        (bench/run calls it)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"
secs=${BENCH_SECS:-5}

data="$BENCH_TMP/data"
port=$(free_port)
infuus_start "$data" "$port" --demo --set access_log=false
base="http://127.0.0.1:$port"
set -- $(demo_login "$data" professional)
[ $# -eq 2 ] || { echo "bench: no demo log-in in $data.out" >&2; exit 1; }
cookie=$(infuus_login "$port" "$1" "$2")
[ -n "$cookie" ] || exit 1
hdr="Cookie: infuus_session=$cookie"
csrf=$(curl -s -H "$hdr" "$base/api/me" |
    sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')

# A 40 MB MP4: an ftyp box, then bytes that do not compress.
film="$BENCH_TMP/film.mp4"
{ printf '\000\000\000\030ftypisom\000\000\002\000isomiso2'
  head -c 41943016 /dev/urandom; } >"$film"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" \
    -F "csrf=$csrf" -F "file=@$film;type=video/mp4" \
    "$base/org/media?csrf=$csrf")
[ "$code" = 303 ] || { echo "bench: upload answered $code" >&2; exit 1; }
id=$(curl -s -H "$hdr" "$base/org/media" |
    sed -n 's/.*href="\/media\/\([0-9]*\)".*/\1/p' | head -n 1)
[ -n "$id" ] || { echo "bench: the film is not listed" >&2; exit 1; }
url="$base/media/$id"

# whole downloads: the best of three, checked against the file
best=0
for i in 1 2 3; do
	s=$(curl -s -o "$BENCH_TMP/got" -w '%{speed_download}' -H "$hdr" "$url")
	cmp -s "$film" "$BENCH_TMP/got" || { echo "bench: the download differs" >&2; exit 1; }
	best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
done
full=$(awk -v b="$best" 'BEGIN { printf "%.1f", b / 1048576 }')

range="Range: bytes=20000000-20065535"
cat >"$BENCH_TMP/range.lua" <<LUA
wrk.headers["Cookie"] = "infuus_session=$cookie"
wrk.headers["Range"] = "bytes=20000000-20065535"
LUA
wrk -t2 -c16 -d"${secs}s" --timeout 5s -s "$BENCH_TMP/range.lua" "$url" \
    >"$BENCH_TMP/range.wrk" 2>&1 || true
rps=$(awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$BENCH_TMP/range.wrk")
errors=$(awk '/Non-2xx or 3xx responses:/ { e += $NF } END { print e + 0 }' \
    "$BENCH_TMP/range.wrk")
wrk -t1 -c1 -d"${secs}s" --timeout 5s --latency -s "$BENCH_TMP/range.lua" \
    "$url" >"$BENCH_TMP/range1.wrk" 2>&1 || true
p50=$(awk '$1 == "50%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.3f\n", v * f }' \
    "$BENCH_TMP/range1.wrk")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" -H "$range" "$url")
[ "$code" = 206 ] || errors=$((errors + 1))

# memory: eight downloads at once, the resident size sampled meanwhile
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$_i_pid/status"; }
before=$(rss)
peak=$before
pids=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null --limit-rate 20M -H "$hdr" "$url" &
	pids="$pids $!"
done
while :; do
	now=$(rss)
	[ "$now" -gt "$peak" ] && peak=$now
	running=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && running=1; done
	[ $running -eq 1 ] || break
	sleep 0.1
done
for p in $pids; do wait "$p" || errors=$((errors + 1)); done
growth=$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f", (b - a) / 1024 }')

bench_line media_full_mb_s "$full" MB/s
bench_line media_range_rps "$rps" req/s
bench_line media_range_p50_ms "$p50" ms
bench_line media_rss_growth_mb "$growth" MB
bench_line media_errors "$errors" count
BENCH_MISSED=0
bench_target_max media_rss_growth_mb "$growth" 64
bench_target_max media_errors "$errors" 0
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
