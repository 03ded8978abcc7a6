// Visits pages of a running opname in headless Chromium, as a signed-in
// person, and runs axe-core's WCAG 2.1 A and AA rules on each, in Dutch and
// in English, at laptop and tablet size. Prints one JSON line per page and
// exits 1 when any page has a violation.
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
  for (const viewport of [{ width: 1280, height: 900 }, { width: 768, height: 1024 }]) {
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
        await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'), null, { timeout: 10000 });
        await page.addScriptTag({ path: axePath });
        const result = await page.evaluate(async () => await axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }));
        const violations = result.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
        }));
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
