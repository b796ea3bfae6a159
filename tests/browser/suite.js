'use strict';
/*
 * suite.js - the browser tests: a real chromium drives the real server.
 *
 * One server (fresh data directory, --demo) and one browser serve the
 * whole run; every person gets their own browser context (own cookies).
 * The tests run in order and build on each other (the admin turns on two
 * factors in one test and logs in with them in a later one).  Every page a
 * test reaches is checked with axe-core against WCAG 2.1 A and AA; each
 * checked page becomes a test of its own ("axe: ..."), and the pages the
 * suite promises to check but never reached fail too.
 *
 * Environment: INFUUS_BUILD (directory with the infuus binary), INFUUS_TOP
 * (source root), INFUUS_BROWSER_SHOTS (where screenshots go; default a
 * temporary directory, printed).
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib.js');
const { test, tr, trf } = L;

const work = L.tmpdir();
const SHOTS = process.env.INFUUS_BROWSER_SHOTS || path.join(work, 'shots');
fs.mkdirSync(SHOTS, { recursive: true });

let server = null;
let browser = null;
const people = {};       /* role -> { user, ctx, page } */
const pageProblems = []; /* CSP violations, script errors */
let lastPage = null;

/* ------------------------------------------------------------- helpers */

async function person(role, opts = {}) {
	if (people[role] && !opts.fresh)
		return people[role];
	const ctx = await browser.newContext({ locale: opts.locale || 'en-GB',
	    viewport: { width: 1100, height: 900 } });
	ctx.setDefaultTimeout(15000);
	ctx.setDefaultNavigationTimeout(20000);
	const page = await ctx.newPage();
	watch(page, role);
	const p = { role, user: server.users[role], ctx, page };
	if (!opts.fresh)
		people[role] = p;
	return p;
}

function watch(page, who) {
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const text = m.text();
		/* The browser asks for /favicon.ico on its own; the server has
		 * none (reported, not a page bug). */
		if (/Failed to load resource/.test(text) &&
		    /favicon/.test(m.location().url || ''))
			return;
		if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text) &&
		    m.location().url === page.url())
			return; /* the document itself was a 4xx page on purpose */
		pageProblems.push(`${who} on ${page.url()}: ${text}`);
	});
	page.on('pageerror', (e) => pageProblems.push(
	    `${who} on ${page.url()}: script error: ${e.message}`));
	page.on('requestfailed', (req) => {
		/* A navigation cut short by the next one, or a fetch told not to
		 * follow redirects, is not a page fault. */
		if (/ERR_ABORTED/.test((req.failure() || {}).errorText || ''))
			return;
		if (!/favicon/.test(req.url()))
			pageProblems.push(`${who} on ${page.url()}: request failed ` +
			    `${req.url()} (${req.failure() && req.failure().errorText})`);
	});
	page.on('response', (resp) => {
		const req = resp.request();
		if (resp.status() >= 400 && req.resourceType() !== 'document' &&
		    req.resourceType() !== 'fetch' && !/favicon/.test(resp.url()))
			pageProblems.push(`${who} on ${page.url()}: ` +
			    `${resp.status()} for ${req.resourceType()} ${resp.url()}`);
	});
	page.on('framenavigated', () => { lastPage = page; });
}

function url(p) {
	return server.base + p;
}

function pathOf(page) {
	const u = new URL(page.url());
	return u.pathname + u.search;
}

/* Load a page; check its status; run axe on it once per label. */
async function visit(page, p, label, status = 200) {
	const resp = await page.goto(url(p));
	lastPage = page;
	assert.ok(resp, `no response for ${p}`);
	assert.equal(resp.status(), status, `GET ${p} answered ` +
	    `${resp.status()} at ${page.url()}`);
	if (label)
		await axe(page, label);
	return resp;
}

async function axe(page, label) {
	if (L.axeResults.has(label))
		return;
	await L.axeCheck(page, label);
}

/* Submit a form by its button; resolves with the final document response. */
async function submit(page, formSel, buttonSel = 'button[type=submit]') {
	const [resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		page.locator(`${formSel} ${buttonSel}`).first().click(),
	]);
	lastPage = page;
	return resp;
}

async function mainText(page) {
	return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

async function login(p, expectPath = '/') {
	const { page, user } = p;
	await visit(page, '/login', 'log-in page');
	await page.fill('#f-email', user.email);
	await page.fill('#f-password', user.password);
	await submit(page, 'form[action="/login"]');
	assert.equal(new URL(page.url()).pathname, expectPath,
	    `after the password, ${user.role} is at ${page.url()}`);
}

async function logout(p) {
	const { page } = p;
	const resp = await submit(page, 'header form[action="/logout"]');
	assert.equal(pathOf(page), '/login?out=1');
	assert.equal(resp.status(), 200);
	assert.match(await mainText(page), tr('You are logged out.'));
}

async function shot(page, name) {
	const f = path.join(SHOTS, `${name}.png`);
	await page.screenshot({ path: f, fullPage: true });
	console.log(`     screenshot ${f}`);
	return f;
}

/* The admin's two-factor secret and recovery codes, set in a test. */
const adminTotp = { secret: null, lastStep: undefined, recovery: [] };

/* ------------------------------------------------------------ the tests */

test('TOTP generator reproduces the RFC 6238 test vectors', () => {
	L.totpSelfTest();
});

test('axe finds the violations of a page made to have them (the check can fail)', async () => {
	const anon = await person('anonymous');
	const page = await anon.ctx.newPage();
	try {
		await page.setContent('<!DOCTYPE html><html lang="en"><head>' +
		    '<title>broken</title></head><body><main><h1>Broken</h1>' +
		    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">' +
		    '<input type="text" name="x">' +
		    '<p style="color:#bbb;background:#fff">pale text</p>' +
		    '</main></body></html>');
		const ids = (await L.axeRun(page)).map((v) => v.id).sort();
		assert.deepEqual(ids, ['color-contrast', 'image-alt', 'label']);
	} finally {
		await page.close();
	}
});

test('anonymous pages: log-in, a wrong password, password reset', async () => {
	const anon = await person('anonymous');
	const { page } = anon;
	const resp = await visit(page, '/login', 'log-in page');
	assert.match(resp.headers()['content-security-policy'] || '',
	    /script-src 'self'/);
	assert.equal(await page.getAttribute('html', 'lang'), 'en');
	/* The skip link is the first thing the keyboard reaches. */
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() =>
	    document.activeElement.getAttribute('href')), '#main');

	await page.fill('#f-email', 'nobody@demo.infuus.test');
	await page.fill('#f-password', 'not-the-password-1');
	const bad = await submit(page, 'form[action="/login"]');
	assert.equal(bad.status(), 401);
	assert.match(await mainText(page),
	    tr('The e-mail address or password is not correct.'));
	assert.equal(await page.inputValue('#f-email'),
	    'nobody@demo.infuus.test');
	await axe(page, 'log-in page with an error');

	await visit(page, '/reset', 'password reset page');
	await page.fill('#f-email', 'nobody@demo.infuus.test');
	const sent = await submit(page, 'form[action="/reset"]');
	assert.equal(sent.status(), 200);
	assert.match(await mainText(page),
	    trf('If an account exists for this address, we have sent it a link to choose a new password. The link works once, for %d minutes.'));
	await axe(page, 'password reset: link sent');
});

test('two factors: the admin sets up two-step verification and gets recovery codes', async () => {
	const admin = await person('admin');
	const { page } = admin;
	await login(admin);
	await axe(page, 'start page (admin)');
	assert.match(await mainText(page), tr('Welcome,'));

	/* The access log asks for two factors: not yet. */
	const denied = await page.goto(url('/org/audit'));
	assert.equal(denied.status(), 403);
	await axe(page, 'no access (403)');

	await visit(page, '/account', 'account page (admin)');
	await Promise.all([page.waitForNavigation(),
	    page.click('a[href="/account/2fa"]')]);
	assert.equal(pathOf(page), '/account/2fa');
	await axe(page, 'two-step set-up page');
	const secret = (await page.locator('code.secret').innerText()).trim();
	assert.match(secret.replace(/\s/g, ''), /^[A-Z2-7]{16,}=*$/);
	/* The authenticator link carries the same key, SHA-1/6/30. */
	const href = await page.getAttribute('a[href^="otpauth:"]', 'href');
	const q = new URL(href).searchParams;
	assert.equal(q.get('secret').toUpperCase(),
	    secret.replace(/\s/g, '').toUpperCase());
	for (const [k, v] of [['digits', '6'], ['period', '30'],
	    ['algorithm', 'SHA1']])
		if (q.get(k) !== null)
			assert.equal(q.get(k).toUpperCase(), v);
	adminTotp.secret = secret;

	await page.fill('#f-code', await L.freshCode(adminTotp));
	const on = await submit(page, 'form[action="/account/2fa"]');
	assert.equal(on.status(), 200);
	assert.match(await page.locator('h1').innerText(),
	    tr('Two-step verification is on'));
	adminTotp.recovery = await page.locator('ul.codes li code').allInnerTexts();
	assert.equal(adminTotp.recovery.length, 10);
	assert.equal(new Set(adminTotp.recovery).size, 10);
	await axe(page, 'recovery codes page');

	/* The code just given counts for this session. */
	await visit(page, '/org/audit', null);
	await visit(page, '/account', null);
	assert.match(await mainText(page), tr('Two-step verification is on.'));
	await logout(admin);
	await axe(page, 'log-in page after log-out');
});

test('CSRF: a form with an altered token is refused (403) and changes nothing', async () => {
	const client = await person('client');
	const { page } = client;
	await login(client);
	await axe(page, 'start page (client)');
	await visit(page, '/account', 'account page (client)');
	const form = 'form[action="/account"]';
	const before = await page.inputValue('#f-name');
	assert.ok(before.length > 0);

	await page.fill('#f-name', 'Mallory Changed-This');
	const tampered = await page.evaluate((sel) => {
		const f = document.querySelector(`${sel} input[name=csrf]`);
		const v = f.value;
		/* Same length and alphabet, one character different. */
		f.value = (v[0] === 'A' ? 'B' : 'A') + v.slice(1);
		return f.value !== v;
	}, form);
	assert.ok(tampered);
	const resp = await submit(page, form);
	assert.equal(resp.status(), 403);
	assert.match(await mainText(page),
	    tr('The form was out of date; please try again.'));
	await axe(page, 'form out of date (403)');

	await visit(page, '/account', null);
	assert.equal(await page.inputValue('#f-name'), before,
	    'the name changed although the form was refused');

	/* The same form with its real token does work (the test can fail). */
	await page.fill('#f-name', `${before} (browser test)`);
	const ok = await submit(page, form);
	assert.equal(ok.status(), 200);
	assert.equal(pathOf(page), '/account?saved=1');
	assert.match(await mainText(page), tr('Saved.'));
	await axe(page, 'account page: saved');
	assert.equal(await page.inputValue('#f-name'), `${before} (browser test)`);
	await page.fill('#f-name', before);
	await submit(page, form);
	assert.equal(await page.inputValue('#f-name'), before);
});

test('log-out: the session ends, the start page sends to /login, back shows nothing private', async () => {
	const pro = await person('professional');
	const { page, ctx } = pro;
	await login(pro);
	await axe(page, 'start page (professional)');
	const name = (await page.locator('header .who span').innerText()).trim();
	assert.ok(name.length > 0);
	await visit(page, '/me/access', 'who saw my data (professional)');
	const priv = await visit(page, '/account', 'account page (professional)');
	assert.match(priv.headers()['cache-control'] || '', /no-store/,
	    'a private page may be stored by the browser');
	const secretBits = await page.inputValue('#f-name');
	const cookie = (await ctx.cookies()).find((c) => c.name === 'infuus_session');
	assert.ok(cookie, 'no session cookie');
	assert.ok(cookie.httpOnly, 'the session cookie is readable by scripts');
	assert.notEqual(cookie.sameSite, 'None');

	await logout(pro);
	assert.ok(!(await ctx.cookies()).some((c) =>
	    c.name === 'infuus_session' && c.value), 'cookie survives log-out');

	/* Back: the browser must not show the account page from its cache;
	 * it asks again and is sent to the log-in page. */
	await page.goBack();
	await page.waitForLoadState('load');
	assert.equal(new URL(page.url()).pathname, '/login',
	    `back showed ${page.url()}`);
	assert.ok(!(await page.content()).includes(secretBits),
	    'back showed the account page with the name in it');
	assert.equal(await page.locator('header .who').count(), 0,
	    'back showed a logged-in header');

	/* The start page and a private page now lead to the log-in page. */
	await page.goto(url('/'));
	assert.equal(new URL(page.url()).pathname, '/login');
	await page.goto(url('/account'));
	assert.equal(new URL(page.url()).pathname, '/login');

	/* A script's request is redirected too, not answered. */
	const kind = await page.evaluate(async () => {
		const r = await fetch('/account', { redirect: 'manual' });
		return r.type;
	});
	assert.equal(kind, 'opaqueredirect');
	const r = await ctx.request.get(url('/account'), { maxRedirects: 0 });
	assert.ok([302, 303].includes(r.status()), `status ${r.status()}`);
	assert.match(r.headers().location || '', /\/login/);

	/* The old cookie is dead on the server, not just forgotten. */
	const replay = await ctx.request.get(url('/account'), {
		maxRedirects: 0,
		headers: { Cookie: `infuus_session=${cookie.value}` },
	});
	assert.ok([302, 303].includes(replay.status()),
	    `replayed cookie answered ${replay.status()}`);
	assert.match(replay.headers().location || '', /\/login/);
});

/* The coaching tests (issue 4) run here, which also lets the admin's
 * TOTP step move on before the second log-in. */
const coachingDeps = { test, person, visit, axe, submit, mainText,
    login, logout, shot, url, pathOf, adminTotp,
    getServer: () => server };
require('./coaching.js')(coachingDeps);
require('./live.js')(coachingDeps); /* issue 10: chat, hourglass */
require('./appointments.js')(coachingDeps);
/* Assignments and the learning cycle (issue 11). */
require('./assignments.js')(coachingDeps);
/* Pricing and invoices (issue 13). */
require('./billing.js')(coachingDeps);
/* The closing report (issue 13). */
require('./reports.js')(coachingDeps);
/* Video and voice calls (issue 10): a server and browsers of their own. */
require('./calls.js')(coachingDeps);
/* Media files (issue 12). */
require('./media.js')(coachingDeps);
/* The psycho-education library (issue 12). */
require('./library.js')(coachingDeps);
/* Library items sent in an assignment or a module; film and sound
 * pages (issue 12). */
require('./libsend.js')(coachingDeps);

test('two factors: password page, then code page, then start page; the access log shows entries', async () => {
	assert.ok(adminTotp.secret, 'two-step set-up did not run');
	const admin = await person('admin');
	const { page } = admin;
	await login(admin, '/login/2fa');
	await axe(page, 'log-in code page');
	/* Before the code, nothing else opens. */
	await page.goto(url('/account'));
	assert.equal(new URL(page.url()).pathname, '/login/2fa');

	let bad = '000000';
	const s = L.currentStep();
	const valid = new Set([-2, -1, 0, 1, 2].map((d) =>
	    L.totp(adminTotp.secret, s + d)));
	while (valid.has(bad))
		bad = String((Number(bad) + 111111) % 1000000).padStart(6, '0');
	await page.fill('#f-code', bad);
	const no = await submit(page, 'form[action="/login/2fa"]');
	assert.equal(no.status(), 401);
	assert.match(await mainText(page),
	    tr('The code is not correct or was already used.'));
	await axe(page, 'log-in code page with an error');

	await page.fill('#f-code', await L.freshCode(adminTotp));
	await submit(page, 'form[action="/login/2fa"]');
	assert.equal(pathOf(page), '/');
	assert.match(await mainText(page), tr('Welcome,'));

	await visit(page, '/org/audit', 'access log (admin)');
	const rows = await page.locator('table.log tbody tr').count();
	assert.ok(rows > 0, 'the access log is empty');
	await visit(page, '/org/members', 'members page (admin)');
	await visit(page, '/no-such-page', 'not found (404)', 404);
	assert.match(await mainText(page), tr('This page or item does not exist.'));
});

test('two factors: a recovery code logs in once, and only once', async () => {
	assert.equal(adminTotp.recovery.length, 10, 'no recovery codes');
	const admin = await person('admin');
	const { page } = admin;
	await visit(page, '/', null);
	await logout(admin);
	const code = adminTotp.recovery[0];
	await login(admin, '/login/2fa');
	await page.fill('#f-code', code);
	await submit(page, 'form[action="/login/2fa"]');
	assert.equal(pathOf(page), '/');
	await logout(admin);
	await login(admin, '/login/2fa');
	await page.fill('#f-code', code);
	const again = await submit(page, 'form[action="/login/2fa"]');
	assert.equal(again.status(), 401);
	assert.equal(new URL(page.url()).pathname, '/login/2fa');
	/* Leave the admin logged in for later tests. */
	await page.fill('#f-code', adminTotp.recovery[1]);
	await submit(page, 'form[action="/login/2fa"]');
	assert.equal(pathOf(page), '/');
});

require('./coaching.js').late(coachingDeps);

/* Questionnaires, diary and mood meter (issue 11). */
require('./measures.js')(coachingDeps);
/* Time accounting and stakeholders (issue 13). */
require('./timeacct.js')(coachingDeps);
/* Self-help modules (issue 12). */
require('./modules.js')(coachingDeps);
/* Module packages (issue 12). */
require('./packages.js')(coachingDeps);

test('language: a Dutch browser gets a Dutch page marked lang="nl"', async () => {
	const nl = await person('dutch visitor', { locale: 'nl-NL', fresh: true });
	try {
		await visit(nl.page, '/login', 'log-in page (Dutch)');
		assert.equal(await nl.page.getAttribute('html', 'lang'), 'nl');
		const skip = (await nl.page.locator('a.skip').innerText()).trim();
		const want = L.DUTCH.get('Skip to content');
		assert.ok(want, 'po/nl.po has no translation of "Skip to content"');
		assert.equal(skip, want, 'lang="nl" on an English page');
	} finally {
		await nl.ctx.close();
	}
});

test('no page broke its Content-Security-Policy or threw a script error', () => {
	assert.deepEqual(pageProblems, []);
});

/* ------------------------------------------------------------- the run */

/* Pages the suite promises to check with axe (issue 3); coaching.js adds
 * its own when those pages exist. */
const REQUIRED_AXE = [
	'log-in page', 'password reset page', 'log-in code page',
	'start page (admin)', 'start page (professional)',
	'start page (client)', 'account page (admin)',
	'account page (client)', 'account page (professional)',
	'two-step set-up page', 'members page (admin)', 'access log (admin)',
	'who saw my data (professional)', 'not found (404)',
];

async function main() {
	let ok = false;
	console.log(`browser tests: build ${L.BUILD}, screenshots in ${SHOTS}`);
	try {
		server = await L.startServer(work);
		browser = await L.launch();
		console.log(`server ${server.base}, chromium ${browser.version()}`);
		await L.runTests(async (name) => {
			if (!lastPage || lastPage.isClosed())
				return '';
			const f = path.join(SHOTS, 'FAILED-' +
			    name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60) + '.png');
			await lastPage.screenshot({ path: f, fullPage: true });
			return `at ${lastPage.url()}; screenshot ${f}`;
		});

		/* One result per page checked with axe. */
		const required = REQUIRED_AXE.concat(global.INFUUS_REQUIRED_AXE || []);
		for (const [label, r] of L.axeResults)
			L.report(`axe: ${label} (${new URL(r.url).pathname})`,
			    r.violations.length === 0,
			    L.formatViolations(r.violations));
		for (const label of required)
			if (!L.axeResults.has(label))
				L.report(`axe: ${label}`, false,
				    'this page was never reached, so it was not checked');
	} catch (e) {
		L.report('browser suite set-up', false, e.stack || String(e));
	} finally {
		if (browser)
			await browser.close().catch(() => {});
		if (server) {
			try {
				const e = await server.stop();
				const log = fs.readFileSync(server.logPath, 'utf8');
				const san = /(AddressSanitizer|LeakSanitizer|runtime error:)/.test(log);
				L.report('server stops cleanly on SIGTERM, no sanitizer report',
				    e.code === 0 && !san,
				    `exit ${JSON.stringify(e)}\n${L.logTail(server.logPath)}`);
			} catch (e) {
				L.report('server stops cleanly on SIGTERM, no sanitizer report',
				    false, `${e.message}\n${L.logTail(server.logPath)}`);
			}
		}
		/* The data directory holds only test data; the log and the
		 * screenshots stay for reading. */
		if (server && server.exited)
			fs.rmSync(server.data, { recursive: true, force: true });
		ok = L.summary();
		console.log(`server log: ${server ? server.logPath : '(none)'}`);
	}
	process.exitCode = ok ? 0 : 1;
}

main();
