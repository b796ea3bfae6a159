'use strict';
/*
 * assignments.js - the learning cycle in the browser (issue 11): the
 * professional gives an experiment on a learning question; the client
 * writes (saved as they type), hands it in; the professional finds it in
 * the queue and gives feedback; the client revises and sees both versions
 * side by side with the changes marked, then writes the practice report,
 * the reflection and the conclusion; the professional gives the next
 * experiment, and both see the question's timeline.  Every page is
 * checked with axe like the rest of the suite.
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText, shot, pathOf } = d;
	const st = { tid: null, aid: null, next: null };

	(global.INFUUS_REQUIRED_AXE = global.INFUUS_REQUIRED_AXE || []).push(
	    'assignments and learning cycle (professional)',
	    'assignment (client)', 'assignment with feedback (client)',
	    'assignment with a file on the draft (client)',
	    'assignment versions side by side (client)',
	    'learning cycle timeline (client)', 'assignment templates');

	test('assignments: the professional gives an experiment on a learning question', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/t/new', null);
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		await page.fill('#f-title', `Grenzen stellen ${Date.now() % 100000}`);
		await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const m = /^\/t\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after creating, at ${page.url()}`);
		st.tid = m[1];
		await page.fill('#f-question', 'Hoe zeg ik vaker nee op het werk?');
		await submit(page, `form[action="/t/${st.tid}/questions"]`);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/t/${st.tid}/assignments"]`)]);
		assert.equal(pathOf(page), `/t/${st.tid}/assignments`);
		await axe(page, 'assignments and learning cycle (professional)');
		const form = `form[action^="/t/${st.tid}/assignments?"]`;
		await page.fill(`${form} #f-title`, 'Een keer nee zeggen');
		await page.fill(`${form} #f-instructions`,
		    'Zeg deze week **een keer** nee tegen een extra klus.');
		await page.selectOption(`${form} #f-form`, 'experiment');
		await page.check('#f-tag-activist');
		await page.fill(`${form} #f-due`, '2099-01-31');
		await submit(page, form);
		assert.match(await mainText(page), tr('The assignment was given.'));
		const link = page.locator('ol.timeline a[href^="/assignments/"]').first();
		st.aid = /(\d+)$/.exec(await link.getAttribute('href'))[1];
		await visit(page, '/org/assignment-templates', 'assignment templates');
	});

	test('assignments: the client writes (saved as they type), comes back, and hands in', async () => {
		assert.ok(st.aid, 'no assignment was given');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/t/${st.tid}`, null);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/t/${st.tid}/assignments"]`)]);
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/assignments/${st.aid}"]`)]);
		await axe(page, 'assignment (client)');
		assert.match(await mainText(page), /een keer/);
		await page.fill('#f-body', 'Maandag heb ik nee gezegd tegen een extra klus.');
		/* assignment.js saves the draft within a few seconds. */
		await page.waitForFunction(() =>
		    document.getElementById('f-draft-status').textContent.length > 0,
		    null, { timeout: 15000 });
		await visit(page, `/assignments/${st.aid}`, null);
		assert.equal(await page.inputValue('#f-body'),
		    'Maandag heb ik nee gezegd tegen een extra klus.');
		/* A file saved with the draft, listed with its own button to
		 * take it off, then handed in with the work. */
		await page.setInputFiles('#f-att', { name: 'logboek.txt',
		    mimeType: 'text/plain',
		    buffer: Buffer.from('maandag: nee gezegd\n') });
		await submit(page, '#work-form', 'button[name=action][value=save]');
		assert.match(await mainText(page),
		    tr('Your work was saved. You can continue later.'));
		assert.equal(await page.locator(
		    'ul[aria-labelledby="h-draft-files"] a', { hasText: 'logboek.txt' })
		    .count(), 1, 'the draft\'s file is not listed');
		await axe(page, 'assignment with a file on the draft (client)');
		await submit(page, '#work-form', 'button[name=action][value=handin]');
		assert.match(await mainText(page), tr('Your work was handed in.'));
		assert.match(await mainText(page), tr('Handed in'));
		assert.equal(await page.locator('#v-1 a', { hasText: 'logboek.txt' })
		    .count(), 1, 'the file is not with version 1');
	});

	test('assignments: the professional finds it in the queue and gives feedback', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/queue', null);
		assert.equal(await page.locator(`a[href="/assignments/${st.aid}"]`)
		    .count(), 1, 'the handed-in work is not in the queue');
		await Promise.all([page.waitForNavigation(),
		    page.click(`a[href="/assignments/${st.aid}"]`)]);
		await page.fill('#f-feedback',
		    'Mooi begin! Hoe zeg je het de volgende keer **vriendelijk**?');
		await submit(page, `form[action^="/assignments/${st.aid}/feedback?"]`);
		assert.match(await mainText(page), tr('Your feedback was sent.'));
	});

	test('assignments: the client revises, sees the versions side by side, and goes through the cycle', async () => {
		const client = await person('client');
		const { page } = client;
		await visit(page, `/assignments/${st.aid}`, null);
		await axe(page, 'assignment with feedback (client)');
		assert.match(await mainText(page), /volgende keer/);
		await page.fill('#f-body',
		    'Dinsdag heb ik vriendelijk nee gezegd tegen een extra klus.');
		await submit(page, '#work-form', 'button[name=action][value=handin]');
		assert.equal(await page.locator('.sbs del').first().innerText(),
		    'Maandag');
		assert.match(await page.locator('.sbs ins').first().innerText(),
		    /Dinsdag/);
		await axe(page, 'assignment versions side by side (client)');
		await shot(page, 'assignment-versions');
		for (const text of ['Het lukte, al was het spannend.',
		    'Ik voelde me eerst schuldig, daarna opgelucht.',
		    'Nee zeggen mag; ik oefen het nu thuis.']) {
			await page.fill('#f-step', text);
			await submit(page, `form[action^="/assignments/${st.aid}/steps?"]`);
			assert.match(await mainText(page), new RegExp(text.slice(0, 12)));
		}
	});

	test('assignments: the next experiment follows the conclusion on the question\'s timeline', async () => {
		const pro = await person('professional');
		let page = pro.page;
		await visit(page, `/t/${st.tid}/assignments`, null);
		const form = `form[action^="/t/${st.tid}/assignments?"]`;
		await page.fill(`${form} #f-title`, 'Nee zeggen thuis');
		await page.fill(`${form} #f-instructions`, 'Probeer het thuis.');
		await submit(page, form);
		const client = await person('client');
		page = client.page;
		await visit(page, `/t/${st.tid}/assignments`,
		    'learning cycle timeline (client)');
		const text = await page.locator('ol.timeline').innerText();
		const at = (s) => text.indexOf(s);
		assert.ok(at('Een keer nee zeggen') >= 0, text);
		assert.ok(at('Het lukte') > at('Een keer nee zeggen'), text);
		assert.ok(at('opgelucht') > at('Het lukte'), text);
		assert.ok(at('Nee zeggen mag') > at('opgelucht'), text);
		assert.ok(at('Nee zeggen thuis') > at('Nee zeggen mag'), text);
		await page.click('section.question button[type=submit]');
		await page.waitForLoadState('load');
		assert.equal(await page.locator('ol.timeline li.answered').count(), 1,
		    'the question is not marked answered');
		await shot(page, 'learning-cycle');
	});
};
