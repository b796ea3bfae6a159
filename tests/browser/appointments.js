'use strict';
/*
 * appointments.js - issue 13's appointments in the browser: the
 * professional opens hours on the calendar page, the client books an open
 * time in a trajectory, moves it (the page says the reminder moves with
 * it), and sees it on the calendar by week and by month.  No script is
 * needed: the forms are plain forms.  Every page is checked with axe.
 * The reminder mail itself is checked by the black-box suite
 * (tests/blackbox/appointments.py), which runs a mail server.
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, submit, mainText, shot, pathOf } = d;
	const state = { tid: null, apid: null, first: null, day: null };

	global.INFUUS_REQUIRED_AXE = (global.INFUUS_REQUIRED_AXE || []).concat([
	    'calendar (professional)', 'appointments (client)',
	    'appointment (client)', 'calendar (client)',
	    'calendar month (client)']);

	async function loggedIn(who) {
		const p = await person(who);
		await p.page.goto(d.url('/calendar'));
		if (new URL(p.page.url()).pathname === '/login')
			await d.login(p, '/');
		return p;
	}

	test('appointments: the professional opens hours on the calendar page', async () => {
		const pro = await loggedIn('professional');
		const { page } = pro;
		await visit(page, '/calendar', 'calendar (professional)');
		await page.fill('#h-schedule', 'mon-sun 00:00-24:00');
		await page.fill('#h-slot', '60');
		await submit(page, 'form[action="/calendar/hours"]');
		assert.match(await mainText(page), tr('Your hours are saved.'));
	});

	test('appointments: the client books an open time, then moves it; the reminder moves along', async () => {
		const client = await loggedIn('client');
		const { page } = client;
		await visit(page, '/t', null);
		const href = await page.locator('main a[href^="/t/"]').first()
		    .getAttribute('href');
		const m = /^\/t\/(\d+)$/.exec(href || '');
		assert.ok(m, `no trajectory link for the client (${href})`);
		state.tid = m[1];
		await visit(page, `/t/${state.tid}/appointments`,
		    'appointments (client)');
		const slots = page.locator('#book-slots input[name=slot]');
		assert.ok(await slots.count() > 3, 'no open times offered');
		await slots.nth(2).check();
		await page.selectOption('#book-kind', 'video');
		await submit(page, `form[action="/t/${state.tid}/appointments"]`);
		const a = /^\/appointments\/(\d+)\?done=booked$/.exec(pathOf(page));
		assert.ok(a, `after booking, at ${page.url()}`);
		state.apid = a[1];
		assert.match(await mainText(page), tr('Booked'));
		state.first = await page.locator('dl.appt-facts dd').first()
		    .innerText();
		await d.axe(page, 'appointment (client)');
		await shot(page, 'appointment-booked');

		const moves = page.locator('#move-slots input[name=slot]');
		assert.ok(await moves.count() > 5, 'no times to move to');
		const when = Number(await moves.nth(5).getAttribute('value'));
		state.day = new Intl.DateTimeFormat('en-CA',
		    { timeZone: 'Europe/Amsterdam' }).format(new Date(when * 1000));
		await moves.nth(5).check();
		await submit(page,
		    `form[action="/appointments/${state.apid}/reschedule"]`);
		assert.equal(pathOf(page),
		    `/appointments/${state.apid}?done=moved`);
		assert.match(await mainText(page),
		    tr('The appointment was moved. The reminder moves with it.'));
		const now = await page.locator('dl.appt-facts dd').first()
		    .innerText();
		assert.notEqual(now, state.first, 'the time did not change');
		await shot(page, 'appointment-moved');
	});

	test('appointments: the client sees it on the calendar, by week and by month', async () => {
		assert.ok(state.apid, 'no appointment was booked');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/calendar?view=month&date=${state.day}`,
		    'calendar month (client)');
		assert.equal(await page.locator(
		    `main a[href="/appointments/${state.apid}"]`).count(), 1,
		    'the appointment is not on the month');
		await visit(page, `/calendar?view=week&date=${state.day}`,
		    'calendar (client)');
		assert.equal(await page.locator(
		    `main a[href="/appointments/${state.apid}"]`).count(), 1,
		    'the appointment is not on the week');
		/* The ics link is there for the calendar program. */
		await visit(page, `/appointments/${state.apid}`, null);
		assert.equal(await page.locator(
		    `a[href="/appointments/${state.apid}/invite.ics"]`).count(), 1);
	});
};
