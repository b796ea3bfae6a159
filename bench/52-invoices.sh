#!/bin/sh
# 52-invoices.sh - invoices as PDF (issue 13, src/billing).
#   invoice_pdf_per_s     GET /invoices/ID/pdf per second over HTTP (8
#                         connections): the access-log entry, the
#                         invoice read and unsealed, typeset with cairo and
#                         pango; one invoice of a per-minute contract with
#                         three lines and two VAT rates
#   invoice_pdf_bytes     the size of that PDF
#   invoice_pdf_errors    non-2xx answers plus socket errors (should be 0)
#
#   sh bench/52-invoices.sh BUILDDIR        (bench/run calls it)
# BENCH_SECS sets the seconds of the run (default 10).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

secs=${BENCH_SECS:-10}
data="$BENCH_TMP/data"
port=$(free_port)
infuus_start "$data" "$port" --demo --set access_log=false
base="http://127.0.0.1:$port"
set -- $(demo_login "$data" admin)
admin=$(infuus_login "$port" "$1" "$2")
set -- $(demo_login "$data" professional)
coach=$(infuus_login "$port" "$1" "$2")
[ -n "$admin" ] && [ -n "$coach" ] || exit 1

# csrf COOKIE: the session's token
csrf() {
	curl -s -H "Cookie: infuus_session=$1" "$base/api/me" |
	    sed -n 's/.*"csrf": *"\([^"]*\)".*/\1/p'
}
# post COOKIE PATH FIELD...: the Location of the 303, else exit
post() {
	_c=$1
	_p=$2
	shift 2
	_t=$(csrf "$_c")
	curl -s -o /dev/null -D "$BENCH_TMP/hdr" -H "Cookie: infuus_session=$_c" \
	    --data-urlencode "csrf=$_t" "$@" "$base$_p"
	_loc=$(tr -d '\r' <"$BENCH_TMP/hdr" | awk 'tolower($1) == "location:" { print $2 }')
	grep -q '^HTTP/1.1 303' "$BENCH_TMP/hdr" || {
		echo "bench: POST $_p: $(head -n 1 "$BENCH_TMP/hdr")" >&2
		exit 1
	}
	echo "$_loc"
}

post "$admin" /org/billing --data-urlencode "legal_name=Demo Praktijk B.V." \
    --data-urlencode "street=Keizersgracht 1" --data-urlencode "postcode=1015 CJ" \
    --data-urlencode "city=Amsterdam" --data-urlencode "kvk=12345678" \
    --data-urlencode "vat_number=NL123456789B01" \
    --data-urlencode "iban=NL91ABNA0417164300" >/dev/null
tid=$(curl -s -H "Cookie: infuus_session=$coach" "$base/t" |
    sed -n 's/.*href="\/t\/\([0-9][0-9]*\)".*/\1/p' | head -n 1)
[ -n "$tid" ] || { echo "bench: the demo coach has no trajectory" >&2; exit 1; }
post "$coach" "/t/$tid/billing/contract" --data-urlencode "kind=minute" \
    --data-urlencode "rate=90,00" --data-urlencode "rounding=6" \
    --data-urlencode "minimum=10" --data-urlencode "vat=S21" \
    --data-urlencode "address=Dorpsstraat 5
1234 AB Ergens" >/dev/null
today=$(date -u +%Y-%m-%d)
loc=$(post "$coach" "/t/$tid/invoices" --data-urlencode "from=$today" \
    --data-urlencode "to=$today" \
    --data-urlencode "extra_description=Intakeverslag" \
    --data-urlencode "extra_quantity=2" --data-urlencode "extra_price=75,00")
id=${loc##*/}
url="$base/invoices/$id/pdf"
hdr="Cookie: infuus_session=$coach"
code=$(curl -s -o "$BENCH_TMP/invoice.pdf" -w '%{http_code}' -H "$hdr" "$url")
[ "$code" = 200 ] || { echo "bench: $url answered $code" >&2; exit 1; }
bytes=$(wc -c <"$BENCH_TMP/invoice.pdf")

wrk_rps warm "$url" 2 1 "$hdr" >/dev/null
rps=$(wrk_rps invoice_pdf "$url" 8 "$secs" "$hdr")
bench_line invoice_pdf_per_s "$rps" "/s"
bench_line invoice_pdf_bytes "$bytes" "B"
bench_line invoice_pdf_errors "$(wrk_errors invoice_pdf)" "count"
[ "$(wrk_errors invoice_pdf)" = 0 ] || exit 1
exit $BENCH_MISSED
