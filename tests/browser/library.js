'use strict';
/*
 * library.js - issue 12's psycho-education library in the browser: the
 * professional writes an English article, publishes it, finds it by a
 * stemmed word ("worrying" finds "worries") and sends it to the client in
 * a message; the client opens it from the library link and keeps it in
 * their own list.  Plain forms, no script.  Every page is checked with
 * axe.  Search on both backends, other organisations and refusals are the
 * black-box suite's (tests/blackbox/library.py).
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, submit, mainText, shot, pathOf } = d;
	const state = { lid: null };

	global.INFUUS_REQUIRED_AXE = (global.INFUUS_REQUIRED_AXE || []).concat([
	    'library (professional)', 'library new item',
	    'library item (professional)', 'library search',
	    'library search, second page',
	    'library send', 'library item (client)', 'my library (client)']);

	async function loggedIn(who) {
		const p = await person(who);
		await p.page.goto(d.url('/'));
		if (new URL(p.page.url()).pathname === '/login')
			await d.login(p, '/');
		return p;
	}

	test('library: the professional writes, publishes and finds an article', async () => {
		const pro = await loggedIn('professional');
		const { page } = pro;
		await visit(page, '/library', 'library (professional)');
		await visit(page, '/library/new', 'library new item');
		await page.fill('#f-title', 'When worries keep you awake');
		await page.fill('#f-summary', 'Short steps for a calmer night.');
		await page.fill('#f-body', 'Many people lie awake with worries. ' +
		    'Write them down. Put the note away until the morning.\n\n' +
		    '- Breathe slowly\n- Keep the light low');
		await page.fill('#f-tags', 'sleep, worry');
		await page.selectOption('#f-lang', 'en');
		await submit(page, 'form[action^="/library?csrf="]');
		const m = /^\/library\/(\d+)\?saved=1$/.exec(pathOf(page));
		assert.ok(m, `after saving, at ${page.url()}`);
		state.lid = m[1];
		assert.match(await mainText(page), tr('Readability score:'));
		await submit(page, `form[action="/library/${state.lid}/publish"]`);
		await d.axe(page, 'library item (professional)');
		await shot(page, 'library-item');
		await visit(page, '/library?q=worrying', 'library search');
		assert.equal(await page.locator(
		    `#h-results ~ ul a[href="/library/${state.lid}"]`).count(), 1,
		    'the search for "worrying" does not list the article');
		/* A later page of results: its heading, and the way back by
		 * keyboard (a link, no script). */
		await visit(page, '/library?q=worrying&page=2',
		    'library search, second page');
		await page.locator('nav.pages a[rel="prev"]').focus();
		await page.keyboard.press('Enter');
		await page.waitForURL(/page=1$/);
		assert.equal(await page.locator(
		    `#h-results ~ ul a[href="/library/${state.lid}"]`).count(), 1,
		    'back on the first page, the article');
	});

	test('library: the professional sends it to the client, who keeps it', async () => {
		assert.ok(state.lid, 'no article was written');
		const pro = await person('professional');
		await visit(pro.page, `/library/${state.lid}/send`, 'library send');
		await submit(pro.page, `form[action="/library/${state.lid}/send"]`);
		assert.match(pathOf(pro.page), /^\/threads\/\d+\?sent=1/);
		const client = await loggedIn('client');
		const { page } = client;
		await visit(page, `/library/${state.lid}`, 'library item (client)');
		assert.match(await mainText(page), /When worries keep you awake/);
		await submit(page, `form[action="/library/${state.lid}/keep"]`);
		assert.equal(pathOf(page), '/my-library?kept=1');
		await d.axe(page, 'my library (client)');
		assert.equal(await page.locator(
		    `main a[href="/library/${state.lid}"]`).count(), 1,
		    'the kept article is not in the list');
		await shot(page, 'my-library');
	});
};
