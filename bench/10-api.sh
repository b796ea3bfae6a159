#!/bin/sh
# 10-api.sh - GET /api/me (a logged-in JSON answer: session look-up, role,
# JSON) against nginx serving a static file of the same size, and /api/me
# at 128 and 256 connections (the counts where libmicrohttpd's internal
# epoll mode stalls; see DESIGN.md).
#
#   sh bench/10-api.sh BUILDDIR     (bench/run calls it)
#
# Figures: api_me_rps, nginx_static_rps, api_me_vs_nginx (target >= 0.5),
# c128_rps and c256_rps (targets >= 10000), and the errors of each infuus
# run (non-2xx answers plus socket errors; should be 0).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

secs=${BENCH_SECS:-8}
port=$(free_port)
data="$BENCH_TMP/data"
infuus_start "$data" "$port" --demo --set access_log=false
set -- $(demo_login "$data" admin)
[ $# -eq 2 ] || { echo "bench: no demo log-in in $data.out" >&2; exit 1; }
cookie=$(infuus_login "$port" "$1" "$2")
[ -n "$cookie" ] || exit 1
hdr="Cookie: infuus_session=$cookie"
url="http://127.0.0.1:$port/api/me"

size=$(curl -s -H "$hdr" "$url" | wc -c)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "$url")
[ "$code" = 200 ] || { echo "bench: /api/me answered $code" >&2; exit 1; }
echo "bench: /api/me answers $size bytes; $secs s per run"

wrk_rps warmup "$url" 64 1 "$hdr" >/dev/null
api=$(wrk_rps api_me "$url" 64 "$secs" "$hdr")
bench_line api_me_rps "$api" req/s
bench_line api_me_errors "$(wrk_errors api_me)" count

# nginx: the same number of bytes from a file, same connections.
www="$BENCH_TMP/www"
mkdir -p "$www"
head -c "$size" /dev/zero | tr '\0' 'x' >"$www/me.json"
nport=$(free_port)
nginx_start "$nport" "$www"
nurl="http://127.0.0.1:$nport/me.json"
wrk_rps nwarmup "$nurl" 64 1 >/dev/null
ngx=$(wrk_rps nginx "$nurl" 64 "$secs")
bench_line nginx_static_rps "$ngx" req/s
ratio=$(awk -v a="$api" -v n="$ngx" 'BEGIN { printf "%.2f", (n > 0 ? a / n : 0) }')
bench_line api_me_vs_nginx "$ratio" ratio
# nginx is done: stop it so it does not take CPU from the next runs.
nginx_pid=$(cat "$BENCH_TMP/nginx/nginx.pid" 2>/dev/null || true)
[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true

c128=$(wrk_rps c128 "$url" 128 "$secs" "$hdr")
bench_line c128_rps "$c128" req/s
bench_line c128_errors "$(wrk_errors c128)" count
c256=$(wrk_rps c256 "$url" 256 "$secs" "$hdr")
bench_line c256_rps "$c256" req/s
bench_line c256_errors "$(wrk_errors c256)" count

bench_target api_me_vs_nginx "$ratio" 0.5
bench_target c128_rps "$c128" 10000
bench_target c256_rps "$c256" 10000
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
