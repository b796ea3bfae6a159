'use strict';
/*
 * timeacct.js - the time page of a trajectory (issue 13, time
 * accounting) and its stakeholders page.
 *
 * The professional opens a new trajectory of the demo client, enters
 * preparation time by hand with the keyboard (the day typed, Enter
 * sends), sees it in the period's table and plot, is refused a day far in
 * the future with the reason next to the field, sets a budget the client
 * may see; the client then reads the same totals without forms.  Every
 * state is checked with axe; then the client's stakeholders page.
 */
const assert = require('node:assert/strict');

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText, pathOf } = d;
	const state = { tid: null };

	test('time: the professional enters time by hand and sees it per period', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/t/new', null);
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		await page.fill('#f-title', `Tijd ${Date.now() % 100000}`);
		await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const m = /^\/t\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after creating, at ${page.url()}`);
		state.tid = m[1];
		const q = '?from=2025-03-01&to=2025-03-31';
		await visit(page, `/t/${state.tid}/time${q}`,
		    'time page (professional)');
		await page.selectOption('#f-kind', 'preparation');
		await page.fill('#f-day', '2025-03-10');
		await page.fill('#f-minutes', '45');
		await Promise.all([page.waitForNavigation(),
		    page.press('#f-minutes', 'Enter')]);
		assert.match(pathOf(page), new RegExp(`^/t/${state.tid}/time`));
		await visit(page, `/t/${state.tid}/time${q}`, null);
		const cell = page.locator('tr[data-kind="preparation"] td.minutes');
		assert.equal((await cell.innerText()).trim(), '45');
		assert.equal(await page.locator('svg.plot[role="img"]').count(), 1,
		    'no plot beside the table');
		await axe(page, 'time page with an entry and its plot');

		/* A day far ahead: refused, the reason at the field. */
		await page.fill('#f-day', '2999-01-01');
		await page.fill('#f-minutes', '10');
		const no = await submit(page, `form[action="/t/${state.tid}/time"]`);
		assert.equal(no.status(), 400);
		assert.equal(await page.getAttribute('#f-day', 'aria-invalid'),
		    'true');
		assert.ok(await page.locator('#f-day-error').count() === 1,
		    'no reason next to the day');
		await axe(page, 'time page with an error');

		/* A budget the client sees. */
		await page.fill('#f-budget', '120');
		await page.check('#f-client-sees');
		await submit(page, `form[action="/t/${state.tid}/time/settings"]`);
		assert.equal(pathOf(page), `/t/${state.tid}/time`);
	});

	test('time: the client reads the totals and the budget, without forms', async () => {
		assert.ok(state.tid, 'no trajectory was made');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/t/${state.tid}/time?from=2025-03-01&to=2025-03-31`,
		    'time page (client)');
		assert.equal((await page.locator(
		    'tr[data-kind="budget"] td.minutes').innerText()).trim(), '120');
		assert.equal(await page.locator('form[method="post"], ' +
		    'form:not([method])').locator('#f-minutes').count(), 0);
		assert.match(await mainText(page), /45/);
		await visit(page, `/t/${state.tid}/stakeholders`,
		    'stakeholders page (client)');
	});
};
