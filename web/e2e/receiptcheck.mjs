// Checks files against receipts on a receipt page of a running opname in
// headless Chromium, as a signed-in person: for each case the page's
// receipt is answered with the case's receipt (or, without one, the real
// receipt is fetched), the case's file is chosen, and the page's verdict
// is printed. Last it drops a file on the check, in Dutch and in English,
// and runs axe-core's WCAG 2.1 A and AA rules on the page with its verdict.
// Prints one JSON line per case and per axe run; exits 1 on an error or a
// violation.
//
//   node receiptcheck.mjs BASE_URL SESSION_COOKIE_NAME SESSION_SECRET PAGE_PATH CASES_JSON
//
// CASES_JSON is a file of [{"name", "receipt" (JSON text or ""), "file" (a path)}].
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [base, cookieName, secret, path, casesPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

async function newContext(lang, bypassCSP) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP });
  const url = new URL(base);
  await context.addCookies([{ name: 'lang', value: lang, domain: url.hostname, path: '/' },
    { name: cookieName, value: secret, domain: url.hostname, path: '/' }]);
  return context;
}

// open loads the page, answering its receipt request with receipt.
async function open(context, receipt) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  if (receipt) {
    await page.route('**/api/v1/recordings/*/receipt', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: receipt }));
  }
  await page.goto(base + path);
  await page.locator('[data-receipt-check]').waitFor({ state: 'visible', timeout: 30000 });
  return page;
}

async function verdict(page) {
  await page.waitForFunction(() => ['match', 'mismatch', 'error'].includes(document.querySelector('[data-check-result]').dataset.verdict), null, { timeout: 60000 });
  return page.locator('[data-check-result]').evaluate((r) => ({ verdict: r.dataset.verdict, step: r.dataset.step, text: r.innerText }));
}

let failed = false;
try {
  // The cases run with the page's own Content-Security-Policy, which must
  // let the SHA-256 (WebAssembly) run.
  const context = await newContext('nl', false);
  for (const c of cases) {
    const page = await open(context, c.receipt);
    await page.setInputFiles('#receipt-check-file', c.file);
    console.log(JSON.stringify({ case: c.name, ...(await verdict(page)) }));
    await page.close();
  }
  await context.close();

  // A file dropped on the check, then axe on the page with its verdict.
  for (const lang of ['nl', 'en']) {
    const context = await newContext(lang, true); // bypassCSP lets axe be injected
    const page = await open(context, '');
    const c = cases[0];
    const data = readFileSync(c.file).toString('base64');
    const dt = await page.evaluateHandle(({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))], name));
      return dt;
    }, { name: basename(c.file), data });
    await page.dispatchEvent('[data-receipt-check]', 'drop', { dataTransfer: dt });
    const dropped = await verdict(page);
    console.log(JSON.stringify({ case: 'dropped ' + lang, ...dropped }));
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () => await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
    if (violations.length > 0) failed = true;
    console.log(JSON.stringify({ axe: lang, violations }));
    await context.close();
  }
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
