'use strict';
/*
 * packages.js - module packages in the browser (issue 12): on the modules
 * page a professional imports an example package with the file field
 * alone (no script) and lands on the imported module, published; its
 * preview shows the media page's image with its text alternative; a file
 * that is no package comes back with the reason next to the field.  Each
 * state is checked with axe like the rest of the suite.  An administrator
 * adds the example modules with one button.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib.js');
const { tr } = L;

module.exports = function register(d) {
	const { test, person, visit, axe, submit, mainText } = d;

	(global.INFUUS_REQUIRED_AXE = global.INFUUS_REQUIRED_AXE || []).push(
	    'modules with import', 'module imported', 'imported module preview',
	    'package import refused', 'modules (admin)', 'examples added');

	test('packages: an example package imported on the modules page, a bad one refused with its reason', async () => {
		const pro = await person('professional');
		const { page } = pro;
		const zip = fs.readFileSync(path.join(process.env.INFUUS_BUILD,
		    'stress-recovery-en.zip'));
		await visit(page, '/modules', 'modules with import');
		await page.setInputFiles('#f-package', { name: 'stress.zip',
		    mimeType: 'application/zip', buffer: zip });
		await submit(page, 'form[action^="/module-packages"]');
		assert.match(await mainText(page),
		    tr('The package was imported and published as version 1.'));
		await axe(page, 'module imported');
		const url = new URL(page.url());
		await visit(page, url.pathname + '/preview?s=1',
		    'imported module preview');
		const alt = await page.getAttribute('main img[src^="/media/"]',
		    'alt');
		assert.ok(alt && alt.length > 10, 'the image has its alternative');
		await visit(page, '/modules', 'modules with import');
		await page.setInputFiles('#f-package', { name: 'notes.zip',
		    mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
		await submit(page, 'form[action^="/module-packages"]');
		assert.equal(await page.getAttribute('#f-package', 'aria-invalid'),
		    'true');
		assert.ok((await page.textContent('#f-package-error')).length > 10);
		await axe(page, 'package import refused');
	});

	test('packages: the administrator adds the example modules with one button', async () => {
		const admin = await person('admin');
		const { page } = admin;
		await visit(page, '/modules', 'modules (admin)');
		await submit(page, 'form[action="/module-packages/examples"]');
		assert.match(await mainText(page),
		    tr('The example modules were added and published.'));
		await axe(page, 'examples added');
	});
};
