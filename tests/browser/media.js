'use strict';
/*
 * media.js - the organisation's media page in the browser (issue 12): the
 * professional uploads an image with the file field alone (no script), sees
 * it listed and opens it; a file whose name says PNG but holds something
 * else comes back with the reason next to the field.  Both pages are
 * checked with axe like the rest of the suite.
 */
const assert = require('node:assert/strict');
const L = require('./lib.js');
const { tr } = L;

/* A 1x1 PNG. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806' +
    '0000001f15c4890000000d49444154789c6360000002000001e221bc33000000004945' +
    '4e44ae426082', 'hex');

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText } = d;

	(global.INFUUS_REQUIRED_AXE = global.INFUUS_REQUIRED_AXE || []).push(
	    'media list', 'media upload refused');

	test('media: a professional uploads an image and a mislabelled file is refused with its reason', async () => {
		const pro = await person('professional');
		const { page } = pro;
		await visit(page, '/org/media', 'media list');
		const name = `dot-${Date.now() % 100000}.png`;
		await page.setInputFiles('#f-file', { name, mimeType: 'image/png',
		    buffer: PNG });
		await submit(page, 'form[action^="/org/media"]');
		assert.match(await mainText(page), tr('The file was stored.'));
		const link = page.locator('main a[href^="/media/"]', { hasText: name });
		const href = await link.getAttribute('href');
		const resp = await page.request.get(new URL(href, page.url()).href);
		assert.equal(resp.status(), 200);
		assert.equal(resp.headers()['content-type'], 'image/png');
		await page.setInputFiles('#f-file', { name: 'song.png',
		    mimeType: 'image/png', buffer: Buffer.from('ID3\x03\0\0\0\0\0\0') });
		await submit(page, 'form[action^="/org/media"]');
		assert.match(await mainText(page), /song\.png/);
		assert.equal(await page.getAttribute('#f-file', 'aria-invalid'), 'true');
		await axe(page, 'media upload refused');
	});
};
