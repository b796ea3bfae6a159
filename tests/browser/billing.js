'use strict';
/*
 * billing.js - issue 13's pricing and invoices in the browser: the
 * professional sets a fixed price exempt from VAT on a trajectory's
 * billing page and makes an invoice with the plain forms (no script);
 * the client finds it on their own billing page.  Every page is checked
 * with axe.  The PDF, the UBL and the numbers are checked by the
 * black-box suite (tests/blackbox/invoices.py).
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, submit, mainText, shot, pathOf } = d;
	const state = { tid: null, inid: null };

	global.INFUUS_REQUIRED_AXE = (global.INFUUS_REQUIRED_AXE || []).concat([
	    'billing (professional)', 'invoice (professional)',
	    'billing (client)', 'invoice (client)']);

	async function loggedIn(who) {
		const p = await person(who);
		await p.page.goto(d.url('/t'));
		if (new URL(p.page.url()).pathname === '/login')
			await d.login(p, '/');
		return p;
	}

	test('billing: the professional sets a fixed price and makes an invoice', async () => {
		const client = await loggedIn('client');
		await visit(client.page, '/t', null);
		const href = await client.page.locator('main a[href^="/t/"]')
		    .first().getAttribute('href');
		const m = /^\/t\/(\d+)$/.exec(href || '');
		assert.ok(m, `no trajectory link for the client (${href})`);
		state.tid = m[1];
		const pro = await loggedIn('professional');
		const { page } = pro;
		await visit(page, `/t/${state.tid}/billing`,
		    'billing (professional)');
		const form = `form[action="/t/${state.tid}/billing/contract"]`;
		await page.selectOption('#f-kind', 'fixed');
		await page.fill('#f-price', '750');
		await page.selectOption('#f-vat', 'E');
		await submit(page, form);
		assert.equal(pathOf(page), `/t/${state.tid}/billing`);
		assert.match(await mainText(page), tr('A fixed trajectory price'));
		await submit(page, `form[action="/t/${state.tid}/invoices"]`);
		const a = /^\/invoices\/(\d+)$/.exec(pathOf(page));
		assert.ok(a, `after the invoice, at ${page.url()}`);
		state.inid = a[1];
		assert.match(await mainText(page), /750,00/);
		await d.axe(page, 'invoice (professional)');
		await shot(page, 'invoice');
	});

	test('billing: the client finds the invoice on their billing page', async () => {
		assert.ok(state.inid, 'no invoice was made');
		const { page } = await person('client');
		await visit(page, `/t/${state.tid}/billing`, 'billing (client)');
		assert.equal(await page.locator(
		    `form[action="/t/${state.tid}/billing/contract"]`).count(), 0,
		    'the client sees the contract form');
		await page.locator(`main a[href="/invoices/${state.inid}"]`).click();
		await page.waitForLoadState('load');
		assert.equal(pathOf(page), `/invoices/${state.inid}`);
		await d.axe(page, 'invoice (client)');
		assert.match(await mainText(page), /750,00/);
	});
};
