'use strict';
/*
 * reports.js - issue 13's closing report in the browser: the professional
 * writes and finishes it with the plain form (no script), the client reads
 * it on the report page and as a document of its own for printing, which
 * under print media shows no links back.  Every page is checked with axe.
 * Sharing with stakeholders and their access are the black-box suite's
 * (tests/blackbox/stake_reports.py).
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, submit, mainText, shot, pathOf } = d;
	const state = { tid: null };

	global.INFUUS_REQUIRED_AXE = (global.INFUUS_REQUIRED_AXE || []).concat([
	    'closing report (professional)', 'closing report (client)',
	    'closing report, printable']);

	async function loggedIn(who) {
		const p = await person(who);
		await p.page.goto(d.url('/t'));
		if (new URL(p.page.url()).pathname === '/login')
			await d.login(p, '/');
		return p;
	}

	test('closing report: the professional writes and finishes it', async () => {
		const client = await loggedIn('client');
		await visit(client.page, '/t', null);
		const href = await client.page.locator('main a[href^="/t/"]')
		    .first().getAttribute('href');
		const m = /^\/t\/(\d+)$/.exec(href || '');
		assert.ok(m, `no trajectory link for the client (${href})`);
		state.tid = m[1];
		const { page } = await loggedIn('professional');
		await visit(page, `/t/${state.tid}/report`,
		    'closing report (professional)');
		await page.fill('#f-text', 'Het eindverslag.\n\nDoelen gehaald.');
		const form = `form[action^="/t/${state.tid}/report?csrf="]`;
		await submit(page, form, 'button[value="finish"]');
		assert.equal(pathOf(page), `/t/${state.tid}/report?done=finish`);
		assert.match(await mainText(page),
		    tr('Finished. The client reads this version.'));
		assert.match(await mainText(page), /Doelen gehaald\./);
	});

	test('closing report: the client reads it and prints it', async () => {
		assert.ok(state.tid, 'no trajectory');
		const { page } = await person('client');
		await visit(page, `/t/${state.tid}/report`,
		    'closing report (client)');
		assert.match(await mainText(page), /Doelen gehaald\./);
		assert.equal(await page.locator('#f-text').count(), 0,
		    'the client sees the writing form');
		await page.locator(`main a[href="/t/${state.tid}/report/print"]`)
		    .click();
		await page.waitForLoadState('load');
		assert.equal(pathOf(page), `/t/${state.tid}/report/print`);
		await d.axe(page, 'closing report, printable');
		assert.match(await mainText(page), /Doelen gehaald\./);
		await page.emulateMedia({ media: 'print' });
		assert.equal(await page.locator('p.noprint').isVisible(), false,
		    'the link back shows in print');
		assert.equal(await page.locator('nav').count(), 0,
		    'a menu on the printable report');
		await shot(page, 'closing-report-print');
		await page.emulateMedia({ media: 'screen' });
	});
};
