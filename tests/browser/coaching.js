'use strict';
/*
 * coaching.js - the written-coaching tests (issue 4): a professional and a
 * client exchange messages in the browser under a service promise.
 *
 * The professional starts a trajectory for the demo client and opens a
 * conversation; the client answers and is told when to expect a reply; the
 * professional finds the message in the reply queue, sends "I need more
 * time", then types a reply while the writing assistant's panel follows
 * the typing, and sends it; the client reads the reply.  Every page is
 * checked with axe like the rest of the suite.
 *
 * A test whose routes are not in src/web/web.c yet is skipped (and says
 * so); once a route is in the table its test must pass.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib.js');
const { tr, trf } = L;

// Month names as the pages show them, English then Dutch (index % 12).
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june',
    'july', 'august', 'september', 'october', 'november', 'december',
    'januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli',
    'augustus', 'september', 'oktober', 'november', 'december'];

/* The route patterns of src/web/web.c, read once. */
function routeTable() {
	let text = '';
	try {
		text = fs.readFileSync(path.join(L.TOP, 'src', 'web', 'web.c'),
		    'utf8');
	} catch {
		return new Set();
	}
	const set = new Set();
	for (const m of text.matchAll(/\{\s*(G|PO|HTTP_GET|HTTP_POST)\s*,\s*"([^"]+)"/g))
		set.add(`${m[1].startsWith('G') || m[1] === 'HTTP_GET' ? 'GET' : 'POST'} ${m[2]}`);
	return set;
}

const ROUTES = routeTable();

function needs(...routes) {
	return () => {
		const missing = routes.filter((r) => !ROUTES.has(r));
		return missing.length ? `not built yet: ${missing.join(', ')}` : null;
	};
}

function staticExists(name) {
	return fs.existsSync(path.join(L.TOP, 'static', name));
}

const TRAJ = ['GET /t', 'GET /t/new', 'POST /t', 'GET /t/:tid',
    'GET /t/:tid/promise'];
const THREAD = ['POST /t/:tid/threads', 'GET /threads/:thid',
    'POST /threads/:thid/messages'];
const QUEUE = ['GET /queue', 'POST /threads/:thid/more-time'];
/* The assistant's JSON endpoint, whatever its method. */
const ASSIST = [...ROUTES].filter((r) => /^\S+ \/api\/threads\/:\w+\/assistant$/.test(r));
if (ASSIST.length === 0)
	ASSIST.push('POST /api/threads/:thid/assistant');

/* The words the client writes; the professional's reply mirrors some. */
const CLIENT_TEXT = 'Ik merk dat ik na het werk niet tot rust kom. ' +
    'Mijn hoofd blijft malen over de planning van morgen, en dan slaap ' +
    'ik slecht. Hoe kan ik beter ontspannen in de avond?';
const NOTE_TEXT = 'Ik wil je bericht zorgvuldig lezen; je hoort morgen van mij.';
const REPLY_TEXT = 'Dank je wel voor je bericht. Fijn dat je zo open ' +
    'schrijft over het malen in je hoofd. Wat helpt je nu al een beetje ' +
    'om te ontspannen?';

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText, shot, url, pathOf } = d;
	const state = { tid: null, thid: null, title: null };

	const required = [];
	const want = (routes, labels) => {
		if (routes.every((r) => ROUTES.has(r)))
			required.push(...labels);
	};
	want(TRAJ, ['trajectories (professional)', 'new trajectory',
	    'trajectory page (professional)', 'service promise (professional)',
	    'trajectories (client)', 'trajectory page (client)']);
	want(TRAJ.concat(THREAD), ['thread (client)', 'thread (professional)']);
	want(QUEUE, ['reply queue']);
	want(['GET /reports/adherence'], ['adherence report']);
	want(['GET /search'], ['search']);
	global.INFUUS_REQUIRED_AXE = required;

	test('trajectory: the professional starts one for the demo client; its first page shows the service promise', async () => {
		const pro = await d.person('professional');
		const { page } = pro;
		await d.login(pro);
		await visit(page, '/t', 'trajectories (professional)');
		await visit(page, '/t/new', 'new trajectory');
		/* The picker names clients (the demo's is Kees Klant, app.c)
		 * and shows no addresses (issue 9). */
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		assert.equal(await opt.count(), 1, 'the demo client is not offered');
		assert.doesNotMatch(await page.locator('#f-client').innerText(), /@/,
		    'the picker shows e-mail addresses');
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		state.title = `Rust na het werk ${Date.now() % 100000}`;
		await page.fill('#f-title', state.title);
		const resp = await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		assert.equal(resp.status(), 200, `creating answered ${resp.status()}`);
		const m = /^\/t\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after creating, at ${page.url()}`);
		state.tid = m[1];
		assert.match(await mainText(page), tr('The trajectory was started.'));
		assert.match(await mainText(page), new RegExp(state.title));
		const promise = page.locator('section.promise');
		assert.equal(await promise.count(), 1, 'no service promise section');
		assert.match(await promise.innerText(), tr('Service promise'));
		assert.match(await promise.innerText(),
		    tr("A client's message sent now is due by"));
		await axe(page, 'trajectory page (professional)');
		await shot(page, 'trajectory-professional');
		await visit(page, `/t/${state.tid}/promise`,
		    'service promise (professional)');
		await visit(page, '/', 'start page (professional) with a trajectory');
		assert.match(await mainText(page), new RegExp(state.title));
	}, { skip: needs(...TRAJ) });

	test('trajectory: the client sees it, with what to expect first', async () => {
		assert.ok(state.tid, 'no trajectory was made');
		const client = await person('client');
		const { page } = client;
		await visit(page, '/', 'start page (client) with a trajectory');
		await visit(page, '/t', 'trajectories (client)');
		await visit(page, `/t/${state.tid}`, 'trajectory page (client)');
		const promise = page.locator('section.promise');
		assert.match(await promise.innerText(), tr('What you can expect'));
		assert.match(await promise.innerText(),
		    tr('A message sent now gets a reply by'));
		/* The promise is the first thing in the page. */
		const first = await page.evaluate(() => {
			const h = document.querySelector('main h2');
			return h && h.id;
		});
		assert.equal(first, 'h-promise');
		await shot(page, 'trajectory-client');
		/* And on a phone: nothing may need sideways scrolling (1.4.10). */
		await page.setViewportSize({ width: 360, height: 740 });
		try {
			await shot(page, 'trajectory-client-phone');
			const wide = await page.evaluate(() =>
			    document.documentElement.scrollWidth);
			assert.ok(wide <= 360, `the page is ${wide} px wide on a 360 px screen`);
		} finally {
			await page.setViewportSize({ width: 1100, height: 900 });
		}
	}, { skip: needs(...TRAJ) });

	test('conversation: the professional opens it, the client answers and sees when a reply can be expected', async () => {
		assert.ok(state.tid, 'no trajectory was made');
		const pro = await person('professional');
		let page = pro.page;
		await visit(page, `/t/${state.tid}`, null);
		await page.click('details.new-thread summary');
		const form = `form[action^="/t/${state.tid}/threads"]`;
		await page.fill(`${form} input[name=subject]`, 'Kennismaking');
		await page.fill(`${form} textarea[name=body]`,
		    'Welkom! Fijn dat je er bent. Vertel me wat je bezighoudt.');
		await submit(page, form);
		const m = /^\/threads\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after starting the conversation, at ${page.url()}`);
		state.thid = m[1];

		const client = await person('client');
		page = client.page;
		await visit(page, `/t/${state.tid}`, null);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/threads/${state.thid}"]`)]);
		assert.equal(pathOf(page), `/threads/${state.thid}`);
		assert.match(await mainText(page), /Welkom! Fijn dat je er bent/);
		await axe(page, 'thread (client)');
		await page.fill('#f-body', CLIENT_TEXT);
		const sent = await submit(page, '#composer-form',
		    'button[name=action][value=send]');
		assert.equal(sent.status(), 200);
		assert.equal(new URL(page.url()).pathname, `/threads/${state.thid}`);
		assert.match(await mainText(page), tr('Your message was sent.'));
		const mine = page.locator('article.msg.from-client').last();
		assert.match(await mine.innerText(), /niet tot rust kom/);
		const status = await mine.locator('p.status').innerText();
		const due = trf('You can expect a reply by %s.').exec(status);
		assert.ok(due, `no expected reply moment under the message: ${status}`);
		// "do 26 november 2026, 09:11 CET" / "Thu 26 November 2026, ..."
		const when = /(\d{1,2}) ([A-Za-z]+) (\d{4}), (\d\d):(\d\d)/
		    .exec(due[0]);
		assert.ok(when, `no date in "${due[0]}"`);
		const month = MONTHS.indexOf(when[2].toLowerCase()) % 12;
		assert.ok(month >= 0, `no month in "${due[0]}"`);
		const dueDay = Date.UTC(+when[3], month, +when[1]);
		assert.ok(dueDay >= Date.UTC(new Date().getUTCFullYear(),
		    new Date().getUTCMonth(), new Date().getUTCDate()) - 86400000,
		    `the reply moment ${due[0]} lies in the past`);
		state.clientDue = due[0];
		await axe(page, 'thread (client) after sending');
		await shot(page, 'thread-client');
	}, { skip: needs(...TRAJ, ...THREAD) });

	test('queue: the professional finds the message and sends "I need more time" with a new moment', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/queue', 'reply queue');
		assert.ok(state.thid, 'no conversation was made');
		const row = page.locator('table.queue tbody tr', {
			has: page.locator(`a[href="/threads/${state.thid}"]`) });
		assert.equal(await row.count(), 1, 'the message is not in the queue');
		assert.match(await row.innerText(), tr('On time'));
		await Promise.all([page.waitForNavigation(),
		    row.locator(`a[href="/threads/${state.thid}"]`).click()]);
		assert.equal(new URL(page.url()).pathname, `/threads/${state.thid}`);
		await axe(page, 'thread (professional)');
		const mt = `form[action="/threads/${state.thid}/more-time"]`;
		assert.equal(await page.locator(mt).count(), 1,
		    'no "I need more time" form on the thread page');
		const moment = await page.inputValue('#f-new-deadline');
		assert.match(moment, /^\d{4}-\d\d-\d\dT\d\d:\d\d/,
		    'the new moment is not prefilled');
		await page.fill('#f-note', NOTE_TEXT);
		const resp = await submit(page, mt);
		assert.equal(resp.status(), 200, `the notice answered ${resp.status()}`);
		assert.equal(new URL(page.url()).pathname, `/threads/${state.thid}`);
		const notice = page.locator('article.msg.notice').last();
		assert.equal(await notice.count(), 1, 'no notice in the thread');
		assert.match(await notice.innerText(), tr('Needs more time to reply.'));
		assert.match(await notice.innerText(),
		    trf('A reply can be expected by %s.'));
		assert.match(await notice.innerText(), /zorgvuldig lezen/);
		await axe(page, 'thread (professional) after the notice');

		await visit(page, '/queue', null);
		assert.match(await page.locator('table.queue').innerText(),
		    tr('moved by a notice; promised:'));
	}, { skip: needs(...TRAJ, ...THREAD, ...QUEUE) });

	test('queue: the client sees the notice with the new moment', async () => {
		assert.ok(state.thid, 'no conversation was made');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/threads/${state.thid}`, null);
		const notice = page.locator('article.msg.notice').last();
		assert.equal(await notice.count(), 1, 'the client sees no notice');
		const text = await notice.innerText();
		assert.match(text, tr('Needs more time to reply.'));
		assert.match(text, trf('A reply can be expected by %s.'));
		assert.match(text, /zorgvuldig lezen/);
		await axe(page, 'thread (client) with a notice');
	}, { skip: needs(...TRAJ, ...THREAD, ...QUEUE) });

	test('assistant: the panel follows the typing of a reply, then the reply is sent', async () => {
		assert.ok(state.thid, 'no conversation was made');
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, `/threads/${state.thid}`, null);
		const panel = page.locator('section#assistant');
		assert.equal(await panel.count(), 1, 'no writing-assistant panel');
		const before = (await panel.innerText()).trim();
		assert.doesNotMatch(before,
		    trf('Your reply opens with appreciation (\u201c%s\u201d).'));
		const apiCalls = [];
		page.on('request', (q) => {
			if (/\/api\/threads\/\d+\/assistant/.test(q.url()))
				apiCalls.push(q.method());
		});
		await page.fill('#f-body', '');
		await page.locator('#f-body').pressSequentially(REPLY_TEXT,
		    { delay: 15 });
		const appreciative = trf('Your reply opens with appreciation (\u201c%s\u201d).');
		await page.waitForFunction(([src, flags]) => {
			const p = document.querySelector('section#assistant');
			return p && new RegExp(src, flags).test(p.innerText);
		}, [appreciative.source, appreciative.flags], { timeout: 10000 })
		    .catch(async () => {
			throw new Error('the assistant panel did not react to the ' +
			    'typing; it shows: ' + (await panel.innerText()));
		});
		const after = (await panel.innerText()).trim();
		assert.notEqual(after, before);
		assert.ok(apiCalls.length > 0, 'the page never asked the assistant');
		assert.match(after, /Dank je wel/i);
		await axe(page, 'thread (professional) with assistant hints');
		await shot(page, 'thread-professional-assistant');

		const sent = await submit(page, '#composer-form',
		    'button[name=action][value=send]');
		assert.equal(sent.status(), 200);
		assert.match(await mainText(page), tr('Your message was sent.'));
		const last = page.locator('article.msg.from-pro').last();
		assert.match(await last.innerText(), /Dank je wel voor je bericht/);
		/* Answered: the queue is empty again. */
		await visit(page, '/queue', null);
		assert.equal(await page.locator(
		    `table.queue a[href="/threads/${state.thid}"]`).count(), 0,
		    'the answered message is still in the queue');
	}, { skip: needs(...TRAJ, ...THREAD, ...ASSIST) });

	test('conversation: the client reads the reply', async () => {
		assert.ok(state.thid, 'no conversation was made');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/threads/${state.thid}`, null);
		const reply = page.locator('article.msg.from-pro',
		    { hasText: 'Dank je wel voor je bericht' });
		assert.equal(await reply.count(), 1, 'the client does not see the reply');
		const mine = page.locator('article.msg.from-client').last();
		assert.match(await mine.locator('p.status').innerText(),
		    trf('Answered on %s.'));
		await axe(page, 'thread (client) with the reply');
		await shot(page, 'thread-client-reply');
		await page.setViewportSize({ width: 360, height: 740 });
		try {
			await shot(page, 'thread-client-phone');
			const wide = await page.evaluate(() =>
			    document.documentElement.scrollWidth);
			assert.ok(wide <= 360, `the page is ${wide} px wide on a 360 px screen`);
		} finally {
			await page.setViewportSize({ width: 1100, height: 900 });
		}
		await visit(page, '/me/access', 'who saw my data (client)');
		assert.ok(await page.locator('ul.access li').count() > 0,
		    'the client does not see that the professional read their data');
	}, { skip: needs(...TRAJ, ...THREAD) });

	test('conversation: older messages load on request, announced, with focus on the first loaded; the export asks for nothing missing', async () => {
		assert.ok(state.thid, 'no conversation was made');
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, `/threads/${state.thid}`, null);
		/* Enough messages for a second page (LIMIT_THREAD_PAGE is 50). */
		const posted = await page.evaluate(async (thid) => {
			const csrf = document.querySelector('#composer-form input[name=csrf]').value;
			let ok = 0;
			for (let i = 1; i <= 55; i++) {
				const r = await fetch(`/threads/${thid}/messages`, {
					method: 'POST', redirect: 'manual',
					credentials: 'same-origin',
					body: new URLSearchParams({ csrf, body: `Vervolgbericht ${i}.` }),
				});
				if (r.type === 'opaqueredirect' || r.status === 303)
					ok++;
			}
			return ok;
		}, state.thid);
		assert.equal(posted, 55, 'posting the messages');
		await visit(page, `/threads/${state.thid}`, 'thread (professional), latest page');
		const before = await page.locator('#messages > article.msg').count();
		const link = page.locator('#older-link');
		assert.equal(await link.count(), 1, 'no link to older messages');
		assert.match(await link.innerText(), tr('Older messages'));
		await link.focus();
		await page.keyboard.press('Enter');
		await page.waitForFunction((n) => document.querySelectorAll(
		    '#messages > article.msg').length > n, before);
		assert.equal(pathOf(page), `/threads/${state.thid}`,
		    'pressing the link left the page');
		const focused = await page.evaluate(() => {
			const a = document.activeElement;
			const all = [...document.querySelectorAll('#messages > article.msg')];
			return a && a.matches('article.msg') ? all.indexOf(a) : -1;
		});
		assert.equal(focused, 0, 'focus is not on the first loaded message');
		await page.waitForFunction(() =>
		    document.getElementById('older-status').textContent !== '');
		assert.match(await page.locator('#older-status').textContent(),
		    trf('Older messages loaded: %d.'));
		assert.equal(await page.locator('#older-link').count(), 0,
		    'the link stays although nothing older is left');
		/* The loaded messages get the "quote selection" button too. */
		assert.ok(await page.locator('#messages > article.msg').first()
		    .locator('button.quote-selection').count() > 0,
		    'no quote button on a loaded message');
		await axe(page, 'thread (professional), older messages loaded');

		const asked = [];
		const seen = (req) => asked.push(new URL(req.url()).pathname);
		page.on('request', seen);
		try {
			await visit(page, `/t/${state.tid}/export`, 'printable export');
			await page.waitForLoadState('load');
		} finally {
			page.off('request', seen);
		}
		assert.ok(!asked.includes('/favicon.ico'),
		    `the export made the browser ask for /favicon.ico: ${asked.join(', ')}`);
	}, { skip: needs(...TRAJ, ...THREAD) });

	test('reports and search: adherence report and message search', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/reports/adherence', 'adherence report');
		if (ROUTES.has('GET /search')) {
			await visit(page, '/search', 'search');
			if (state.thid) {
				const q = page.locator('main input[name=q]');
				assert.equal(await q.count(), 1, 'no search field');
				await q.fill('ontspannen');
				await Promise.all([page.waitForNavigation(),
				    q.press('Enter')]);
				assert.ok(await page.locator(
				    `main a[href^="/threads/${state.thid}"]`).count() > 0,
				    'the search does not find the client\'s message');
				await axe(page, 'search results');
			}
		}
	}, { skip: needs('GET /reports/adherence') });
};

module.exports.late = function registerLate(d) {
	const { test, person, visit, mainText } = d;

	test('trajectory: the administrator sees who works with whom, not the title', async () => {
		const admin = await person('admin');
		const { page } = admin;
		await visit(page, '/t', 'trajectories (admin)');
		const link = page.locator('main a[href^="/t/"]').first();
		assert.ok(await link.count() > 0, 'the admin sees no trajectory');
		await Promise.all([page.waitForNavigation(), link.click()]);
		await d.axe(page, 'trajectory page (admin)');
		assert.doesNotMatch(await mainText(page), /Rust na het werk/,
		    'the admin sees the client\'s title');
		assert.equal(await page.locator('section.threads').count(), 0);
	}, { skip: needs(...TRAJ) });
};
