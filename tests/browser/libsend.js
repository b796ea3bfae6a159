'use strict';
/*
 * libsend.js - a library item sent in an assignment or a module (issue
 * 12, the picker), and the library's film and sound pages, in the
 * browser.  The professional gives an assignment, opens its picker,
 * searches the library (a plain GET form, no script) and attaches an
 * article with the result's own button; the client reads it on the
 * assignment's page.  An author picks the same article into a module
 * session.  A video item and an audio item: the player reachable with
 * the keyboard, the transcript on the page.  Every page is checked with
 * axe.  Refusals and both backends are the black-box suite's
 * (tests/blackbox/libsend.py).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const L = require('./lib.js');
const { tr } = L;

/* A film (an MP4's ftyp box) and a sound (an MP3's ID3 tag): the media
 * store tells them by content. */
const FILM = Buffer.concat([Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'),
    crypto.randomBytes(2048)]);
const SOUND = Buffer.concat([Buffer.from('494433040000000000000', 'hex').subarray(0, 10),
    crypto.randomBytes(2048)]);

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText, pathOf } = d;
	const st = { lid: null, aid: null, mid: null, video: null, audio: null };
	const tag = Date.now() % 100000;

	(global.INFUUS_REQUIRED_AXE = global.INFUUS_REQUIRED_AXE || []).push(
	    'library picker (assignment)', 'library picker results (assignment)',
	    'library picker, item attached', 'assignment with a library item (client)',
	    'library picker (module)', 'module preview with a library item',
	    'library video item (client)', 'library audio item (client)',
	    'modules overview (professional)',
	    'module run with a date per session (professional)');

	async function write(page, title, body, kind, media) {
		await visit(page, '/library/new', null);
		await page.fill('#f-title', title);
		await page.fill('#f-summary', 'A short summary for the list.');
		await page.fill('#f-body', body);
		await page.selectOption('#f-lang', 'en');
		if (kind) {
			await page.selectOption('#f-kind', kind);
			await page.selectOption('#f-media', media);
		}
		await submit(page, 'form[action^="/library?csrf="]');
		const m = /^\/library\/(\d+)\?saved=1$/.exec(pathOf(page));
		assert.ok(m, `after saving, at ${page.url()}`);
		await submit(page, `form[action="/library/${m[1]}/publish"]`);
		return m[1];
	}

	async function upload(page, name, buffer) {
		await visit(page, '/org/media', null);
		await page.setInputFiles('#f-file', { name, buffer,
		    mimeType: 'application/octet-stream' });
		await submit(page, 'form[action^="/org/media"]');
		const href = await page.locator('main a[href^="/media/"]',
		    { hasText: name }).first().getAttribute('href');
		return /(\d+)$/.exec(href)[1];
	}

	test('library picker: the professional attaches an article to an assignment', async () => {
		const pro = await person('professional');
		const { page } = pro;
		st.lid = await write(page, `Quiet evenings ${tag}`,
		    'Switch off the screens an hour before bed. Lanternfish ' +
		    'swim deep; you can rest too.');
		await visit(page, '/t/new', null);
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		await page.fill('#f-title', `Rust ${tag}`);
		await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const tid = /^\/t\/(\d+)/.exec(pathOf(page))[1];
		st.tid = tid;
		await page.fill('#f-question', 'Hoe kom ik in de avond tot rust?');
		await submit(page, `form[action="/t/${tid}/questions"]`);
		await visit(page, `/t/${tid}/assignments`, null);
		const form = `form[action^="/t/${tid}/assignments?"]`;
		await page.fill(`${form} #f-title`, 'Lees en probeer');
		await page.fill(`${form} #f-instructions`, 'Lees het artikel.');
		await page.selectOption(`${form} #f-form`, 'reading');
		await submit(page, form);
		const link = page.locator('ol.timeline a[href^="/assignments/"]').last();
		st.aid = /(\d+)$/.exec(await link.getAttribute('href'))[1];
		await visit(page, `/assignments/${st.aid}`, null);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/assignments/${st.aid}/library"]`)]);
		await axe(page, 'library picker (assignment)');
		/* the search form by the keyboard: type, Enter */
		await page.focus('#f-q');
		await page.keyboard.type('lanternfish');
		await Promise.all([page.waitForNavigation(),
		    page.keyboard.press('Enter')]);
		assert.match(pathOf(page), /\?q=lanternfish/);
		await axe(page, 'library picker results (assignment)');
		const pick = `main form[action="/assignments/${st.aid}/library"]:has(input[name=item][value="${st.lid}"])`;
		assert.equal(await page.locator(pick).count(), 1,
		    'the article is not among the results with its button');
		await submit(page, pick);
		assert.match(await mainText(page),
		    tr('The item was attached to the assignment.'));
		await axe(page, 'library picker, item attached');
	});

	test('library picker: the client reads the article on the assignment', async () => {
		assert.ok(st.aid, 'no assignment was given');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/assignments/${st.aid}`,
		    'assignment with a library item (client)');
		assert.match(await mainText(page), /Lanternfish swim deep/);
		assert.equal(await page.locator(
		    `form[action="/library/${st.lid}/keep"]`).count(), 1);
	});

	test('library picker: an author picks the article into a module session', async () => {
		assert.ok(st.lid, 'no article was written');
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/modules', null);
		await page.fill('form[action="/modules"] #f-title', `Lezen ${tag}`);
		await submit(page, 'form[action="/modules"]');
		const mid = /^\/modules\/(\d+)/.exec(pathOf(page))[1];
		st.mid = mid;
		await page.fill('#f-source', '@session One\n@page text Hello\nHi.\n' +
		    '@session Two\n@page text More\nMore.\n');
		await submit(page, `form[action^="/modules/${mid}?csrf="]`);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/modules/${mid}/library"]`)]);
		await axe(page, 'library picker (module)');
		await page.fill('#f-q', 'lanternfish');
		await page.selectOption('#f-s', '1');
		await submit(page, 'main form[role=search]');
		await submit(page, `main form[action="/modules/${mid}/library"]:has(input[name=item][value="${st.lid}"])`);
		assert.match(await mainText(page),
		    tr('The item was added to the draft as a library page.'));
		await visit(page, `/modules/${mid}/preview?s=1`,
		    'module preview with a library item');
		assert.match(await mainText(page), /Lanternfish swim deep/);
	});

	test('module dates: the professional gives the module with a date per session and sets one', async () => {
		assert.ok(st.mid && st.tid, 'no module or trajectory');
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, `/modules/${st.mid}`, null);
		await submit(page, `form[action="/modules/${st.mid}/publish"]`);
		await visit(page, `/t/${st.tid}/modules`, null);
		await page.selectOption('#f-module', st.mid);
		await page.check('#f-timing-dates');
		await submit(page, `form[action="/t/${st.tid}/modules"]`);
		const href = await page.locator('main a[href^="/md/"]').last()
		    .getAttribute('href');
		await visit(page, href, 'module run with a date per session (professional)');
		await page.fill('#f-date', '2020-01-06');
		await page.fill('#f-time', '09:00');
		await submit(page, 'form[action*="/date?s="]');
		assert.match(await mainText(page), tr("The session's date was set."));
	});

	test('modules overview: the professional reaches it from the start page', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/', null);
		await Promise.all([page.waitForNavigation(),
		    page.click('main a[href="/overview/modules"]')]);
		await axe(page, 'modules overview (professional)');
		assert.match(await mainText(page), tr("Your clients' modules"));
	});

	async function tabTo(page, sel, max = 60) {
		for (let i = 0; i < max; i++) {
			await page.keyboard.press('Tab');
			if (await page.evaluate((s) =>
			    document.activeElement && document.activeElement.matches(s), sel))
				return true;
		}
		return false;
	}

	test('library media: a film and a sound item, the player by keyboard, the transcript shown', async () => {
		const pro = await person('professional');
		const film = await upload(pro.page, `film-${tag}.mp4`, FILM);
		const sound = await upload(pro.page, `sound-${tag}.mp3`, SOUND);
		st.video = await write(pro.page, `Breathing film ${tag}`,
		    'Transcript: breathe in for four counts, out for six.',
		    'video', film);
		st.audio = await write(pro.page, `Sea sound ${tag}`,
		    'Transcript: the sound of waves on a quiet beach.',
		    'audio', sound);
		const client = await person('client');
		const { page } = client;
		for (const [id, el, label, text] of [
		    [st.video, 'video', 'library video item (client)', /breathe in for four counts/],
		    [st.audio, 'audio', 'library audio item (client)', /waves on a quiet beach/]]) {
			await visit(page, `/library/${id}`, label);
			const player = `main ${el}[controls]`;
			assert.equal(await page.locator(player).count(), 1,
			    `no ${el} player with controls`);
			assert.match(await page.locator('#item-text').innerText(), text,
			    'the transcript is not on the page');
			assert.equal(await page.getAttribute(player, 'aria-describedby'),
			    'item-text', 'the player does not name its transcript');
			/* from the top of the page, Tab reaches the player and the
			 * button to keep the item */
			await page.evaluate(() => document.activeElement &&
			    document.activeElement.blur());
			assert.ok(await tabTo(page, `${el}`),
			    `the ${el} player is not reachable with Tab`);
			assert.ok(await tabTo(page, `form[action="/library/${id}/keep"] button`),
			    'the keep button is not reachable with Tab after the player');
		}
	});
};
