'use strict';
/*
 * lib.js - what the browser tests share: a tiny sequential test runner, the
 * Infuus server under test (fresh data directory, free port, demo log-ins),
 * Debian's chromium through playwright-core, RFC 6238 codes, the Dutch
 * message catalogue (so texts can be matched in either language) and the
 * axe-core WCAG 2.1 A/AA check run on every page a test visits.
 *
 * Why axe goes in through page.evaluate(source): every page is served with
 * "Content-Security-Policy: script-src 'self'", which blocks the inline
 * <script> page.addScriptTag({ path }) creates.  Evaluation through the
 * DevTools protocol is not subject to the page's CSP, so axe runs on the
 * page exactly as a user gets it: no bypassCSP anywhere, and a style or
 * script the policy blocks stays blocked while axe looks.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const HERE = __dirname;
const TOP = process.env.INFUUS_TOP || path.resolve(HERE, '..', '..');
const BUILD = process.env.INFUUS_BUILD;
const CHROMIUM = process.env.INFUUS_CHROMIUM || '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = fs.readFileSync(
    require.resolve('axe-core/axe.min.js', { paths: [HERE] }), 'utf8');

/* ---------------------------------------------------------------- runner */

const tests = [];
const failures = [];
let passed = 0;
let failed = 0;
let skipped = 0;

function test(name, fn, opts = {}) {
	tests.push({ name, fn, timeout: opts.timeout || 120000,
	    skip: opts.skip || null });
}

function withTimeout(p, ms, what) {
	let timer;
	const t = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(
		    `${what}: timed out after ${ms} ms`)), ms);
	});
	return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function report(name, ok, detail) {
	if (ok) {
		passed++;
		console.log(`ok   ${name}`);
	} else {
		failed++;
		failures.push(name);
		console.log(`FAIL ${name}`);
		if (detail)
			console.log(detail.replace(/^/gm, '     '));
	}
}

async function runTests(onFailure) {
	for (const t of tests) {
		const skip = typeof t.skip === 'function' ? t.skip() : t.skip;
		if (skip) {
			skipped++;
			console.log(`skip ${t.name} (${skip})`);
			continue;
		}
		const t0 = Date.now();
		try {
			await withTimeout(Promise.resolve().then(t.fn), t.timeout,
			    t.name);
			report(`${t.name} [${Date.now() - t0} ms]`, true);
		} catch (e) {
			let shot = '';
			try {
				shot = await onFailure(t.name);
			} catch (e2) {
				shot = `(no screenshot: ${e2.message})`;
			}
			report(`${t.name} [${Date.now() - t0} ms]`, false,
			    `${e && e.stack ? e.stack : e}${shot ? '\n' + shot : ''}`);
		}
	}
}

function summary() {
	if (skipped)
		console.log(`skipped: ${skipped}`);
	if (failures.length)
		console.log(`failed tests:\n  ${failures.join('\n  ')}`);
	console.log(`result: ${passed} passed, ${failed} failed`);
	return failed === 0 && passed > 0;
}

/* ---------------------------------------------------------------- server */

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

/*
 * Start "infuus serve --demo" on a fresh data directory and wait for
 * "Infuus is running on"; collect the demo log-ins it prints once.  env:
 * settings for this server (INFUUS_<KEY>, config.h).
 */
async function startServer(workdir, env = {}) {
	if (!BUILD)
		throw new Error('INFUUS_BUILD is not set (the build directory)');
	const bin = path.join(BUILD, 'infuus');
	const data = path.join(workdir, 'data');
	const port = await freePort();
	const logPath = path.join(workdir, 'server.log');
	const log = fs.createWriteStream(logPath);
	const child = spawn(bin, ['serve', '--data', data, '--listen',
	    `127.0.0.1:${port}`, '--demo'], { cwd: workdir,
	    env: Object.assign({}, process.env, env),
	    stdio: ['ignore', 'pipe', 'pipe'] });
	const users = {};
	let out = '';
	let exited = null;
	const exitP = new Promise((resolve) => child.on('exit',
	    (code, signal) => { exited = { code, signal }; resolve(exited); }));
	child.stderr.on('data', (d) => log.write(d));
	await withTimeout(new Promise((resolve, reject) => {
		child.stdout.on('data', (d) => {
			log.write(d);
			out += d.toString();
			for (const line of out.split('\n')) {
				const m = /^\s+(admin|professional|client)\s+(\S+@\S+)\s+password:\s+(\S+)/.exec(line);
				if (m)
					users[m[1]] = { role: m[1], email: m[2],
					    password: m[3] };
			}
			if (/Infuus is running on/.test(out))
				resolve();
		});
		exitP.then((e) => reject(new Error(
		    `server exited early (${JSON.stringify(e)}); log ${logPath}`)));
	}), 60000, 'server start');
	for (const role of ['admin', 'professional', 'client'])
		if (!users[role])
			throw new Error(`no demo log-in for ${role} in the server output`);
	return {
		base: `http://127.0.0.1:${port}`, users, logPath, data, bin,
		get exited() { return exited; },
		async stop() {
			if (exited === null)
				child.kill('SIGTERM');
			const e = await withTimeout(exitP, 20000, 'server stop')
			    .catch((err) => { child.kill('SIGKILL'); throw err; });
			await new Promise((r) => log.end(r));
			return e;
		},
	};
}

function logTail(p, n = 40) {
	try {
		return fs.readFileSync(p, 'utf8').split('\n').slice(-n).join('\n');
	} catch (e) {
		return `(no log: ${e.message})`;
	}
}

/* ---------------------------------------------------------------- browser */

async function launch() {
	return launchWith([]);
}

/* A browser of its own with extra flags (the calls' fake media). */
async function launchWith(extra) {
	const { chromium } = require(require.resolve('playwright-core',
	    { paths: [HERE] }));
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'].concat(extra),
	});
}

/* ------------------------------------------------------------------ TOTP */

function base32Decode(s) {
	const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	const clean = s.toUpperCase().replace(/[\s=-]/g, '');
	let bits = 0, value = 0;
	const out = [];
	for (const c of clean) {
		const v = alpha.indexOf(c);
		if (v < 0)
			throw new Error(`not base32: ${JSON.stringify(c)}`);
		value = (value << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/* RFC 6238 with SHA-1, 30-second steps, 6 digits. */
function totp(secret, step) {
	const key = base32Decode(secret);
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = crypto.createHmac('sha1', key).update(msg).digest();
	const off = h[h.length - 1] & 0x0f;
	const n = (h.readUInt32BE(off) & 0x7fffffff) % 1000000;
	return String(n).padStart(6, '0');
}

function currentStep() {
	return Math.floor(Date.now() / 1000 / 30);
}

/*
 * A code for a step later than the last one this secret used: each code is
 * accepted once, so a second log-in may have to wait for the next step.
 * Leaves at least 3 s of the step so the code is still fresh on arrival.
 */
async function freshCode(account) {
	for (;;) {
		const now = Date.now() / 1000;
		const step = Math.floor(now / 30);
		const left = (step + 1) * 30 - now;
		if ((account.lastStep === undefined || step > account.lastStep) &&
		    left > 3) {
			account.lastStep = step;
			return totp(account.secret, step);
		}
		await new Promise((r) => setTimeout(r, (left + 0.2) * 1000));
	}
}

/* RFC 6238 appendix B vector (SHA-1, secret "12345678901234567890"). */
function totpSelfTest() {
	const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
	assert.equal(totp(secret, Math.floor(59 / 30)), '287082');
	assert.equal(totp(secret, Math.floor(1111111109 / 30)), '081804');
	assert.equal(totp(secret, Math.floor(2000000000 / 30)), '279037');
}

/* ------------------------------------------------------------ catalogue */

function unquotePo(s) {
	try {
		return JSON.parse(s);
	} catch {
		return s.slice(1, -1);
	}
}

/* msgid -> msgstr of po/nl.po (translated entries only). */
function loadDutch() {
	const map = new Map();
	let text;
	try {
		text = fs.readFileSync(path.join(TOP, 'po', 'nl.po'), 'utf8');
	} catch {
		return map;
	}
	for (const block of text.split(/\n\s*\n/)) {
		if (/^#,.*fuzzy/m.test(block))
			continue;
		const grab = (kw) => {
			const m = new RegExp(`^${kw} ("(?:[^"\\\\]|\\\\.)*")\\n((?:"(?:[^"\\\\]|\\\\.)*"\\n?)*)`, 'm').exec(block + '\n');
			if (!m)
				return null;
			let s = unquotePo(m[1]);
			for (const l of m[2].split('\n'))
				if (l.trim())
					s += unquotePo(l.trim());
			return s;
		};
		const id = grab('msgid');
		const str = grab('msgstr');
		if (id && str)
			map.set(id, str);
	}
	return map;
}

const DUTCH = loadDutch();

function escapeRe(s) {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/* A pattern matching an interface text in English or in Dutch. */
function tr(english) {
	const nl = DUTCH.get(english);
	return new RegExp(nl ? `${escapeRe(english)}|${escapeRe(nl)}` :
	    escapeRe(english));
}

/* The same for a printf-style text: each %s, %lld, %.1f... matches any
 * text (Dutch translations may reorder them, %1$s). */
function trf(english) {
	const spec = /%(?:\d+\$)?[-+ 0#]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[sdfiu]/g;
	const one = (s) => s.split(spec).map(escapeRe).join('(.+?)');
	const nl = DUTCH.get(english);
	return new RegExp(nl ? `${one(english)}|${one(nl)}` : one(english));
}

/* ------------------------------------------------------------------ axe */

/* label -> { url, violations[] }; every state of every page checked. */
const axeResults = new Map();

/* Run axe on the page as it is now; the violations found. */
async function axeRun(page) {
	await page.waitForLoadState('load');
	const has = await page.evaluate(() => typeof window.axe === 'object');
	if (!has)
		await page.evaluate(AXE_SOURCE);
	const violations = await page.evaluate(async (tags) => {
		const r = await window.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
			/* No re-fetching of stylesheets into inline <style>
			 * elements: the page's CSP would (rightly) refuse them
			 * and the refusal would be blamed on the page. */
			preload: false,
		});
		return r.violations.map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map((n) => ({
				target: n.target.map(String).join(' '),
				html: n.html.slice(0, 200),
				summary: n.failureSummary || '',
			})),
		}));
	}, AXE_TAGS);
	return violations;
}

async function axeCheck(page, label) {
	const violations = await axeRun(page);
	const prev = axeResults.get(label);
	if (prev) {
		prev.violations.push(...violations);
		prev.checks++;
	} else {
		axeResults.set(label, { url: page.url(), violations, checks: 1 });
	}
	return violations;
}

function formatViolations(violations) {
	const lines = [];
	for (const v of violations) {
		lines.push(`${v.id} (${v.impact}): ${v.help}`);
		for (const n of v.nodes) {
			lines.push(`  at ${n.target}`);
			lines.push(`     ${n.html.replace(/\s+/g, ' ')}`);
			if (n.summary)
				lines.push(`     ${n.summary.replace(/\s+/g, ' ')}`);
		}
	}
	return lines.join('\n');
}

function tmpdir() {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'infuus-browser.'));
}

module.exports = {
	TOP, BUILD, AXE_TAGS, test, runTests, summary, report, startServer,
	logTail, launch, launchWith, totp, currentStep, freshCode, totpSelfTest, tr, trf,
	DUTCH, axeRun, axeCheck, axeResults, formatViolations, tmpdir, withTimeout,
};
