"""
invoices.py - black-box tests of issue 13's pricing and invoices over real
HTTP: the organisation's billing details with their refusals, a contract
per minute (rounding and minimum, raw minutes kept) with its refusals
(a rounding rule that does not exist, an amount that overflows, a negative
one: nothing written), the estimate calculator, an invoice with 21% VAT
whose PDF (pdftotext) and UBL 2.1 e-invoice (SI-UBL 2.0) say what the
invoice says, the healthcare exemption with its legal text, the CSV, a
credit note instead of an edit, who may see an invoice (its client and
professional only), gap-free numbers under concurrent requests and after
a SIGKILL of the server in the middle of them.  Imported by run.py.
"""
import datetime
import re
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from coaching import location_id, new_trajectory
from lib import Client, Load, check, demo_logins, eq, org_with, users_in

AMS = ZoneInfo("Europe/Amsterdam")
CLIENT = ("ilse.invoice@demo.infuus.test", "ilse-invoice-pass-1",
          "Ilse Invoice")
OTHER = ("otto.other@demo.infuus.test", "otto-other-pass-12", "Otto Ander")
FAR = ("far.biller@elders.infuus.test", "far-biller-pass-123", "Fien Far")
BOSS = ("bea.baas@demo.infuus.test", "bea-baas-werkgever-1", "Bea Baas")
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:"
             "CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:"
             "CommonAggregateComponents-2"}
CUSTOMIZATION = ("urn:cen.eu:en16931:2017#compliant#"
                 "urn:fdc:nen.nl:nlcius:v1.0")
ORG = {"legal_name": "Praktijk Demo B.V.", "street": "Keizersgracht 1",
       "postcode": "1015 CJ", "city": "Amsterdam", "kvk": "12345678",
       "vat_number": "NL123456789B01", "iban": "NL91ABNA0417164300"}


def cents(s):
    """'1.234,56' or '1234.56' -> 123456."""
    s = s.strip().replace("\u20ac", "").strip()
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    return int(round(float(s) * 100))


class InvoicesMixin:
    """Set-up and helpers for the Invoices suite (run.py mixes in
    Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.admin, self.coach = demo_logins(self.srv, "admin",
                                             "professional")
        self.client, self.other = users_in(
            self.srv, "demo", ((CLIENT, "client"), (OTHER, "client")), "en")
        self.far = org_with(self.srv, "Elders", "elders",
                            ((FAR, "professional"),))[0]
        me = self.coach.me()
        self.coach_uid, self.org = me["id"], me["org"]
        self.tid = self.trajectory(self.client.me()["id"], "Facturen Ilse")
        self.tid_other = self.trajectory(self.other.me()["id"], "Otto")
        self.invoices = {}

    def trajectory(self, client_uid, title):
        return new_trajectory(self.coach, client_uid, title)

    def sql(self, query):
        """Rows of a query, as lists of strings (both backends)."""
        if self.backend == "sqlite":
            import sqlite3
            db = sqlite3.connect(self.srv.sqlite_path(), timeout=30)
            try:
                rows = db.execute(query).fetchall()
                db.commit()
                return [[str(c) for c in r] for r in rows]
            finally:
                db.close()
        out = self.srv.pg.sql(query)
        return [line.split("|") for line in out.splitlines() if line]

    def activity(self, tid, kind, seconds, ago=3600):
        """A recorded time written as the activity module writes it."""
        self.sql("INSERT INTO activities (org_id, trajectory_id, user_id, "
                 "kind, started_at, seconds, recorded_by, recorded_at) "
                 "VALUES (%d, %d, %d, '%s', %d, %d, %d, %d)" % (
                     self.org, tid, self.coach_uid, kind,
                     int(time.time()) - ago, seconds, self.coach_uid,
                     int(time.time())))

    def contract(self, tid, **kw):
        f = {"csrf": self.coach.csrf(), "kind": "minute", "rate": "",
             "minimum": "", "rounding": "1", "price": "", "sessions": "",
             "hours": "", "vat": "S21", "name": "",
             "address": "Dorpsstraat 5\n1234 AB Ergens"}
        f.update(kw)
        return self.coach.post("/t/%d/billing/contract" % tid, f)

    def period(self):
        today = datetime.datetime.now(AMS).date()
        return ((today - datetime.timedelta(days=2)).isoformat(),
                today.isoformat())

    def invoice(self, who, tid, **kw):
        frm, to = self.period()
        f = {"csrf": who.csrf(), "from": frm, "to": to,
             "extra_description": "", "extra_quantity": "",
             "extra_price": ""}
        f.update(kw)
        return who.post("/t/%d/invoices" % tid, f)

    def count(self, table, where="1=1"):
        return int(self.sql("SELECT COUNT(*) FROM %s WHERE %s" % (
            table, where))[0][0])

    def seqs(self):
        return [int(r[0]) for r in self.sql(
            "SELECT seq FROM invoices WHERE org_id = %d ORDER BY seq" %
            self.org)]

    def gap_free(self, what):
        s = self.seqs()
        eq(s, list(range(1, len(s) + 1)), what + ": numbers 1..N, no gaps")

    def refused(self, r, field, words, what):
        eq(r.status, 400, what)
        check('id="f-%s"' % field in r.text and re.search(
            r'id="f-%s"[^>]*aria-invalid="true"' % field, r.text),
              what, "the field %s marked invalid" % field, r.text[:1500])
        check(any(w in r.text for w in words), what,
              "the reason: " + " / ".join(words), r.text[:3000])

    def ubl(self, iid, who=None):
        r = (who or self.coach).get("/invoices/%d/ubl" % iid)
        eq(r.status, 200, "GET the UBL")
        check("xml" in (r.header("content-type") or ""), "UBL type",
              "application/xml", r.header("content-type"))
        if shutil.which("xmllint"):
            p = subprocess.run(["xmllint", "--noout", "-"], input=r.body,
                               capture_output=True, timeout=30)
            eq(p.returncode, 0, "xmllint: well-formed UBL " +
               p.stderr.decode()[:500])
        return ET.fromstring(r.body)

    def pdf_text(self, iid, who=None):
        r = (who or self.coach).get("/invoices/%d/pdf" % iid)
        eq(r.status, 200, "GET the PDF")
        eq(r.header("content-type"), "application/pdf", "PDF type")
        check(r.body.startswith(b"%PDF-"), "PDF", "%PDF- header",
              r.body[:20])
        p = subprocess.run(["pdftotext", "-layout", "-", "-"],
                           input=r.body, capture_output=True, timeout=60)
        eq(p.returncode, 0, "pdftotext " + p.stderr.decode()[:300])
        return p.stdout.decode("utf-8")

    # --- tests, in the order written ------------------------------------

    def test_org_details_refused_then_saved(self):
        eq(self.coach.get("/org/billing").status, 403,
           "a professional on /org/billing")
        f = dict(ORG, csrf=self.admin.csrf(), kvk="1234")
        self.refused(self.admin.post("/org/billing", f), "kvk",
                     ("eight digits", "acht cijfers"), "a short KvK number")
        f = dict(ORG, csrf=self.admin.csrf(), iban="NL91ABNA0417164301")
        self.refused(self.admin.post("/org/billing", f), "iban",
                     ("IBAN",), "an IBAN whose check digits fail")
        f = dict(ORG, csrf=self.admin.csrf(), vat_number="NL12345")
        self.refused(self.admin.post("/org/billing", f), "vat_number",
                     ("NL123456789B01",), "a VAT number of the wrong shape")
        eq(self.count("billing_orgs"), 0, "refused details write nothing")
        r = self.admin.post("/org/billing", dict(ORG, csrf=self.admin.csrf()))
        eq(r.status, 303, "the details saved")
        page = self.admin.get("/org/billing").text
        check("NL91ABNA0417164300" in page, "the details page", "the IBAN",
              page[:2000])

    def test_contract_refusals_write_nothing(self):
        self.refused(self.contract(self.tid, rate="90", rounding="7"),
                     "rounding", ("1, 5, 6 or 15", "1, 5, 6 of 15"),
                     "a rounding rule that does not exist")
        self.refused(self.contract(self.tid, rate="92233720368547758,07"),
                     "rate", ("too large", "te groot"),
                     "a rate that overflows")
        self.refused(self.contract(self.tid, rate="-90"), "rate",
                     ("negative", "negatief"), "a negative rate")
        self.refused(self.contract(self.tid, kind="package", price="500",
                                   sessions="10", hours="5"), "sessions",
                     ("one of the two", "een van beide"),
                     "a package of sessions and hours at once")
        self.refused(self.contract(self.tid, kind="hourly", rate="90"),
                     "kind", ("priced", "geprijsd"), "a kind that is none")
        self.refused(self.contract(self.tid, rate="90", vat="S19"), "vat",
                     ("21%",), "a VAT rate that does not exist")
        eq(self.count("billing_contracts"), 0,
           "refused contracts write nothing")
        # An invoice without a contract: refused, nothing numbered.
        r = self.invoice(self.coach, self.tid)
        eq(r.status, 404, "an invoice without a contract")
        check("contract" in r.text, "the reason", "no contract yet",
              r.text[:2000])
        eq(self.count("invoices"), 0, "no invoice")
        eq(self.count("invoice_counters"), 0, "no number taken")

    def test_estimate_price_and_actual_minutes(self):
        f = {"csrf": self.coach.csrf(), "cost_rate": "60", "margin": "25"}
        rows = [("written", "12", "20"), ("call", "4", "30"),
                ("visit", "2", "60"), ("assignment", "3", "15")]
        for i in range(8):
            k, t, m = rows[i] if i < len(rows) else ("other", "", "")
            f.update({"kind_%d" % i: k, "times_%d" % i: t,
                      "minutes_%d" % i: m})
        r = self.coach.post("/t/%d/billing/estimate" % self.tid,
                            dict(f, times_1="-4"))
        self.refused(r, "times_1", ("negative", "negatief"),
                     "a negative number of calls")
        eq(self.count("billing_estimates"), 0, "nothing stored")
        r = self.coach.post("/t/%d/billing/estimate" % self.tid, f)
        eq(r.status, 303, "the estimate saved")
        page = self.coach.get("/t/%d/billing" % self.tid).text
        # 240 + 120 + 120 + 45 = 525 min; cost 525 x 60/60 = 525,00;
        # with 25% margin 656,25.
        m = re.search(r'id="estimate-result">(.*?)</p>', page, re.S)
        check(m and "525 min" in m.group(1) and "525,00" in m.group(1) and
              "656,25" in m.group(1), "the estimate",
              "525 min, cost 525,00, price 656,25", m and m.group(1))
        check('id="estimate-actual"' in page, "estimate page",
              "actual minutes beside the estimate", page[:500])

    def test_invoice_per_minute_pdf_ubl_csv(self):
        r = self.contract(self.tid, rate="90,00", rounding="6",
                          minimum="10")
        eq(r.status, 303, "a per-minute contract")
        # Calls of 7 and 13 minutes and a chat of 3: each raised to the
        # minimum of 10 and rounded up to 6 minutes: 12 + 18 and 12.
        self.activity(self.tid, "call", 7 * 60)
        self.activity(self.tid, "call", 13 * 60)
        self.activity(self.tid, "chat", 3 * 60)
        page = self.client.get("/t/%d/billing" % self.tid).text
        check("Per minute" in page and "Save the contract" not in page,
              "the client's billing page", "the contract, no forms",
              page[:2000])
        r = self.invoice(self.coach, self.tid,
                         extra_description="Intake report",
                         extra_quantity="1", extra_price="50")
        eq(r.status, 303, "the invoice made")
        iid = location_id(r, "/invoices/")
        self.invoices["minute"] = iid
        # 30 min + 12 min at 90,00/h = 45,00 + 18,00; + 50,00 = 113,00;
        # 21% VAT 23,73; total 136,73.
        page = self.coach.get("/invoices/%d" % iid).text
        m = re.search(r'id="invoice-total">([^<]*)<', page)
        check(m and cents(m.group(1)) == 13673, "the invoice's total",
              "136,73", m and m.group(1))
        check("20 min" in page, "the invoice page", "the raw 20 minutes "
              "of calls beside the 30 billed", page[:3000])
        number = self.sql("SELECT seq FROM invoices WHERE id = %d" % iid)
        year = datetime.datetime.now(datetime.timezone.utc).year
        want_no = "%04d-%06d" % (year, int(number[0][0]))
        # The PDF says what the invoice says.
        text = self.pdf_text(iid)
        for want in (want_no, "Ilse Invoice", "Dorpsstraat 5",
                     "Praktijk Demo B.V.", "12345678", "NL123456789B01",
                     "NL91ABNA0417164300", "Intake report", "113,00",
                     "23,73", "136,73", "45,00", "18,00", "30 min",
                     "20 min"):
            check(want in text, "the PDF's text", want, text[:3000])
        # The UBL.
        x = self.ubl(iid)
        check(x.tag.endswith("}Invoice"), "UBL root", "Invoice", x.tag)
        eq(x.findtext("cbc:CustomizationID", namespaces=NS), CUSTOMIZATION,
           "SI-UBL 2.0 CustomizationID")
        eq(x.findtext("cbc:ID", namespaces=NS), want_no, "UBL cbc:ID")
        eq(x.findtext("cbc:InvoiceTypeCode", namespaces=NS), "380",
           "invoice type code")
        eq(x.findtext("cbc:DocumentCurrencyCode", namespaces=NS), "EUR",
           "currency")
        tot = x.find("cac:LegalMonetaryTotal", NS)
        eq(tot.findtext("cbc:PayableAmount", namespaces=NS), "136.73",
           "PayableAmount")
        eq(tot.findtext("cbc:TaxExclusiveAmount", namespaces=NS), "113.00",
           "TaxExclusiveAmount")
        lines = x.findall("cac:InvoiceLine", NS)
        eq(len(lines), 3, "UBL lines (calls, chat, the extra)")
        eq(sum(cents(ln.findtext("cbc:LineExtensionAmount", namespaces=NS))
               for ln in lines), 11300, "BR-CO-10: the lines add up")
        for ln in lines:
            q = int(ln.findtext("cbc:InvoicedQuantity", namespaces=NS))
            p = cents(ln.findtext("cac:Price/cbc:PriceAmount",
                                  namespaces=NS))
            b = int(ln.findtext("cac:Price/cbc:BaseQuantity",
                                namespaces=NS))
            eq(cents(ln.findtext("cbc:LineExtensionAmount", namespaces=NS)),
               (q * p + b // 2) // b, "line = quantity x price / base")
        eq(x.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS), "23.73",
           "TaxAmount")
        sub = x.find("cac:TaxTotal/cac:TaxSubtotal", NS)
        eq(sub.findtext("cac:TaxCategory/cbc:ID", namespaces=NS), "S",
           "category S")
        eq(sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS), "21",
           "21%")
        sup = x.find("cac:AccountingSupplierParty/cac:Party", NS)
        eq(sup.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS),
           "NL123456789B01", "seller VAT id")
        eq(sup.findtext("cac:PartyLegalEntity/cbc:CompanyID",
                        namespaces=NS), "12345678", "seller KvK")
        eq(x.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
                      namespaces=NS), "NL91ABNA0417164300", "IBAN")
        eq(x.findtext("cac:AccountingCustomerParty/cac:Party/"
                      "cac:PartyLegalEntity/cbc:RegistrationName",
                      namespaces=NS), "Ilse Invoice", "buyer")
        eq(x.findtext("cac:AccountingCustomerParty/cac:Party/"
                      "cac:PostalAddress/cbc:PostalZone", namespaces=NS),
           "1234 AB", "buyer postcode")
        # The CSV.
        r = self.client.get("/t/%d/invoices.csv" % self.tid)
        eq(r.status, 200, "the client's CSV")
        rows = r.text.strip().splitlines()
        check(len(rows) == 2 and rows[1].startswith(want_no) and
              rows[1].endswith(",136.73") and "Ilse Invoice" in rows[1],
              "the CSV", "a header and the invoice", rows)
        # The client read it: in the access log.
        n = self.count("audit_log", "kind = 'invoice' AND client_id = %d" %
                       self.client.me()["id"])
        check(n >= 3, "the access log", "the invoice's reads", n)

    def test_bad_invoice_input_writes_nothing(self):
        before = (self.count("invoices"), self.seqs())
        self.refused(self.invoice(self.coach, self.tid,
                                  extra_description="Korting",
                                  extra_quantity="-1", extra_price="10"),
                     "extra_quantity", ("negative", "negatief"),
                     "a negative quantity")
        self.refused(self.invoice(self.coach, self.tid,
                                  extra_description="Veel",
                                  extra_quantity="1",
                                  extra_price="99999999999999"),
                     "extra_price", ("too large", "te groot"),
                     "an amount past the limit")
        self.refused(self.invoice(self.coach, self.tid,
                                  extra_description="Veel",
                                  extra_quantity="1000000",
                                  extra_price="99999999"),
                     "extra_price", ("too large", "te groot"),
                     "a product that overflows the limit")
        self.refused(self.invoice(self.coach, self.tid, to="2026-02-30"),
                     "to", ("2026-03-31",), "a day that does not exist")
        eq((self.count("invoices"), self.seqs()), before,
           "refusals write nothing and take no number")

    def test_vat_exempt_healthcare(self):
        r = self.contract(self.tid_other, kind="fixed", price="1.250,00",
                          vat="E", name="Otto Ander")
        eq(r.status, 303, "a fixed price, exempt")
        r = self.invoice(self.coach, self.tid_other)
        eq(r.status, 303, "the invoice")
        iid = location_id(r, "/invoices/")
        self.invoices["exempt"] = iid
        text = self.pdf_text(iid)
        flat = " ".join(text.split())
        for want in ("1.250,00", "artikel 11, lid 1, onderdeel g",
                     "Wet op de omzetbelasting 1968", "Otto Ander"):
            check(want in flat, "the exempt invoice's PDF", want, flat)
        x = self.ubl(iid)
        cat = x.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
        eq(cat.findtext("cbc:ID", namespaces=NS), "E", "category E")
        check("artikel 11" in (cat.findtext("cbc:TaxExemptionReason",
                                            namespaces=NS) or ""),
              "TaxExemptionReason", "the legal text", ET.tostring(cat))
        eq(x.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS), "0.00",
           "no VAT")
        eq(x.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount",
                      namespaces=NS), "1250.00", "payable")

    def test_package_shows_what_is_left(self):
        tid = self.trajectory(self.other.me()["id"], "Pakket Otto")
        r = self.contract(tid, kind="package", price="900", sessions="10")
        eq(r.status, 303, "a package of 10 sessions")
        self.activity(tid, "call", 1800)
        self.activity(tid, "appointment", 3600)
        self.activity(tid, "chat", 600)
        for who in (self.coach, self.other):
            page = who.get("/t/%d/billing" % tid).text
            m = re.search(r'id="package-left">([^<]*)<', page)
            check(m and m.group(1).startswith("2 / 10") and
                  "8)" in m.group(1), "what is left of the package",
                  "2 / 10 (left: 8)", m and m.group(1))
        r = self.contract(tid, kind="package", price="900", sessions="",
                          hours="12")
        eq(r.status, 303, "a package of 12 hours")
        page = self.coach.get("/t/%d/billing" % tid).text
        m = re.search(r'id="package-left">([^<]*)<', page)
        check(m and m.group(1).startswith("100 / 720") and "620 min" in
              m.group(1), "what is left of the hours",
              "100 / 720 (left: 620 min)", m and m.group(1))

    def time_page(self, tid):
        """The budget rows and the budget's source on the time page."""
        frm, to = self.period()
        r = self.coach.get("/t/%d/time?from=%s&to=%s" % (tid, frm, to))
        eq(r.status, 200, "the time page of %d" % tid)
        rows = dict(re.findall(r'<tr data-kind="([a-z_]+)">.*?'
                               r'<td class="minutes">(\d+)</td>', r.text))
        m = re.search(r'id="time-budget-from" data-from="([a-z]+)"', r.text)
        return ({k: int(v) for k, v in rows.items()},
                m.group(1) if m else None, r.text)

    def test_time_budget_comes_from_the_contract(self):
        tid = self.trajectory(self.other.me()["id"], "Budget Otto")
        r = self.coach.post("/t/%d/time/settings" % tid, {
            "csrf": self.coach.csrf(), "budget": "120"})
        eq(r.status, 303, "the trajectory's own budget of 120 minutes")
        t, src, page = self.time_page(tid)
        eq((t.get("budget"), src), (120, None), "no contract: the setting")
        check('id="f-budget"' in page, "no contract", "the budget field",
              page[-1500:])
        # A package of 12 hours: 720 minutes, the setting set aside.
        eq(self.contract(tid, kind="package", price="900",
                         hours="12").status, 303, "a package of 12 hours")
        t, src, page = self.time_page(tid)
        eq((t.get("budget"), src), (720, "hours"), "12 hours: 720 min")
        check('id="f-budget"' not in page and
              'id="f-budget-contract"' in page, "a package of hours",
              "no second budget to type", page[-1500:])
        # Saving who sees the page keeps the setting behind the contract.
        r = self.coach.post("/t/%d/time/settings" % tid, {
            "csrf": self.coach.csrf(), "budget": "120", "client_sees": "1"})
        eq(r.status, 303, "the settings saved under a package")
        # A package of 10 sessions: sessions used and left, no minutes.
        eq(self.contract(tid, kind="package", price="900",
                         sessions="10").status, 303, "10 sessions")
        self.activity(tid, "call", 1800)
        self.activity(tid, "appointment", 3600)
        self.activity(tid, "chat", 600)
        t, src, page = self.time_page(tid)
        eq((t.get("budget"), src), (None, "sessions"), "10 sessions")
        m = re.search(r'id="time-sessions" data-used="(\d+)" '
                      r'data-of="(\d+)" data-left="(\d+)"', page)
        eq(m and m.groups(), ("2", "10", "8"), "sessions used, of, left")
        cpage = self.other.get("/t/%d/time" % tid).text
        check('id="time-sessions"' in cpage, "the client's time page",
              "the sessions left", cpage[-1500:])
        # Per minute without an estimate: the setting again.
        eq(self.contract(tid, rate="90").status, 303, "per minute")
        t, src, _ = self.time_page(tid)
        eq((t.get("budget"), src), (120, None), "per minute, no estimate")
        # With an estimate (3 x 20 + 1 x 45 = 105 minutes): its minutes,
        # per minute and at a fixed price alike.
        f = {"csrf": self.coach.csrf(), "cost_rate": "60", "margin": "10"}
        rows = [("written", "3", "20"), ("call", "1", "45")]
        for i in range(8):
            k, n, mi = rows[i] if i < len(rows) else ("other", "", "")
            f.update({"kind_%d" % i: k, "times_%d" % i: n,
                      "minutes_%d" % i: mi})
        eq(self.coach.post("/t/%d/billing/estimate" % tid, f).status, 303,
           "the estimate")
        t, src, _ = self.time_page(tid)
        eq((t.get("budget"), src), (105, "estimate"), "per minute, estimate")
        eq(self.contract(tid, kind="fixed", price="500").status, 303,
           "a fixed price")
        t, src, _ = self.time_page(tid)
        eq((t.get("budget"), src), (105, "estimate"), "fixed, estimate")
        # A session contract sets no budget: the setting.
        eq(self.contract(tid, kind="session", price="80").status, 303,
           "per session")
        t, src, _ = self.time_page(tid)
        eq((t.get("budget"), src), (120, None), "per session: the setting")

    def addressed(self, tid, link, what, address="Kade 1\n1000 AA Amsterdam"):
        return self.invoice(self.coach, tid, addressee=str(link),
                            addressee_address=address,
                            extra_description="Gesprek", extra_quantity="1",
                            extra_price="80")

    def test_invoice_to_the_employer_only_with_consent(self):
        self.srv.cli_ok("user", "create", "--email", BOSS[0], "--name",
                        BOSS[2], "--org", "demo", "--role", "stakeholder",
                        "--lang", "en", password=BOSS[1])
        tid = self.trajectory(self.client.me()["id"], "Werkgever betaalt")
        eq(self.contract(tid, kind="session", price="80").status, 303,
           "a contract")
        r = self.coach.post("/t/%d/stakeholders" % tid, {
            "csrf": self.coach.csrf(), "email": BOSS[0],
            "relation": "employer"})
        eq(r.status, 303, "the professional proposes the employer")
        link = int(self.sql("SELECT id FROM stakeholders WHERE "
                            "trajectory_id = %d" % tid)[0][0])
        before = self.seqs()

        def refused(r, what):
            eq(r.status, 403, what)
            check('id="f-addressee-error"' in r.text and
                  ("consent" in r.text or "toestemming" in r.text), what,
                  "the reason at the addressee", r.text[-3000:])
            eq(self.seqs(), before, what + ": nothing numbered")

        # Before consent: refused, nothing numbered.
        refused(self.addressed(tid, link, "before"), "before consent")
        page = self.coach.get("/t/%d/billing" % tid).text
        check('name="addressee"' in page and "Bea Baas" not in page,
              "the form before consent", "the client only", page[-3000:])
        # Consent that does not cover invoices: refused too.
        r = self.client.post("/t/%d/stakeholders/consent" % tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_questions": "1"})
        eq(r.status, 303, "consent to the learning questions only")
        refused(self.addressed(tid, link, "q"), "consent without invoices")
        # During consent to invoices: addressed to the employer.
        r = self.client.post("/t/%d/stakeholders/consent" % tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_invoices": "1"})
        eq(r.status, 303, "consent: invoices go to the employer")
        page = self.coach.get("/t/%d/billing" % tid).text
        check('<option value="%d">Bea Baas (employer)' % link in page,
              "the form during consent", "the employer to choose",
              page[-3000:])
        r = self.invoice(self.coach, tid, addressee=str(link),
                         addressee_address="Kade 1\n1000 AA Amsterdam\x01",
                         extra_description="Gesprek", extra_quantity="1",
                         extra_price="80")
        self.refused(r, "addressee_address", ("cannot be read",
                     "niet te lezen"), "an address with a control character")
        r = self.addressed(tid, link, "during")
        eq(r.status, 303, "an invoice to the employer")
        iid = location_id(r, "/invoices/")
        page = self.client.get("/invoices/%d" % iid).text
        check('id="inv-addressee">Bea Baas<' in page and "Ilse Invoice" in
              page, "the invoice page", "to the employer, for the client",
              page[-3000:])
        t = self.pdf_text(iid)
        check("Bea Baas" in t and "Kade 1" in t and "Ilse Invoice" in t,
              "the PDF", "the employer's name and address and the client",
              t[:1500])
        x = self.ubl(iid)
        party = "cac:AccountingCustomerParty/cac:Party/"
        eq(x.findtext(party + "cac:PartyLegalEntity/cbc:RegistrationName",
                      namespaces=NS), "Bea Baas", "UBL buyer: the employer")
        eq(x.findtext(party + "cac:PostalAddress/cbc:PostalZone",
                      namespaces=NS), "1000 AA", "the employer's postcode")
        rows = self.coach.get("/t/%d/invoices.csv" % tid).text.splitlines()
        check(rows[0].split(",")[6] == "addressee" and
              "Bea Baas" in rows[1], "the CSV", "the addressee column", rows)
        sealed = self.sql("SELECT COUNT(*) FROM invoices WHERE id = %d AND "
                          "addressee_stake = %d AND addressee IS NOT NULL"
                          % (iid, link))[0][0]
        eq(sealed, "1", "the addressee stored")
        raw = self.sql("SELECT COUNT(*) FROM invoices WHERE id = %d AND "
                       "CAST(addressee AS TEXT) LIKE '%%Kade%%'" % iid)
        eq(raw[0][0], "0", "the address sealed, not in clear")
        # After withdrawal: refused with the reason; to the client still.
        r = self.client.post("/t/%d/stakeholders/withdraw" % tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 303, "the client withdraws consent")
        before = self.seqs()
        refused(self.addressed(tid, link, "after"), "after withdrawal")
        r = self.invoice(self.coach, tid, addressee="client",
                         extra_description="Gesprek", extra_quantity="1",
                         extra_price="80")
        eq(r.status, 303, "an invoice to the client after withdrawal")
        # A credit note goes where the invoice went.
        r = self.coach.post("/invoices/%d/credit" % iid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 303, "the credit note")
        cid = location_id(r, "/invoices/")
        check('id="inv-addressee">Bea Baas<' in self.coach.get(
            "/invoices/%d" % cid).text, "the credit note", "to the employer",
              "")
        # Not a link of this trajectory, or no number: refused.
        tid2 = self.trajectory(self.other.me()["id"], "Ander")
        eq(self.contract(tid2, kind="session", price="80").status, 303,
           "a contract for another trajectory")
        r = self.addressed(tid2, link, "other")
        eq(r.status, 404, "a stakeholder of another trajectory")
        r = self.addressed(tid, "x1", "garbage")
        eq(r.status, 400, "an addressee that is no number")
        self.gap_free("after the refusals")

    def test_final_invoice_after_closing(self):
        tid = self.trajectory(self.other.me()["id"], "Afgesloten Otto")
        eq(self.contract(tid, kind="session", price="80").status, 303,
           "a contract")
        self.activity(tid, "appointment", 3600)
        r = self.coach.post("/t/%d/phase" % tid, {
            "csrf": self.coach.csrf(), "phase": "closed", "confirm": "1"})
        check(r.status in (200, 303), "closing the trajectory", "done",
              r.status)
        # Nothing else changes after closing ...
        eq(self.contract(tid, kind="session", price="90").status, 403,
           "the contract of a closed trajectory")
        # ... but the final invoice and its correction are made.
        r = self.invoice(self.coach, tid)
        eq(r.status, 303, "the final invoice of a closed trajectory")
        iid = location_id(r, "/invoices/")
        r = self.coach.post("/invoices/%d/credit" % iid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 303, "a credit note after closing")
        eq(self.invoice(self.other, tid).status, 403,
           "the client making an invoice")
        eq(self.invoice(self.far, tid).status, 404,
           "a professional of another organisation")
        self.gap_free("the final invoice")

    def test_books_export_of_the_organisation(self):
        r = self.contract(self.tid, rate="90")
        self.activity(self.tid, "preparation", 1800)
        eq(self.invoice(self.coach, self.tid).status, 303, "an invoice")
        row = self.sql("SELECT issued_at FROM invoices WHERE org_id = %d "
                       "ORDER BY seq DESC LIMIT 1" % self.org)[0]
        year = datetime.datetime.fromtimestamp(
            int(row[0]), datetime.timezone.utc).year
        start = int(datetime.datetime(year, 1, 1, tzinfo=datetime
                                      .timezone.utc).timestamp())
        end = int(datetime.datetime(year + 1, 1, 1, tzinfo=datetime
                                    .timezone.utc).timestamp())
        want = self.count("invoices", "org_id = %d AND issued_at >= %d AND "
                          "issued_at < %d" % (self.org, start, end))
        clients = {int(c[0]) for c in self.sql(
            "SELECT DISTINCT client_id FROM invoices WHERE org_id = %d" %
            self.org)}
        logged = self.count("audit_log", "kind = 'invoice' AND detail = "
                            "'export' AND client_id IS NOT NULL")
        for who, status in ((self.coach, 403), (self.client, 403),
                            (self.far, 403)):
            eq(who.get("/org/invoices.csv?year=%d" % year).status, status,
               "the books' export by a non-administrator")
        r = self.admin.get("/org/invoices.csv?year=%d" % year)
        eq(r.status, 200, "the administrator's export")
        eq(r.header("content-type"), "text/csv; charset=utf-8", "CSV type")
        rows = r.text.strip().splitlines()
        eq(len(rows) - 1, want, "every invoice of the year, one a row")
        check(rows[0].startswith("number,type,") and
              any(x.split(",")[1] == "credit_note" for x in rows[1:]) or
              want == 0, "the export", "invoices and credit notes", rows[:3])
        eq(self.count("audit_log", "kind = 'invoice' AND detail = 'export' "
                      "AND client_id IS NOT NULL") - logged, len(clients),
           "one access-log entry per client in the export")
        page = self.admin.get("/org/invoices.csv?year=20x6")
        eq(page.status, 400, "a year that is none")
        check('id="f-year-error"' in page.text, "a year that is none",
              "the reason at the field", page.text[-2000:])
        r = self.admin.get("/org/invoices.csv?year=2001")
        eq((r.status, r.text.strip().count("\n")), (200, 0),
           "a year without invoices: the header only")

    def test_credit_note_not_an_edit(self):
        iid = self.invoices["minute"]
        before = self.sql("SELECT net_cents, total_cents, seq FROM invoices "
                          "WHERE id = %d" % iid)
        r = self.coach.post("/invoices/%d/credit" % iid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 303, "a credit note")
        cid = location_id(r, "/invoices/")
        page = self.coach.get("/invoices/%d" % cid).text
        m = re.search(r'id="invoice-total">([^<]*)<', page)
        check(m and cents(m.group(1).replace("-", "")) == 13673 and
              "-" in m.group(1), "the credit note's total", "-136,73",
              m and m.group(1))
        eq(self.sql("SELECT net_cents, total_cents, seq FROM invoices "
                    "WHERE id = %d" % iid), before,
           "the credited invoice is unchanged")
        x = self.ubl(cid)
        check(x.tag.endswith("}CreditNote"), "UBL root", "CreditNote",
              x.tag)
        eq(x.findtext("cbc:CreditNoteTypeCode", namespaces=NS), "381",
           "type 381")
        year = datetime.datetime.now(datetime.timezone.utc).year
        eq(x.findtext("cac:BillingReference/cac:InvoiceDocumentReference/"
                      "cbc:ID", namespaces=NS),
           "%04d-%06d" % (year, int(before[0][2])), "BillingReference")
        eq(x.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount",
                      namespaces=NS), "136.73", "credited amount")
        text = self.pdf_text(cid)
        check("136,73" in text and ("Credit note" in text or
                                    "Creditnota" in text),
              "the credit note's PDF", "credit note, 136,73", text[:2000])
        r = self.coach.post("/invoices/%d/credit" % iid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 409, "a second credit note for one invoice")
        r = self.coach.post("/invoices/%d/credit" % cid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 409, "a credit note of a credit note")
        self.gap_free("after the credit note")

    def test_only_its_client_and_professional_see_an_invoice(self):
        iid = self.invoices["minute"]
        for path in ("/invoices/%d", "/invoices/%d/pdf", "/invoices/%d/ubl"):
            eq(self.client.get(path % iid).status, 200,
               "its client: GET " + path)
            eq(self.other.get(path % iid).status, 404,
               "another client of the organisation: GET " + path)
            eq(self.far.get(path % iid).status, 404,
               "a professional of another organisation: GET " + path)
        eq(self.other.get("/t/%d/invoices.csv" % self.tid).status, 404,
           "another client's CSV")
        r = self.client.post("/invoices/%d/credit" % iid,
                             {"csrf": self.client.csrf()})
        eq(r.status, 403, "a client making a credit note")
        r = self.client.post("/t/%d/invoices" % self.tid,
                             {"csrf": self.client.csrf()})
        eq(r.status, 403, "a client making an invoice")
        page = self.other.get("/t/%d/billing" % self.tid_other).text
        check("/invoices/%d\"" % iid not in page, "another client's list",
              "not this invoice", page[:1500])

    def test_numbers_gap_free_under_concurrency(self):
        errors, made = [], []

        # The six log-ins come first, one after the other: the race under
        # test is the numbering, not six argon2id log-ins on a loaded
        # machine; and a thread's exception lands in errors, not on
        # stderr (a dead thread would only show as a short count).
        coaches = []
        for _ in range(6):
            c = Client(self.srv)
            c.login_ok(*self.srv.users["professional"])
            coaches.append(c)

        def work(c, n):
            try:
                for _ in range(n):
                    r = self.invoice(c, self.tid_other)
                    if r.status == 303:
                        made.append(location_id(r, "/invoices/"))
                    else:
                        errors.append((r.status, r.body[:200]))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
        th = [threading.Thread(target=work, args=(c, 5)) for c in coaches]
        for t in th:
            t.start()
        for t in th:
            t.join(120)
        eq(errors, [], "concurrent invoices all made")
        eq(len(set(made)), 30, "30 invoices")
        self.gap_free("30 concurrent invoices")

    def test_numbers_gap_free_after_sigkill(self):
        srv = self.srv
        email, pw = srv.users["professional"]
        frm, to = self.period()

        local = threading.local()
        coaches = []
        for _ in range(4):
            c = Client(srv)
            c.login_ok(email, pw)
            coaches.append((c, c.csrf()))
        lock = threading.Lock()

        def client():
            # one logged-in coach per thread, made before the load
            if not hasattr(local, "c"):
                with lock:
                    local.c = coaches.pop()
            return local.c

        def work(cc, n):
            c, tok = cc
            r = c.post("/t/%d/invoices" % self.tid_other,
                       {"csrf": tok, "from": frm, "to": to})
            if r.status == 303:
                return location_id(r, "/invoices/")
            return None

        load = Load(srv, work, threads=4, make_client=client).start()
        t = time.time()
        while time.time() - t < 20 and len(load.acks) < 40:
            time.sleep(0.05)
        srv.kill()
        load.stop()
        acks = list(load.acks)
        check(len(acks) >= 5, "invoices acknowledged before the kill",
              ">= 5", len(acks))
        srv.start()
        have = {int(r[0]) for r in self.sql("SELECT id FROM invoices")}
        lost = [a for a in acks if a not in have]
        eq(lost, [], "acknowledged invoices after SIGKILL and restart")
        self.gap_free("after SIGKILL")
        c = Client(srv)
        c.login_ok(email, pw)
        r = self.invoice(c, self.tid_other)
        eq(r.status, 303, "an invoice after the restart")
        self.gap_free("an invoice after the restart")
        out = srv.cli("audit", "verify")
        eq(out.returncode, 0, "audit verify after the crash: " +
           out.stdout + out.stderr)
