#!/bin/sh
# 51-modules.sh - a client's module page with its progress (issue 12):
# GET /md/ID as the client (the run, its version parsed, the session
# states and answers opened, the progress; every view is one write job:
# the access log entry and the client's active time) against nginx
# serving a static file of the page's size in the same run.
#
#   sh bench/51-modules.sh BUILDDIR     (bench/run calls it)
#
# The demo's coach writes a module of five sessions of four pages, publishes
# it and gives it to the demo's trajectory (everything open); the client
# answers two exercises.  Figures: module_page_rps (16 connections),
# nginx_static_rps_modules, module_page_vs_nginx, module_page_errors.
# BENCH_SECS sets the seconds of each wrk run (default 8).  No target: the
# page is bound by the access log's write per view ("log first, then
# show"), which nginx does not do; the ratio is there to follow.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

secs=${BENCH_SECS:-8}
port=$(free_port)
data="$BENCH_TMP/data"
base="http://127.0.0.1:$port"
infuus_start "$data" "$port" --demo --set access_log=false
set -- $(demo_login "$data" professional)
[ $# -eq 2 ] || { echo "bench: no demo coach in $data.out" >&2; exit 1; }
coach=$(infuus_login "$port" "$1" "$2")
set -- $(demo_login "$data" client)
[ $# -eq 2 ] || { echo "bench: no demo client in $data.out" >&2; exit 1; }
client=$(infuus_login "$port" "$1" "$2")
[ -n "$coach" ] && [ -n "$client" ] || exit 1
ch="Cookie: infuus_session=$coach"
kh="Cookie: infuus_session=$client"

csrf_of() {
	curl -s -H "$1" "$base$2" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1
}
ctok=$(csrf_of "$ch" /modules)
[ -n "$ctok" ] || { echo "bench: no csrf on /modules" >&2; exit 1; }
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H "$ch" \
    --data-urlencode "csrf=$ctok" --data-urlencode "title=Stress de baas" \
    "$base/modules")
mid=${loc##*/}
src="$BENCH_TMP/module.txt"
for s in 1 2 3 4 5; do
	printf '@session Sessie %d\n@page text Lezen\n' "$s"
	printf 'Spanning is een signaal van je lijf. **Merk** het op, en neem\n'
	printf 'dan even de tijd om te kijken wat je nodig hebt.\n\n'
	printf -- '- ademhalen\n- bewegen\n- praten met iemand\n'
	printf '@page free Wat merk je?\nWat merkte je vandaag?\n'
	printf '@page choice Hoe vaak?\n@option Elk uur\n@option Twee keer per dag\n@option Bijna nooit\n'
	printf '@page assignment Oefening\nPlan drie rustmomenten.\n'
done >"$src"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ch" \
    --data-urlencode "title=Stress de baas" --data-urlencode "source@$src" \
    "$base/modules/$mid?csrf=$ctok")
[ "$code" = 303 ] || { echo "bench: saving the draft answered $code" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ch" \
    --data-urlencode "csrf=$ctok" "$base/modules/$mid/publish")
[ "$code" = 303 ] || { echo "bench: publishing answered $code" >&2; exit 1; }
tid=$(curl -s -H "$ch" "$base/t" | sed -n 's/.*href="\/t\/\([0-9]*\)".*/\1/p' |
    head -n 1)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ch" \
    --data-urlencode "csrf=$ctok" --data-urlencode "module=$mid" \
    --data-urlencode "guided=1" --data-urlencode "timing=all" \
    "$base/t/$tid/modules")
[ "$code" = 303 ] || { echo "bench: giving the module answered $code" >&2; exit 1; }
rid=$(curl -s -H "$ch" "$base/t/$tid/modules" |
    sed -n 's/.*href="\/md\/\([0-9]*\)".*/\1/p' | head -n 1)
[ -n "$rid" ] || { echo "bench: no run on /t/$tid/modules" >&2; exit 1; }
ktok=$(csrf_of "$kh" "/md/$rid")
for p in 2 3; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "$kh" \
	    --data-urlencode "csrf=$ktok" --data-urlencode "s=1" \
	    --data-urlencode "p=$p" --data-urlencode "answer=2" \
	    "$base/md/$rid/answer")
	[ "$code" = 303 ] || { echo "bench: an answer answered $code" >&2; exit 1; }
done
url="$base/md/$rid"
size=$(curl -s -H "$kh" "$url" | wc -c)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$kh" "$url")
[ "$code" = 200 ] || { echo "bench: /md/$rid answered $code" >&2; exit 1; }
echo "bench: the module page answers $size bytes; $secs s per run"

wrk_rps warmup "$url" 16 1 "$kh" >/dev/null
mp=$(wrk_rps module_page "$url" 16 "$secs" "$kh")
bench_line module_page_rps "$mp" req/s
bench_line module_page_errors "$(wrk_errors module_page)" count

www="$BENCH_TMP/www"
mkdir -p "$www"
head -c "$size" /dev/zero | tr '\0' 'x' >"$www/page.html"
nport=$(free_port)
nginx_start "$nport" "$www"
nurl="http://127.0.0.1:$nport/page.html"
wrk_rps nwarmup "$nurl" 16 1 >/dev/null
ngx=$(wrk_rps nginx "$nurl" 16 "$secs")
bench_line nginx_static_rps_modules "$ngx" req/s
ratio=$(awk -v a="$mp" -v n="$ngx" 'BEGIN { printf "%.3f", (n > 0 ? a / n : 0) }')
bench_line module_page_vs_nginx "$ratio" ratio
[ "$(wrk_errors module_page)" -eq 0 ]
