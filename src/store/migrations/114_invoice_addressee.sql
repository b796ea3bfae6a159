-- 114_invoice_addressee.sql - an invoice addressed, with the client's
-- consent, to a stakeholder such as the employer (issue 13; owner:
-- src/billing, invoice.c).  addressee_stake: the stakeholder link
-- (stakeholders.id) the client consented to send invoices to, NULL when
-- the invoice goes to the client; addressee: its name and address lines,
-- sealed with the organisation's key like buyer.  A credit note copies
-- both from the invoice it cancels.
ALTER TABLE invoices ADD COLUMN addressee_stake BIGINT;
ALTER TABLE invoices ADD COLUMN addressee {{BLOB}};
