'use strict';
/*
 * calls.js - the browser tests of issue 10's video and voice calls: three
 * headless Chromium instances with fake camera and microphone
 * (--use-fake-ui-for-media-stream --use-fake-device-for-media-stream) are
 * a client and two professionals of one trajectory.  The client checks
 * their devices and waits in the waiting room; the professional lets them
 * in; the second professional joins; each browser then receives the
 * others' audio and video (RTCPeerConnection getStats: bytesReceived of
 * inbound audio and video growing, for each peer).  Once more with two of
 * them and iceTransportPolicy "relay" through a coturn this test starts on
 * loopback (use-auth-secret, a throw-away configuration, a free port),
 * when coturn's turnserver is installed.  A browser that refuses media
 * gets a plain sentence and the call goes on.  A reload keeps the
 * place; a closed tab leaves at once (the page's beacon), seen by the
 * other within seconds.  The pages are checked with axe.
 *
 * The calls need a server of their own: its TURN settings name the coturn
 * started here.  Registered by suite.js; `node tests/browser/calls.js`
 * runs these tests alone.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const L = require('./lib.js');

const FAKE_MEDIA = ['--use-fake-ui-for-media-stream',
	'--use-fake-device-for-media-stream'];
const SECOND = { email: 'pim.tweede@demo.infuus.test',
	password: 'pim-tweede-pass-12', name: 'Pim Tweede' };

function turnserverPath() {
	for (const p of ['/usr/bin/turnserver', '/usr/sbin/turnserver',
	    '/usr/local/bin/turnserver'])
		if (fs.existsSync(p))
			return p;
	return null;
}

function freePort(udp) {
	if (udp)
		return new Promise((resolve, reject) => {
			const s = require('node:dgram').createSocket('udp4');
			s.on('error', reject);
			s.bind(0, '127.0.0.1', () => {
				const { port } = s.address();
				s.close(() => resolve(port));
			});
		});
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

/* coturn on loopback with a throw-away configuration: the shared secret
 * of the TURN REST scheme, no TLS, loopback peers allowed (both browsers
 * are on this machine), relay ports from a small range. */
async function startCoturn(dir) {
	const bin = turnserverPath();
	if (!bin)
		return null;
	const port = await freePort(true);
	const secret = crypto.randomBytes(18).toString('base64url');
	const conf = path.join(dir, 'turnserver.conf');
	const base = 40000 + Math.floor(Math.random() * 20000);
	fs.writeFileSync(conf, [
		`listening-ip=127.0.0.1`, `relay-ip=127.0.0.1`,
		`listening-port=${port}`, `min-port=${base}`,
		`max-port=${base + 200}`, 'use-auth-secret',
		`static-auth-secret=${secret}`, 'realm=infuus.test',
		'no-tls', 'no-dtls', 'no-cli', 'allow-loopback-peers',
		'fingerprint', 'no-multicast-peers', `log-file=${path.join(dir, 'turn.log')}`,
		'simple-log', `pidfile=${path.join(dir, 'turn.pid')}`,
		`userdb=${path.join(dir, 'turndb')}`, '',
	].join('\n'));
	const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
	let exited = false;
	child.on('exit', () => { exited = true; });
	/* Ready when it answers on its port (a STUN binding request). */
	const dgram = require('node:dgram');
	for (let i = 0; i < 50 && !exited; i++) {
		const ok = await new Promise((resolve) => {
			const s = dgram.createSocket('udp4');
			const req = Buffer.alloc(20);
			req.writeUInt16BE(0x0001, 0);
			req.writeUInt32BE(0x2112A442, 4);
			crypto.randomBytes(12).copy(req, 8);
			const t = setTimeout(() => { s.close(); resolve(false); }, 200);
			s.on('message', () => { clearTimeout(t); s.close(); resolve(true); });
			s.send(req, port, '127.0.0.1');
		});
		if (ok)
			return { port, secret, child, stop: () => child.kill('SIGTERM') };
	}
	child.kill('SIGKILL');
	throw new Error(`coturn did not answer on 127.0.0.1:${port}`);
}

module.exports = function register(d) {
	const { test } = d;
	const st = { server: null, turn: null, browsers: [], people: {},
		tid: null, call: null, work: null };

	async function browserFor(role, user) {
		const b = await L.launchWith(FAKE_MEDIA);
		st.browsers.push(b);
		const ctx = await b.newContext({ locale: 'en-GB',
		    viewport: { width: 1000, height: 800 } });
		ctx.setDefaultTimeout(20000);
		const page = await ctx.newPage();
		const problems = [];
		page.on('pageerror', (e) => problems.push(e.message));
		const p = { role, user, b, ctx, page, problems };
		st.people[role] = p;
		await page.goto(st.server.base + '/login');
		await page.fill('#f-email', user.email);
		await page.fill('#f-password', user.password);
		await Promise.all([page.waitForNavigation(),
		    page.click('form[action="/login"] button[type=submit]')]);
		assert.equal(new URL(page.url()).pathname, '/',
		    `${role} logged in`);
		return p;
	}

	/* Element id shows the sentence (English or Dutch, as po/ has it). */
	async function says(page, id, english) {
		await page.waitForFunction(([el, src]) => new RegExp(src).test(
		    document.getElementById(el).textContent),
		    [id, L.tr(english).source], { timeout: 20000 });
	}

	async function go(p, where, label) {
		const r = await p.page.goto(st.server.base + where);
		assert.equal(r.status(), 200, `GET ${where}`);
		if (label)
			await axe(p.page, label);
	}

	async function axe(page, label) {
		const v = await L.axeCheck(page, label);
		assert.equal(v.length, 0, `axe on ${label}: ` +
		    L.formatViolations(v));
	}

	/* Per peer: bytes received of inbound audio and video. */
	async function received(p) {
		return p.page.evaluate(async () => {
			const out = {};
			const peers = (window.infuusCall || {}).peers || {};
			for (const uid of Object.keys(peers)) {
				const stats = await peers[uid].pc.getStats();
				const r = { audio: 0, video: 0, relay: false };
				const cands = {};
				let pair = null;
				stats.forEach((s) => {
					if (s.type === 'inbound-rtp')
						r[s.kind] += s.bytesReceived || 0;
					if (s.type === 'local-candidate')
						cands[s.id] = s.candidateType;
					if (s.type === 'candidate-pair' &&
					    s.state === 'succeeded' && s.nominated)
						pair = s;
				});
				r.relay = !!pair && cands[pair.localCandidateId] ===
				    'relay';
				out[uid] = r;
			}
			return out;
		});
	}

	/* Each of who receives audio and video from each of the others,
	 * and more a moment later. */
	async function mediaFlows(who, relay) {
		const n = who.length - 1;
		const deadline = Date.now() + 60000;
		let first = null;
		for (;;) {
			first = await Promise.all(who.map(received));
			if (first.every((r) => Object.keys(r).length === n &&
			    Object.values(r).every((x) => x.audio > 0 &&
			    x.video > 0)))
				break;
			if (Date.now() > deadline)
				assert.fail('media did not flow: ' +
				    JSON.stringify(first));
			await new Promise((r) => setTimeout(r, 500));
		}
		await new Promise((r) => setTimeout(r, 2500));
		const later = await Promise.all(who.map(received));
		who.forEach((p, i) => {
			for (const uid of Object.keys(first[i])) {
				const a = first[i][uid], b = later[i][uid];
				assert.ok(b && b.audio > a.audio && b.video > a.video,
				    `${p.role} from ${uid}: ${JSON.stringify(a)} -> ` +
				    `${JSON.stringify(b)}`);
				if (relay)
					assert.ok(b.relay, `${p.role} from ${uid}: the ` +
					    'selected pair is not through the relay');
			}
		});
	}

	async function startCall(cli, media) {
		await go(cli, `/t/${st.tid}/call`, null);
		await Promise.all([cli.page.waitForNavigation(),
		    cli.page.click(`form[action="/t/${st.tid}/call"] ` +
		    `button[value=${media}]`)]);
		const m = /^\/calls\/(\d+)$/.exec(new URL(cli.page.url()).pathname);
		assert.ok(m, `after starting, at ${cli.page.url()}`);
		return m[1];
	}

	async function admit(pro, cli, callId, query) {
		await go(pro, `/t/${st.tid}/call`, null);
		await Promise.all([pro.page.waitForNavigation(),
		    pro.page.click(`form[action="/t/${st.tid}/call"] button`)]);
		assert.equal(new URL(pro.page.url()).pathname, `/calls/${callId}`);
		if (query) {
			await go(pro, `/calls/${callId}${query}`, null);
		}
		const form = `form[action="/calls/${callId}/admit"]`;
		await pro.page.waitForSelector(form);
		await pro.page.click(`${form} button`);
		await cli.page.waitForFunction(() =>
		    (window.infuusCall || {}).state === 'in', null,
		    { timeout: 15000 });
	}

	test('calls: a server of their own, with coturn on loopback when installed', async () => {
		st.work = L.tmpdir();
		st.turn = await startCoturn(st.work);
		const env = {};
		if (st.turn) {
			env.INFUUS_TURN_URLS = `turn:127.0.0.1:${st.turn.port}?transport=udp`;
			env.INFUUS_TURN_SECRET = st.turn.secret;
			env.INFUUS_TURN_TTL = '600';
		}
		st.server = await L.startServer(st.work, env);
		const r = spawnSync(st.server.bin, ['user', 'create', '--data',
		    st.server.data, '--email', SECOND.email, '--name', SECOND.name,
		    '--org', 'demo', '--role', 'professional'], {
			env: Object.assign({}, process.env,
			    { INFUUS_PASSWORD: SECOND.password }),
			encoding: 'utf8' });
		assert.equal(r.status, 0, `user create: ${r.stderr}`);
	}, { timeout: 90000 });

	test('calls: the client checks camera, microphone and speaker, then waits in the waiting room', async () => {
		const pro = await browserFor('professional', st.server.users.professional);
		const cli = await browserFor('client', st.server.users.client);
		await go(pro, '/t/new', null);
		const opt = pro.page.locator('#f-client option', { hasText: 'Kees Klant' });
		await pro.page.selectOption('#f-client', await opt.getAttribute('value'));
		await pro.page.fill('#f-title', 'Bellen');
		await Promise.all([pro.page.waitForNavigation(),
		    pro.page.click('form[action="/t"] button[type=submit]:not([name])')]);
		st.tid = /^\/t\/(\d+)$/.exec(new URL(pro.page.url()).pathname)[1];
		const sel = pro.page.locator('#f-user option', { hasText: SECOND.name });
		await pro.page.selectOption('#f-user', await sel.getAttribute('value'));
		await Promise.all([pro.page.waitForNavigation(),
		    pro.page.click(`form[action="/t/${st.tid}/professionals"] button`)]);

		await go(cli, `/t/${st.tid}/call`, 'calls page with the device check');
		await cli.page.click('#dc-start');
		await says(cli.page, 'dc-result', 'Camera and microphone work.');
		await cli.page.waitForFunction(() => {
			const v = document.getElementById('dc-video');
			return v.srcObject && v.srcObject.getVideoTracks().length === 1;
		});
		await cli.page.click('#dc-speaker');
		st.call = await startCall(cli, 'video');
		await says(cli.page, 'call-status',
		    'You are in the waiting room. A professional will let you in.');
		await axe(cli.page, 'call page (waiting room)');
		assert.equal(await cli.page.isVisible('#call-videos'), false,
		    'the video area while waiting');
	});

	test('calls: three browsers, each receives the others\' audio and video', async () => {
		const pro = st.people.professional, cli = st.people.client;
		await admit(pro, cli, st.call);
		assert.equal(await cli.page.isVisible('#call-videos'), true,
		    'the video area once let in');
		const pim = await browserFor('second professional', SECOND);
		await go(pim, `/t/${st.tid}/call`, null);
		await Promise.all([pim.page.waitForNavigation(),
		    pim.page.click(`form[action="/t/${st.tid}/call"] button`)]);
		await mediaFlows([pro, cli, pim], false);
		await axe(pro.page, 'call page (in a call of three)');
		/* Mute and camera: pressed, said. */
		await cli.page.click('#call-mute');
		assert.equal(await cli.page.getAttribute('#call-mute', 'aria-pressed'), 'true');
		assert.equal(await cli.page.evaluate(() =>
		    window.infuusCall && document.getElementById('call-self')
		    .srcObject.getAudioTracks()[0].enabled), false);
		await cli.page.click('#call-camera');
		assert.equal(await cli.page.evaluate(() => document
		    .getElementById('call-self').srcObject.getVideoTracks()[0]
		    .enabled), false);
		/* The second professional leaves: the others see it. */
		await Promise.all([pim.page.waitForNavigation(),
		    pim.page.click('#call-leave')]);
		await pro.page.waitForFunction(() => Object.keys(
		    window.infuusCall.peers).length === 1, null, { timeout: 15000 });
		for (const p of [pro, cli, pim])
			assert.deepEqual(p.problems, [], `script errors of ${p.role}`);
		await Promise.all([pro.page.waitForNavigation(), pro.page.click(
		    `form[action="/calls/${st.call}/end"] button`)]);
		await cli.page.waitForFunction(() =>
		    (window.infuusCall || {}).state === 'ended', null,
		    { timeout: 15000 });
	}, { timeout: 180000 });

	test('calls: a reload keeps the place; a closed page leaves at once (its beacon)', async () => {
		const pro = st.people.professional, cli = st.people.client;
		const call = await startCall(cli, 'video');
		await admit(pro, cli, call);
		const cliId = await cli.page.evaluate(() => window.infuusCall.me);
		const inList = (uid) => pro.page.evaluate((u) => !!document
		    .querySelector(`#call-people li[data-user="${u}"]`), uid);
		/* A reload sends the beacon too; the new page is in again,
		 * not in the waiting room. */
		await cli.page.reload();
		await cli.page.waitForFunction(() =>
		    (window.infuusCall || {}).state === 'in', null,
		    { timeout: 15000 });
		assert.equal(new URL(cli.page.url()).pathname, `/calls/${call}`);
		await says(cli.page, 'call-status', 'You are in the call.');
		await pro.page.waitForFunction((u) => !!document.querySelector(
		    `#call-people li[data-user="${u}"][data-state="in"]`), cliId,
		    { timeout: 15000 });
		/* Settled: the beacon may reach the server after the new page
		 * did, which then joins again once the leave is told. */
		await new Promise((r) => setTimeout(r, 2000));
		await cli.page.waitForFunction(() =>
		    (window.infuusCall || {}).state === 'in' &&
		    document.readyState === 'complete', null, { timeout: 15000 });
		await pro.page.waitForFunction((u) => !!document.querySelector(
		    `#call-people li[data-user="${u}"][data-state="in"]`), cliId,
		    { timeout: 15000 });
		/* The client closes the tab: the professional sees them leave
		 * within seconds, not after the 45 s timeout. */
		const t0 = Date.now();
		await cli.page.close({ runBeforeUnload: true });
		/* The next tests' page for the client. */
		cli.page = await cli.ctx.newPage();
		cli.page.on('pageerror', (e) => cli.problems.push(e.message));
		await pro.page.waitForFunction((u) => !document.querySelector(
		    `#call-people li[data-user="${u}"]`), cliId, { timeout: 8000 });
		assert.ok(Date.now() - t0 < 8000, `left after ${Date.now() - t0} ms`);
		assert.equal(await inList(cliId), false);
		await pro.page.waitForFunction(() => Object.keys(
		    window.infuusCall.peers).length === 0, null, { timeout: 8000 });
		assert.deepEqual(pro.problems, [], 'script errors of the professional');
		assert.deepEqual(cli.problems, [], 'script errors of the client');
		await Promise.all([pro.page.waitForNavigation(), pro.page.click(
		    `form[action="/calls/${call}/end"] button`)]);
	}, { timeout: 120000 });

	test('calls: a browser that refuses the camera and microphone says so, and the call goes on', async () => {
		const pro = st.people.professional, cli = st.people.client;
		await cli.ctx.addInitScript(() => {
			navigator.mediaDevices.getUserMedia = () => Promise.reject(
			    new DOMException('refused', 'NotAllowedError'));
		});
		await go(cli, `/t/${st.tid}/call`, null);
		await cli.page.click('#dc-start');
		await says(cli.page, 'dc-result', 'The browser did not allow the camera or microphone. Allow them in the browser\'s site settings (the icon next to the address) and try again.');
		await axe(cli.page, 'calls page, media refused');
		/* In a call all the same: told why, and receiving the other. */
		const call = await startCall(cli, 'video');
		await admit(pro, cli, call);
		await says(cli.page, 'call-status', 'The browser did not allow the camera or microphone. Allow them in the browser\'s site settings (the icon next to the address) and reload this page. Others can still see and hear each other.');
		const proId = String(await pro.page.evaluate(() => window.infuusCall.me));
		const deadline = Date.now() + 30000;
		let got = {};
		while (Date.now() < deadline) {
			got = await received(cli);
			if (got[proId] && got[proId].audio > 0 && got[proId].video > 0)
				break;
			await new Promise((r) => setTimeout(r, 500));
		}
		assert.ok(got[proId] && got[proId].audio > 0 && got[proId].video > 0,
		    `the refusing client receives the professional: ${JSON.stringify(got)}`);
		await axe(cli.page, 'call page, media refused');
		await Promise.all([pro.page.waitForNavigation(), pro.page.click(
		    `form[action="/calls/${call}/end"] button`)]);
		await cli.ctx.close();
		/* A fresh context for the relay test. */
		const ctx = await cli.b.newContext({ locale: 'en-GB' });
		const page = await ctx.newPage();
		page.on('pageerror', (e) => cli.problems.push(e.message));
		await page.goto(st.server.base + '/login');
		await page.fill('#f-email', cli.user.email);
		await page.fill('#f-password', cli.user.password);
		await Promise.all([page.waitForNavigation(),
		    page.click('form[action="/login"] button[type=submit]')]);
		cli.ctx = ctx;
		cli.page = page;
	}, { timeout: 120000 });

	test('calls: relay only, through the coturn on loopback', async () => {
		const pro = st.people.professional, cli = st.people.client;
		const call = await startCall(cli, 'video');
		await go(cli, `/calls/${call}?relay=1`, null);
		await admit(pro, cli, call, '?relay=1');
		await mediaFlows([pro, cli], true);
	}, { timeout: 120000, skip: () => turnserverPath() ? null :
	    'coturn (turnserver) is not installed: tools/deps.sh lists it' });

	test('calls: the server and coturn stop', async () => {
		for (const b of st.browsers)
			await b.close().catch(() => {});
		if (st.turn)
			st.turn.stop();
		if (st.server) {
			const e = await st.server.stop();
			assert.equal(e.code, 0, `server exit ${JSON.stringify(e)}`);
		}
	}, { timeout: 60000 });
};

if (require.main === module) {
	module.exports({ test: L.test });
	L.runTests(async () => '').then(() => {
		process.exit(L.summary() ? 0 : 1);
	});
}
