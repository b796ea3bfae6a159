-- 112_billing.sql - pricing and invoices (issue 13, "Pricing and
-- invoices"); owned by src/billing.  Money is BIGINT cents, never a
-- floating-point number.
--
-- billing_orgs: what an invoice says about the organisation that sends it
-- (legal name, address, KvK, VAT number, IBAN).  Public business data, not
-- a client's: stored as typed.
CREATE TABLE billing_orgs (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	legal_name TEXT NOT NULL,
	street TEXT NOT NULL,
	postcode TEXT NOT NULL,
	city TEXT NOT NULL,
	kvk TEXT NOT NULL,
	vat_number TEXT NOT NULL,
	iban TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- The contract of a trajectory: how its time is priced.  kind: 'minute'
-- (rate per hour, a minimum and a rounding unit per activity), 'session'
-- (a price per session), 'package' (N sessions or M minutes for a price)
-- or 'fixed' (one trajectory price).  vat: 'S21', 'S9', 'Z0' or 'E'
-- (exempt: healthcare).  bill_to is the client's name and address, sealed
-- with the organisation's key.
CREATE TABLE billing_contracts (
	trajectory_id BIGINT PRIMARY KEY REFERENCES trajectories(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('minute', 'session', 'package', 'fixed')),
	rate_cents BIGINT NOT NULL DEFAULT 0 CHECK (rate_cents >= 0),
	min_minutes BIGINT NOT NULL DEFAULT 0 CHECK (min_minutes >= 0),
	round_minutes BIGINT NOT NULL DEFAULT 1 CHECK (round_minutes IN (1, 5, 6, 15)),
	price_cents BIGINT NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
	package_sessions BIGINT NOT NULL DEFAULT 0 CHECK (package_sessions >= 0),
	package_minutes BIGINT NOT NULL DEFAULT 0 CHECK (package_minutes >= 0),
	vat TEXT NOT NULL CHECK (vat IN ('S21', 'S9', 'Z0', 'E')),
	bill_to {{BLOB}},
	starts_at BIGINT NOT NULL,
	updated_by BIGINT NOT NULL REFERENCES users(id),
	updated_at BIGINT NOT NULL
);

-- The estimate of a trajectory: expected activities (count x minutes), a
-- cost rate per hour and a margin in percent; the price follows.
CREATE TABLE billing_estimates (
	trajectory_id BIGINT PRIMARY KEY REFERENCES trajectories(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	cost_rate_cents BIGINT NOT NULL CHECK (cost_rate_cents >= 0),
	margin_pct BIGINT NOT NULL CHECK (margin_pct >= 0),
	updated_by BIGINT NOT NULL REFERENCES users(id),
	updated_at BIGINT NOT NULL
);
CREATE TABLE billing_estimate_lines (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES billing_estimates(trajectory_id) ON DELETE CASCADE,
	pos BIGINT NOT NULL,
	kind TEXT NOT NULL,
	times BIGINT NOT NULL CHECK (times >= 0),
	minutes BIGINT NOT NULL CHECK (minutes >= 0),
	UNIQUE (trajectory_id, pos)
);

-- The next invoice number of each organisation.  Taken in the write job
-- that stores the invoice, so a number and its invoice commit or roll
-- back together: no gaps, also after a crash.
CREATE TABLE invoice_counters (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	last_seq BIGINT NOT NULL
);

-- An invoice or credit note as sent: never changed afterwards.  The
-- seller's details are copied in (a later change of the settings does not
-- change a sent invoice); buyer is the sealed name and address.  credits:
-- the invoice a credit note cancels (one credit note per invoice).
CREATE TABLE invoices (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	client_id BIGINT NOT NULL REFERENCES users(id),
	credits BIGINT UNIQUE REFERENCES invoices(id),
	issued_at BIGINT NOT NULL,
	due_at BIGINT NOT NULL,
	period_from BIGINT NOT NULL,
	period_to BIGINT NOT NULL,
	seller TEXT NOT NULL,
	buyer {{BLOB}} NOT NULL,
	net_cents BIGINT NOT NULL,
	vat_cents BIGINT NOT NULL,
	total_cents BIGINT NOT NULL,
	created_by BIGINT NOT NULL REFERENCES users(id),
	UNIQUE (org_id, seq)
);
CREATE INDEX invoices_trajectory ON invoices(trajectory_id, id);
CREATE TABLE invoice_lines (
	id {{ID}},
	invoice_id BIGINT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
	pos BIGINT NOT NULL,
	description TEXT NOT NULL,
	quantity BIGINT NOT NULL,
	unit TEXT NOT NULL,
	base_quantity BIGINT NOT NULL CHECK (base_quantity > 0),
	unit_cents BIGINT NOT NULL,
	raw_minutes BIGINT NOT NULL DEFAULT 0,
	amount_cents BIGINT NOT NULL,
	vat TEXT NOT NULL,
	UNIQUE (invoice_id, pos)
);
