'use strict';
/*
 * measures.js - a questionnaire filled in on a phone (issue 11).
 *
 * The professional gives the shipped PHQ-9 in a trajectory of the demo
 * client; the client, on a 360 px wide screen, fills it in one question a
 * screen with the keyboard alone (Space chooses, Enter goes on), stops
 * halfway and comes back to the saved answers, finishes, and reads the
 * score with its band beside the plot.  The fill-in, results, diary and
 * mood pages are checked with axe.
 */
const assert = require('node:assert/strict');



module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText, shot, pathOf } = d;
	const state = { tid: null, qid: null };

	test('questionnaire: the professional gives the PHQ-9 in a new trajectory', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/t/new', null);
		const opt = page.locator('#f-client option', { hasText: 'Kees Klant' });
		await page.selectOption('#f-client', await opt.getAttribute('value'));
		await page.fill('#f-title', `Metingen ${Date.now() % 100000}`);
		await submit(page, 'form[action="/t"]',
		    'button[type=submit]:not([name])');
		const m = /^\/t\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `after creating, at ${page.url()}`);
		state.tid = m[1];
		await visit(page, `/t/${state.tid}/measures`,
		    'questionnaires (professional)');
		await page.selectOption('#f-instrument', 'shipped:phq-9');
		await submit(page, `form[action="/t/${state.tid}/questionnaires"]`);
		const link = page.locator('a[href$="/results"]').first();
		const href = await link.getAttribute('href');
		state.qid = /\/q\/(\d+)\/results/.exec(href)[1];
	});

	test('questionnaire: the client fills it in on a phone by keyboard, resumes, and sees the score', async () => {
		assert.ok(state.qid, 'no questionnaire was given');
		const client = await person('client');
		const { page } = client;
		await page.setViewportSize({ width: 360, height: 740 });
		try {
			await visit(page, `/t/${state.tid}/measures`,
			    'questionnaires (client)');
			await Promise.all([page.waitForNavigation(),
			    page.click(`a[href="/q/${state.qid}"]`)]);
			await axe(page, 'questionnaire, one question (phone)');
			await shot(page, 'questionnaire-phone');
			const wide = await page.evaluate(() =>
			    document.documentElement.scrollWidth);
			assert.ok(wide <= 360, `the page is ${wide} px wide on a 360 px screen`);
			assert.equal(await page.locator('fieldset.item').count(), 1,
			    'more than one question on the phone page');
			/* answers 2,2,1,1,1,2,1,1,1: a total of 12 (moderate);
			 * after five, stop and come back */
			const answers = [2, 2, 1, 1, 1, 2, 1, 1, 1];
			for (let i = 0; i < answers.length; i++) {
				if (i === 5) {
					await visit(page, `/t/${state.tid}/measures`, null);
					await visit(page, `/q/${state.qid}?i=4`, null);
					assert.equal(await page.locator(
					    'input[name="a.q5"][value="1"]').isChecked(), true,
					    'the fifth answer was not kept');
					await visit(page, `/q/${state.qid}?i=5`, null);
				}
				const radio = page.locator(
				    `input[name="a.q${i + 1}"][value="${answers[i]}"]`);
				await radio.focus();
				await page.keyboard.press('Space');
				assert.equal(await radio.isChecked(), true,
				    `Space did not choose answer ${answers[i]} of question ${i + 1}`);
				await Promise.all([page.waitForNavigation(),
				    page.keyboard.press('Enter')]);
			}
			/* question 10 is optional: Enter finishes */
			assert.match(await mainText(page), /10/);
			const first = page.locator('input[name="a.q10"]').first();
			await first.focus();
			await Promise.all([page.waitForNavigation(),
			    page.keyboard.press('Enter')]);
			assert.match(pathOf(page), new RegExp(`^/q/${state.qid}/results`));
			assert.match(await mainText(page), /12/);
			assert.match(await mainText(page), /Moderate|Matig/);
			assert.equal(await page.locator('svg.plot title').count(), 1,
			    'no titled plot');
			await axe(page, 'questionnaire results (phone)');
			await shot(page, 'results-phone');
		} finally {
			await page.setViewportSize({ width: 1100, height: 900 });
		}
		await visit(page, `/q/${state.qid}/results`,
		    'questionnaire results (client)');
	});

	test('diary and mood meter: the client writes, the pages pass axe', async () => {
		assert.ok(state.tid, 'no trajectory');
		const client = await person('client');
		const { page } = client;
		await visit(page, `/t/${state.tid}/diary`, 'diary (client)');
		await page.fill('#f-body', 'Vandaag ging het beter.');
		await submit(page, `form[action^="/t/${state.tid}/diary"]`);
		assert.match(await mainText(page), /Vandaag ging het beter/);
		await visit(page, `/t/${state.tid}/mood`, 'mood meter (client)');
		await page.check('#m-7');
		await page.fill('#f-tags', 'sleep work');
		await submit(page, `form[action="/t/${state.tid}/mood"]`);
		assert.equal(await page.locator('svg.plot desc').count(), 1);
		await axe(page, 'mood meter with a mood (client)');
		/* a face, chosen with the keyboard alone: arrows move within
		 * the group, the fourth face ("good") is stored as 8 */
		await page.focus('#face-1');
		for (let i = 0; i < 3; i++)
			await page.keyboard.press('ArrowRight');
		assert.ok(await page.isChecked('#face-4'), 'face 4 not chosen');
		await page.fill('#f-note', 'face by keyboard');
		await page.focus('#f-note');
		await page.keyboard.press('Tab');
		await Promise.all([
			page.waitForNavigation({ waitUntil: 'load' }),
			page.keyboard.press('Enter'),
		]);
		await axe(page, 'mood meter with a face (client)');
		assert.match(await mainText(page), /: 8 face by keyboard/);
		const pro = await person('professional');
		await visit(pro.page, `/q/${state.qid}/results`,
		    'questionnaire results (professional)');
		await visit(pro.page, '/instruments', 'questionnaire library');
	});

	test('questionnaire: the professional builds one with the form, without script', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/instrument-builder', 'questionnaire builder');
		const form = 'form[action^="/instrument-builder"]';
		await page.fill('#f-b\\.title\\.nl', 'Gebouwd in de browser');
		await page.fill('#f-b\\.title\\.en', 'Built in the browser');
		await submit(page, form, 'button[value="add-item"]');
		assert.equal(await page.locator('fieldset.item').count(), 2,
		    'adding an item by its button');
		assert.equal(await page.inputValue('#f-b\\.title\\.en'),
		    'Built in the browser', 'the form kept over the round trip');
		/* saved with an item left empty: refused at its field, the
		 * error summary on top (axe-clean in that state too) */
		const resp = await submit(page, form, 'button[value="save"]');
		assert.equal(resp.status(), 400, 'an empty item refused');
		assert.equal(await page.getAttribute('#f-b\\.id', 'aria-invalid'),
		    'true', 'the refused field is marked');
		await axe(page, 'questionnaire builder with a refusal');
		await page.fill('#f-b\\.id', `browser-built-${Date.now() % 100000}`);
		await page.fill('#f-b\\.source', 'the browser test');
		await page.fill('#f-b\\.licence', 'free');
		for (const i of [0, 1]) {
			await page.fill(`#f-i\\.${i}\\.nl`, `Vraag ${i + 1}`);
			await page.fill(`#f-i\\.${i}\\.en`, `Question ${i + 1}`);
		}
		await page.check('#f-i\\.1\\.rev');
		await page.check('#f-c\\.0\\.i0');
		await page.check('#f-c\\.0\\.i1');
		await submit(page, form, 'button[value="check"]');
		await axe(page, 'questionnaire builder with its preview');
		assert.match(await mainText(page), /Question 2|Vraag 2/);
		await submit(page, form, 'button[value="save"]');
		assert.match(new URL(page.url()).pathname, /^\/instruments\/\d+$/,
		    `after saving, at ${page.url()}`);
	});
};
