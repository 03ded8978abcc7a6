// Visits pages of a running opname in headless Chromium, as a signed-in
// person, and runs axe-core's WCAG 2.1 A and AA rules on each, in Dutch and
// in English, at laptop, tablet and phone size; a page wider than the
// screen (WCAG 1.4.10, reflow) counts as a violation too. Prints one JSON
// line per page and exits 1 when any page has a violation.
//
//   node a11y.mjs BASE_URL SESSION_COOKIE_NAME SESSION_SECRET PATH...
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [base, cookieName, secret, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failed = false;
try {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 768, height: 1024 }, { width: 375, height: 812 }]) {
    for (const lang of ['nl', 'en']) {
      // bypassCSP lets axe be injected; opname's own pages allow no inline script.
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const url = new URL(base);
      const cookies = [{ name: 'lang', value: lang, domain: url.hostname, path: '/' }];
      if (secret) cookies.push({ name: cookieName, value: secret, domain: url.hostname, path: '/' });
      await context.addCookies(cookies);
      const page = await context.newPage();
      for (const path of paths) {
        const resp = await page.goto(base + path);
        // Pages with scripts mark themselves busy until their first
        // requests are answered and the page is complete.
        await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'), null, { timeout: 30000 });
        await page.addScriptTag({ path: axePath });
        const result = await page.evaluate(async () => await axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }));
        const violations = result.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
        }));
        // Nothing may stick out past the screen's edge, so that nobody
        // has to scroll sideways to read a line.
        const wide = await page.evaluate(() => {
          const edge = document.documentElement.clientWidth;
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > edge + 1 && !e.closest('[hidden], .visually-hidden'))
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''));
        });
        if (wide.length > 0) violations.push({ id: 'reflow', impact: 'serious', help: 'The page is wider than the screen', nodes: wide.slice(0, 5) });
        if (violations.length > 0) failed = true;
        console.log(JSON.stringify({ path, lang, width: viewport.width, status: resp.status(), url: page.url(), violations }));
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
