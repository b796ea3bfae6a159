'use strict';
/*
 * live.js - the browser tests of issue 10: the professional and the client
 * each have the chat of one trajectory open in their own browser; a chat
 * message of one arrives on the other's page without a reload and is
 * announced in its live region; the hourglass the professional starts
 * shows on both sides (and its near-the-end warning is announced); the
 * chat and hourglass pages are checked with axe.  Registered by suite.js
 * after the coaching tests (the people are logged in by then).
 */
const assert = require('node:assert/strict');
const { tr } = require('./lib.js');

module.exports = function register(d) {
	const { test, person, visit, axe, submit, pathOf } = d;
	const state = { tid: null };

	async function loggedIn(role) {
		const p = await person(role);
		await visit(p.page, '/', null);
		if (pathOf(p.page).startsWith('/login'))
			await d.login(p);
		return p;
	}

	global.INFUUS_REQUIRED_AXE = (global.INFUUS_REQUIRED_AXE || []).concat(
	    ['chat (professional)', 'chat (client)', 'hourglass (client)']);

	test('chat: a message of one side arrives on the other side without a reload, announced', async () => {
		const pro = await loggedIn('professional');
		const cli = await loggedIn('client');
		await visit(pro.page, '/t/new', null);
		const opt = pro.page.locator('#f-client option', { hasText: 'Kees Klant' });
		await pro.page.selectOption('#f-client', await opt.getAttribute('value'));
		await pro.page.fill('#f-title', `Chat ${Date.now() % 100000}`);
		await submit(pro.page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const m = /^\/t\/(\d+)$/.exec(new URL(pro.page.url()).pathname);
		assert.ok(m, `after creating, at ${pro.page.url()}`);
		state.tid = m[1];

		await visit(pro.page, `/t/${state.tid}/chat`, 'chat (professional)');
		await visit(cli.page, `/t/${state.tid}/chat`, 'chat (client)');
		/* Both streams open before anything is said. */
		await pro.page.waitForFunction(() => !!document.getElementById('live'));
		await cli.page.waitForTimeout(500);
		const cliUrl = cli.page.url();
		await cli.page.evaluate(() => { window.__noReload = true; });

		await pro.page.fill('#f-chat', 'Hoe gaat het vandaag?');
		await pro.page.click('#chat-form button[value=send]');
		await cli.page.waitForFunction(() => Array.from(
		    document.querySelectorAll('#chat-log li .text')).some(
		    (e) => e.textContent === 'Hoe gaat het vandaag?'),
		    null, { timeout: 10000 });
		assert.equal(cli.page.url(), cliUrl, 'the client page navigated');
		assert.ok(await cli.page.evaluate(() => window.__noReload),
		    'the client page reloaded');
		await cli.page.waitForFunction(() => /Hoe gaat het vandaag/.test(
		    document.getElementById('chat-announce').textContent));
		assert.equal(await cli.page.getAttribute('#chat-announce',
		    'aria-live'), 'polite');
		/* And back, including the typing hint. */
		await cli.page.fill('#f-chat', 'Goed, dank je.');
		await pro.page.waitForFunction(() =>
		    document.getElementById('chat-typing').textContent.length > 0,
		    null, { timeout: 10000 });
		await cli.page.click('#chat-form button[value=send]');
		await pro.page.waitForFunction(() => Array.from(
		    document.querySelectorAll('#chat-log li .text')).some(
		    (e) => e.textContent === 'Goed, dank je.'),
		    null, { timeout: 10000 });
		await axe(cli.page, 'chat (client) with messages');
	});

	test('hourglass: the professional starts it, both sides see it run, the warning is announced', async () => {
		assert.ok(state.tid, 'no trajectory');
		const pro = await person('professional');
		const cli = await person('client');
		await visit(cli.page, `/t/${state.tid}/timer`, 'hourglass (client)');
		await visit(pro.page, `/t/${state.tid}/chat`, null);
		await pro.page.fill('#f-minutes', '2');
		await submit(pro.page, '#hourglass form', 'button[value=start]');
		assert.equal(await pro.page.getAttribute('#hourglass', 'data-state'),
		    'running');
		/* The client's page learns it live (it reloads its box once). */
		await cli.page.waitForFunction(() => document.getElementById(
		    'hourglass').getAttribute('data-state') === 'running',
		    null, { timeout: 10000 });
		await cli.page.waitForSelector('#hourglass .hg-used');
		/* A budget of two minutes is within the warning at once. */
		await cli.page.waitForFunction(() =>
		    document.getElementById('hourglass').classList.contains('warn') ||
		    document.querySelector('#hourglass .hg-warn'),
		    null, { timeout: 10000 });
		const warn = await cli.page.locator('#hourglass').innerText();
		assert.match(warn, tr('Almost at the agreed time: two minutes left.'));
		assert.equal(await cli.page.getAttribute('#hg-announce',
		    'aria-live'), 'assertive');
		await axe(cli.page, 'hourglass (client) running');
		await submit(pro.page, '#hourglass form', 'button[value=stop]');
		await cli.page.waitForFunction(() => document.getElementById(
		    'hourglass').getAttribute('data-state') === 'stopped',
		    null, { timeout: 10000 });
		await visit(pro.page, `/t/${state.tid}/activities`, 'recorded time');
		assert.match(await pro.page.locator('main').innerText(),
		    tr('hourglass'));
	});
};
