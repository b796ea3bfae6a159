'use strict';
/*
 * modules.js - a self-help module (issue 12) in the browser.
 *
 * The professional writes a module in the library (the editor, the
 * preview as the client sees it), publishes it and gives it guided in a
 * new trajectory of the demo client; the client answers a question,
 * chooses an option with the keyboard alone and finishes the session;
 * the professional reads the answers and gives feedback.  The library,
 * editor, preview, the client's module page (also with a refusal next to
 * its field), the professional's view and the client's export with the
 * module's answers are checked with axe.
 */
const assert = require('node:assert/strict');
const { tr } = require('./lib.js');

const SOURCE = [
	'@session Spanning herkennen',
	'@page text Welkom',
	'Stress is **gewoon** een signaal van je lijf.',
	'@page free Wat merk je?',
	'Wat merk je in je lijf als je gespannen bent?',
	'@page choice Hoe vaak?',
	'@option Elk uur',
	'@option Twee keer per dag',
	'@session Ontspannen',
	'@page assignment Een rustmoment',
	'Plan deze week drie rustmomenten.',
].join('\n');

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText } = d;
	const state = { mid: null, tid: null, rid: null };

	test('module: the professional writes, previews, publishes and gives a module', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/modules', 'module library');
		await page.fill('#f-title', 'Stress de baas');
		await submit(page, 'form[action="/modules"]');
		const m = /^\/modules\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after creating, at ${page.url()}`);
		state.mid = m[1];
		await page.fill('#f-source', SOURCE);
		await submit(page, `form[action^="/modules/${state.mid}?csrf="]`);
		await axe(page, 'module editor');
		await visit(page, `/modules/${state.mid}/preview?s=1`,
		    'module preview');
		assert.match(await page.locator('main').innerHTML(),
		    /<strong>gewoon<\/strong>/);
		await visit(page, `/modules/${state.mid}`, null);
		await submit(page, `form[action="/modules/${state.mid}/publish"]`);
		/* a new trajectory of the demo client, the module given guided */
		await visit(page, '/t/new', null);
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		await page.fill('#f-title', `Modules ${Date.now() % 100000}`);
		await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const t = /^\/t\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(t, `after creating, at ${page.url()}`);
		state.tid = t[1];
		await visit(page, `/t/${state.tid}/modules`,
		    'modules of a trajectory (professional)');
		await page.selectOption('#f-module', state.mid);
		await page.check('#f-timing-after');
		await submit(page, `form[action="/t/${state.tid}/modules"]`);
		const href = await page.locator('a[href^="/md/"]').first()
		    .getAttribute('href');
		state.rid = /\/md\/(\d+)/.exec(href)[1];
	});

	test('module: the client answers by keyboard, is told why an empty answer is refused, and finishes the session', async () => {
		assert.ok(state.rid, 'no module was given');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/md/${state.rid}`, 'module page (client)');
		assert.match(await mainText(page), /0 (?:of|van) 2 /);
		/* an empty answer: refused, the reason next to the field */
		const free = `form[action^="/md/${state.rid}/answer#p-1-2"]`;
		const no = await submit(page, free);
		assert.equal(no.status(), 400);
		assert.match(await mainText(page), tr('Please write your answer first.'));
		assert.equal(await page.getAttribute('#a-1-2',
		    'aria-describedby'), 'f-answer-error');
		await axe(page, 'module page with a refused answer (client)');
		await page.fill('#a-1-2', 'Mijn schouders worden stijf.');
		await submit(page, free);
		assert.match(await mainText(page), tr('Your answer was saved.'));
		/* the choice with the keyboard alone */
		const radio = page.locator('#a-1-3-2');
		await radio.focus();
		await page.keyboard.press('Space');
		assert.equal(await radio.isChecked(), true);
		await Promise.all([page.waitForNavigation(),
		    page.keyboard.press('Enter')]);
		assert.match(await mainText(page), tr('Your answer was saved.'));
		await submit(page, `form[action="/md/${state.rid}/finish?s=1"]`);
		assert.match(await mainText(page), /1 (?:of|van) 2 /);
		assert.match(await mainText(page), /(?:Next: session|Hierna: sessie) 2, Ontspannen/);
	});

	test('module: the professional reads the answers and gives feedback', async () => {
		assert.ok(state.rid, 'no module was given');
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, `/md/${state.rid}?s=1`,
		    'module page (professional)');
		const text = await mainText(page);
		assert.match(text, /Mijn schouders worden stijf\./);
		assert.match(text, /Twee keer per dag/);
		await page.fill('#f-feedback', 'Goed dat je het *merkt*.');
		await submit(page, `form[action="/md/${state.rid}/feedback?s=1"]`);
		assert.match(await mainText(page), tr('The feedback was sent.'));
		const client = await person('client');
		await visit(client.page, `/md/${state.rid}?s=1`, null);
		assert.match(await client.page.locator('main').innerHTML(),
		    /<em>merkt<\/em>/);
		/* the client's printable export holds the module's answers */
		await visit(client.page, `/t/${state.tid}/export`,
		    'printable export with a module');
		assert.match(await mainText(client.page), /Mijn schouders worden stijf\./);
	});
};
