// Walks the client's side in headless Chromium at phone size (390×844,
// touch): a staff member gives a personal link on the client's page and
// reads its code from the print page, then the person it is for opens it
// on their phone in a fresh browser, as they would from the paper. One
// journey per shipped policy announces a recording and sees the policy's
// decision; a parent answers a consent question at Veilig Thuis; a client
// confirms agreements; at Blijf Groep, once the staff member said yes and
// the manager approved, the client confirms the declaration for a video; a
// client downloads a copy of a recording the organisation made, checks it
// on the page against its receipt, and a copy with a flipped byte fails;
// a client gives a copy of their own recording, over a connection that
// breaks off halfway and goes on; the quick exit leaves (Esc, and the plain link without JavaScript); a
// holder stops their link. axe-core (WCAG 2.1 A and
// AA) runs on every page, and a client's page wider than the phone's
// screen fails too. Prints one JSON line per step; exits 1 on a failure.
// Every page it visits is printed too (a "page" step with its HTML), for
// the test to check that a Dutch page has no English and an English page
// no Dutch.
//
//   node client.mjs BASE_URL SESSION_COOKIE_NAME LANG JOURNEYS_JSON
//
// LANG is nl or en. JOURNEYS_JSON is [{"name", "policy", "client",
// "staff", "manager", "also", "copy_conversation", "copy_file"}]: the name
// is vt-parent, or else the journey announces a recording at policy and
// goes on with the parts in also (agreements, copy, give-copy,
// declaration, quick-exit, stop-link); staff is a session secret of a
// staff member assigned to the client, manager one of a manager (for
// declaration). For copy, the client has one recording the organisation
// made; for give-copy, the organisation asks for the client's own copy of
// copy_conversation, and copy_file is that copy on the phone.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [base, cookieName, lang, journeysJSON] = process.argv.slice(2);
const journeys = JSON.parse(journeysJSON);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

// The words the journeys click and look for, in the language of the page.
const words = {
  nl: {
    where: 'Waar', open: 'Gesprek openen', when: 'Wanneer', ask: 'Bekijk wat het beleid zegt',
    party: 'Voor wie is de link?', linkName: 'Naam (mag leeg)', give: 'Link maken',
    code: 'Code', next: 'Verder', pinNew: 'Nieuwe pincode', pinAgain: 'Nog een keer dezelfde pincode', pinSave: 'Pincode bewaren',
    announce: 'Laten weten', send: 'Antwoord sturen', unknown: 'Deze code werkt niet',
    byLink: 'via de persoonlijke link', agreed: 'De afspraken zijn vastgelegd', consent: 'toestemming',
    stopFold: 'Deze link stoppen', stop: 'Link stoppen', stopped: 'De link is gestopt', exit: 'Snel weg',
    announced: 'Uw contactpersoon ziet het nu ook', saved: 'Uw antwoord is bewaard',
    answer: 'Antwoord bewaren', assessment: 'Uw beoordeling', consulted: "Met welke collega's heeft u overlegd?", toManager: 'Naar de manager sturen',
    reasons: 'Redenen (dit komt in het dossier)', decide: 'Besluit vastleggen', decided: 'De manager heeft besloten',
    ready: 'Het opnemen kan beginnen', matches: 'Het klopt', fileStep: 'Stap 1 van 3, het bestand',
    copyDone: 'Ontvangen. Uw opname is veilig bewaard.',
  },
  en: {
    where: 'Where', open: 'Open the conversation', when: 'When', ask: 'See what the policy says',
    party: 'Who is the link for?', linkName: 'Name (may be empty)', give: 'Make a link',
    code: 'Code', next: 'Continue', pinNew: 'New PIN', pinAgain: 'The same PIN again', pinSave: 'Save the PIN',
    announce: 'Let them know', send: 'Send the answer', unknown: 'This code does not work',
    byLink: 'through the personal link', agreed: 'The agreements are recorded', consent: 'consent',
    stopFold: 'Stop this link', stop: 'Stop the link', stopped: 'The link is stopped', exit: 'Leave quickly',
    announced: 'Your contact person sees it now too', saved: 'Your answer is saved',
    answer: 'Save the answer', assessment: 'Your assessment', consulted: 'Which colleagues did you consult?', toManager: 'Send to the manager',
    reasons: 'Reasons (this goes into the file)', decide: 'Record the decision', decided: 'The manager decided',
    ready: 'Recording can start', matches: 'It matches', fileStep: 'Step 1 of 3, the file',
    copyDone: 'Received. Your recording is stored safely.',
  },
}[lang];

// The neutral site the quick exit leads to.
const exitURL = 'https://www.buienradar.nl/';

const started = Date.now();
const step = (journey, name, facts = {}) => console.log(JSON.stringify({ journey, step: name, ms: Date.now() - started, ...facts }));
function check(ok, what) {
  if (!ok) throw new Error(what);
}

const url = new URL(base);
const langCookie = { name: 'lang', value: lang, domain: url.hostname, path: '/' };
const locale = lang === 'nl' ? 'nl-NL' : 'en-GB';

// staffPage is a signed-in staff member's browser, on a tablet.
async function staffPage(secret) {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true, bypassCSP: true, locale });
  await context.addCookies([{ name: cookieName, value: secret, domain: url.hostname, path: '/' }, langCookie]);
  return context.newPage();
}

// phone is a fresh browser on a phone, as the holder of a link has.
async function phone(options = {}) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true, locale, ...options,
  });
  await context.addCookies([langCookie]);
  // No request leaves the machine: the quick exit's site is answered here.
  await context.route(exitURL + '**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>Weer</title><p>Weer</p>' }));
  return context.newPage();
}

// axe checks the page it is on, and hands its HTML to the test. On a
// phone, nothing may stick out past the screen's edge either. A page the
// same as one checked before but for its ids, times and form tokens (the
// form to type a code, in each journey) is not checked again, and the
// staff's pages, which the staff's journeys check, are checked once a run
// (once names which).
const checked = new Set();
async function axe(page, journey, { phone = false, once = '' } = {}) {
  const path = new URL(page.url()).pathname;
  const html = await page.content();
  step(journey, 'page', { path, html });
  const same = once || html.replace(/\b[a-z2-7]{26}\b/g, 'ID').replace(/name="formulier" value="[^"]*"/g, '')
    .replace(/\d{1,2}[:.]\d{2}/g, 'TIME').replace(/\d+/g, 'N');
  if (checked.has(same)) return;
  checked.add(same);
  // SCREENSHOTS=dir keeps a picture of each page checked, to look at.
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/${lang}-${checked.size}-${journey}.png`, fullPage: true });
  const t0 = Date.now();
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const ids = result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
  if (phone) {
    const wide = await page.evaluate(() => {
      const edge = document.documentElement.clientWidth;
      return [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > edge + 1 && !e.closest('[hidden], .visually-hidden, details:not([open])'))
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''));
    });
    if (wide.length > 0) ids.push('reflow: wider than the screen: ' + wide.slice(0, 5).join(', '));
  }
  check(ids.length === 0, `axe on ${path}: ${ids.join('; ')}`);
  step(journey, 'axe', { path, took: Date.now() - t0 });
}

async function submit(page, name, scope = page) {
  await Promise.all([page.waitForLoadState('load'), scope.getByRole('button', { name, exact: true }).click()]);
  await page.waitForLoadState('load');
  const title = await page.evaluate(() => document.title);
  check(!/internal error|interne fout/i.test(title), `after "${name}": ${title}`);
}

const bodyText = async (page) => (await page.locator('main').innerText());

// tomorrow is the value of a datetime-local field a day from now.
function tomorrow() {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T10:00`;
}

// conversation opens a planned conversation of the client with the
// participants of the given roles besides the client and the staff
// member, and returns its address.
async function conversation(staff, j, others = []) {
  await staff.goto(`${base}/clienten/${j.client}/gesprekken`);
  await staff.locator('#wanneer').fill(tomorrow());
  await staff.getByLabel(words.where, { exact: true }).selectOption('home_visit');
  for (const [i, role] of others.entries()) await staff.locator(`#rol${i}`).selectOption(role);
  await submit(staff, words.open);
  check(staff.url().includes('/gesprekken/'), 'no conversation page after opening');
  return staff.url();
}

// giveLink makes a personal link for party on the client's page and reads
// its code from the print page. A code that has neither a 1 nor a 0 has
// no look-alike to type, so the staff member makes another.
async function giveLink(staff, j, party) {
  for (let tries = 0; tries < 10; tries++) {
    await staff.goto(`${base}/clienten/${j.client}`);
    await axe(staff, j.name, { once: 'client' });
    await staff.getByLabel(words.party, { exact: true }).selectOption(party);
    await submit(staff, words.give);
    const code = (await staff.locator('.link-code').innerText()).trim();
    check(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5}){5}$/.test(code), `the print page shows no code: ${code}`);
    check(await staff.locator('img.qr').count() === 1, 'the print page has no QR code');
    await axe(staff, j.name, { once: 'print' });
    if (/[01]/.test(code)) {
      step(j.name, 'link given', { party });
      return code;
    }
  }
  throw new Error('ten codes without a 1 or a 0');
}

// typed is the code as someone types it from paper: in lower case, with
// spaces for dashes, and a look-alike letter for a digit.
function typed(code) {
  const t = code.includes('1') ? code.replace('1', 'l') : code.replace('0', 'o');
  return t.toLowerCase().replaceAll('-', ' ');
}

const pinAsked = { 'veilig-thuis-utrecht': true, 'blijf-groep': true };

// openLink types the code at /l on a fresh phone, chooses a PIN where the
// organisation asks one, and arrives at the holder's home page.
async function openLink(j, code, options) {
  const page = await phone(options);
  await page.goto(`${base}/l`);
  await axe(page, j.name, { phone: true });
  await page.getByLabel(words.code, { exact: true }).fill(typed(code));
  await submit(page, words.next);
  const path = new URL(page.url()).pathname;
  if (pinAsked[j.policy]) {
    check(path === '/l/pin', `no PIN asked at ${j.policy}: ${path}`);
    await axe(page, j.name, { phone: true });
    await page.getByLabel(words.pinNew, { exact: true }).fill('48151');
    await page.getByLabel(words.pinAgain, { exact: true }).fill('48151');
    await submit(page, words.pinSave);
  } else {
    check(path !== '/l/pin', `a PIN is asked at ${j.policy}`);
  }
  check(new URL(page.url()).pathname === '/l/gesprekken', `the link does not open: ${page.url()}: ${await bodyText(page)}`);
  await axe(page, j.name, { phone: true });
  step(j.name, 'opened', { typed: typed(code) });
  return page;
}

// openConversation goes from the home page to the conversation at (the
// staff's address of it).
async function openConversation(page, j, at) {
  const id = at.split('/').pop();
  await Promise.all([page.waitForLoadState('load'), page.locator(`main a[href="/l/gesprekken/${id}"]`).click()]);
  check(new URL(page.url()).pathname === `/l/gesprekken/${id}`, 'the conversation does not open');
  // axe checks this page once something was announced on it.
  step(j.name, 'page', { path: new URL(page.url()).pathname, html: await page.content() });
}

// section is the holder's part of the page about one request.
const section = (page, what) => page.locator('section.link-request', { has: page.getByRole('heading', { name: what }) });

// staffRequest opens the staff's page of the request the holder sees as
// what ("Recording by you, audio"), and returns the request's outcome.
async function staffRequest(staff, j, at, what) {
  await staff.goto(at);
  await axe(staff, j.name, { once: 'conversation' });
  // The staff see who records by role: the part after "by you" is the same.
  const medium = what.replace(/^[^,]*,/, '');
  const line = staff.locator('section[aria-labelledby="requests"] li', { hasText: medium });
  check(await line.count() === 1, `the staff's conversation page does not show "${medium}": ${await bodyText(staff)}`);
  await Promise.all([staff.waitForLoadState('load'), line.getByRole('link').click()]);
  await axe(staff, j.name, { once: 'request' });
  return (await staff.locator('#outcome .utrecht-status-badge').innerText()).trim();
}

// announce announces a recording of medium on the holder's conversation
// page, and returns what the page says of it: the request's heading, the
// outcome and its explanation.
async function announce(page, j, medium) {
  const before = await page.locator('section.link-request').count();
  await page.locator(`label[for="medium-${medium}"]`).click();
  await submit(page, words.announce);
  check(await page.locator('section.link-request').count() === before + 1, `no request after announcing: ${await bodyText(page)}`);
  check((await bodyText(page)).includes(words.announced), 'the page does not say the announcement was received');
  await axe(page, j.name, { phone: true });
  const s = page.locator('section.link-request').last();
  const what = (await s.getByRole('heading', { level: 2 }).innerText()).trim();
  const outcome = (await s.locator('.status__outcome .utrecht-status-badge').innerText()).trim();
  const explanation = (await s.locator('.utrecht-alert__message p').nth(1).innerText()).trim();
  check(outcome !== '' && explanation.length > 20, `no decision or explanation shown: ${outcome} / ${explanation}`);
  return { what, outcome, explanation };
}

// The journeys: each is a policy's announcement, or the parent's answer,
// and some go on with more (also) on the same phone.
const walk = {
  // The client announces a recording on their phone and sees the
  // decision, the same the staff's request page shows.
  async announce(j) {
    const staff = await staffPage(j.staff);
    const at = await conversation(staff, j);
    const code = await giveLink(staff, j, 'client');
    const page = await openLink(j, code);
    await openConversation(page, j, at);
    const medium = j.policy === 'blijf-groep' ? 'video' : 'audio';
    const seen = await announce(page, j, medium);
    step(j.name, 'announced', { medium, outcome: seen.outcome });
    const outcome = await staffRequest(staff, j, at, seen.what);
    check(outcome === seen.outcome, `the client sees "${seen.outcome}", the staff "${outcome}"`);
    check((await bodyText(staff)).includes(seen.explanation), 'the staff see another explanation');
    step(j.name, 'done');
    for (const more of j.also || []) {
      await also[more]({ j, staff, at, code, page, seen });
      step(j.name, 'done', { part: more });
    }
  },
  // Veilig Thuis: the organisation wants to record a conversation with
  // the client and a parent; the parent says yes on their phone.
  async 'vt-parent'(j) {
    const staff = await staffPage(j.staff);
    const at = await conversation(staff, j, ['parent']);
    await staff.locator('#wie').selectOption('1');
    await staff.locator('label[for="wat-audio"]').click();
    await submit(staff, words.ask);
    const request = staff.url();
    check(request.includes('/verzoeken/'), 'no request page after asking');
    check((await staff.locator('#outcome').innerText()).includes(words.consent), 'the parent is not asked');
    const code = await giveLink(staff, j, 'parent');
    const page = await openLink(j, code);
    check(await page.locator('main [role="status"]').count() === 1, 'the home page does not say a question waits');
    await openConversation(page, j, at);
    const form = page.locator('form[action$="/antwoord"]');
    check(await form.count() === 1, `the parent is not asked on their page: ${await bodyText(page)}`);
    await form.locator('label[for^="ja-"]').click();
    await submit(page, words.send, form);
    check((await bodyText(page)).includes(words.saved), 'the page does not say the answer was saved');
    await axe(page, j.name, { phone: true });
    await staff.goto(request);
    await axe(staff, j.name, { once: 'request' });
    const answers = (await bodyText(staff)).toLowerCase();
    check(answers.includes(words.byLink), `the staff's request page does not show the answer by link: ${answers}`);
    step(j.name, 'done');
  },
};

// also are the parts a journey goes on with after the announcement.
const also = {
  // The agreements of the announced recording are open: the client
  // confirms them on the phone, and the staff's request page shows it.
  async agreements({ j, staff, at, page, seen }) {
    const form = page.locator('form[action$="/afspraken"]');
    check(await form.count() === 1, `no agreements to confirm: ${await bodyText(page)}`);
    await form.locator('label[for^="akkoord-"]').click();
    await submit(page, words.send, form);
    check((await bodyText(page)).includes(words.saved), 'the page does not say the answer was saved');
    await axe(page, j.name, { phone: true });
    await staffRequest(staff, j, at, seen.what);
    check((await bodyText(staff)).includes(words.agreed), `the staff's request page does not show the agreements: ${await bodyText(staff)}`);
  },
  // Blijf Groep's video procedure, in the policy's order: each staff
  // member of the conversation says yes to images of themselves, the
  // request goes to the manager, the manager approves in writing, and then
  // the client confirms the declaration with the agreements on the phone;
  // the video may start, and the staff's request page says so.
  async declaration({ j, staff, at, page, seen }) {
    const request = staff.url();
    check(request.includes('/verzoeken/'), `the staff are not on the request page: ${request}`);
    for (let i = 0; i < 5 && await staff.locator('label[for^="medewerker-ja"]').count() > 0; i++) {
      const yes = staff.locator('label[for^="medewerker-ja"]').first();
      const id = await yes.getAttribute('for');
      await yes.click();
      await submit(staff, words.answer, staff.locator('form', { has: staff.locator(`#${id}`) }));
    }
    await staff.getByLabel(words.assessment).fill('Cliënte wil het gesprek terugkijken met haar advocaat.');
    await staff.getByLabel(words.consulted).fill('Team Noord');
    await submit(staff, words.toManager);
    await axe(staff, j.name, { once: 'request' });
    const manager = await staffPage(j.manager);
    await manager.goto(request);
    await manager.locator('label[for="besluit-ja"]').click();
    await manager.getByLabel(words.reasons).fill('Twee medewerkers zijn erbij; het belang van cliënte weegt zwaar.');
    await submit(manager, words.decide);
    check((await bodyText(manager)).includes(words.decided), `the decision is not recorded: ${await bodyText(manager)}`);
    await axe(manager, j.name, { once: 'decided' });
    await manager.context().close();
    await page.reload();
    const form = section(page, seen.what).locator('form[action$="/afspraken"]');
    check(await form.count() === 1, `no declaration to confirm: ${await bodyText(page)}`);
    await form.locator('label[for^="akkoord-"]').click();
    await submit(page, words.send, form);
    check((await bodyText(page)).includes(words.saved), 'the page does not say the answer was saved');
    await axe(page, j.name, { phone: true });
    await staffRequest(staff, j, at, seen.what);
    const said = await bodyText(staff);
    check(said.includes(words.agreed) && said.includes(words.ready), `the staff's request page does not show the declaration confirmed and the video ready: ${said}`);
  },
  // A recording the organisation made of an earlier conversation is on
  // the holder's page of copies: in another tab they open it, download
  // it, and choose the downloaded file on the page's check, which matches
  // it against the receipt in the browser; the same file with one byte
  // flipped, dropped on the check, fails at the file.
  async copy({ j, page }) {
    const tab = await page.context().newPage();
    await tab.goto(`${base}/l/gesprekken`);
    await Promise.all([tab.waitForLoadState('load'), tab.locator('main a[href="/l/opnames"]').click()]);
    await axe(tab, j.name, { phone: true });
    const items = tab.locator('main a[href^="/l/opnames/"]');
    check(await items.count() === 1, `the holder does not see the one recording: ${await bodyText(tab)}`);
    await Promise.all([tab.waitForLoadState('load'), items.click()]);
    const checker = tab.locator('[data-receipt-check]');
    await checker.waitFor({ state: 'visible', timeout: 30000 });
    const [download] = await Promise.all([tab.waitForEvent('download'), tab.locator('main a[href$="/inhoud?download=1"]').click()]);
    const name = download.suggestedFilename();
    const data = readFileSync(await download.path());
    check(data.length > 44 && data.subarray(0, 4).toString() === 'RIFF', `the download is not the recording: ${name}, ${data.length} bytes`);
    const verdict = async () => {
      await tab.waitForFunction(() => ['match', 'mismatch', 'error'].includes(document.querySelector('[data-check-result]').dataset.verdict), null, { timeout: 60000 });
      return tab.locator('[data-check-result]').evaluate((r) => ({ verdict: r.dataset.verdict, step: r.dataset.step, text: r.innerText }));
    };
    await tab.setInputFiles('#receipt-check-file', { name, mimeType: 'audio/wav', buffer: data });
    const original = await verdict();
    check(original.verdict === 'match' && original.text.includes(words.matches) && original.text.includes(name),
      `the downloaded file does not match its receipt: ${JSON.stringify(original)}`);
    await axe(tab, j.name, { phone: true });
    const flipped = Buffer.from(data);
    flipped[flipped.length >> 1] ^= 1;
    await tab.locator('[data-check-result]').evaluate((r) => { r.dataset.verdict = ''; });
    const dt = await tab.evaluateHandle(({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))], name));
      return dt;
    }, { name, data: flipped.toString('base64') });
    await checker.dispatchEvent('drop', { dataTransfer: dt });
    const changed = await verdict();
    check(changed.verdict === 'mismatch' && changed.step === 'file' && changed.text.includes(words.fileStep),
      `a copy with a flipped byte: ${JSON.stringify(changed)}`);
    await axe(tab, j.name, { phone: true });
    step(j.name, 'checked', { file: name, size: data.length });
    await tab.close();
  },
  // The organisation asked for a copy of the client's own recording of
  // last week's conversation: the client sends it from the phone. The
  // connection breaks off once in the middle, and the upload goes on from
  // where the server got; the page gives the receipt at once, and the
  // receipt's page finds the same file matches.
  async 'give-copy'({ j, page }) {
    const tab = await page.context().newPage();
    await tab.goto(`${base}/l/gesprekken/${j.copy_conversation}`);
    const form = tab.locator('form[data-give-copy]');
    check(await form.count() === 1, `the holder is not asked for a copy: ${await bodyText(tab)}`);
    await axe(tab, j.name, { phone: true });
    let patches = 0, broken = 0, heads = 0;
    await tab.route('**/l/kopie/*', (route) => {
      const method = route.request().method();
      if (method === 'HEAD') heads++;
      if (method === 'PATCH' && ++patches === 2) {
        broken++;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    const data = readFileSync(j.copy_file);
    const name = 'mijn-opname.wav';
    await form.locator('input[type=file]').setInputFiles({ name, mimeType: 'audio/wav', buffer: data });
    await form.locator('button[type=submit]').click();
    const status = form.locator('[role=status]');
    await tab.waitForFunction((done) => document.querySelector('form[data-give-copy] [role=status]').innerText.includes(done), words.copyDone, { timeout: 120000 });
    check(broken === 1 && patches >= 4 && heads >= 1, `the upload did not go on after the break: ${patches} PATCH, ${heads} HEAD`);
    const receipt = status.locator('a[href^="/l/opnames/"]');
    check(await receipt.count() === 1, `no receipt after the upload: ${await status.innerText()}`);
    await axe(tab, j.name, { phone: true });
    step(j.name, 'copy given', { patches, heads, size: data.length });
    await Promise.all([tab.waitForLoadState('load'), receipt.click()]);
    await tab.locator('[data-receipt-check]').waitFor({ state: 'visible', timeout: 30000 });
    await tab.setInputFiles('#receipt-check-file', { name, mimeType: 'audio/wav', buffer: data });
    await tab.waitForFunction(() => ['match', 'mismatch', 'error'].includes(document.querySelector('[data-check-result]').dataset.verdict), null, { timeout: 60000 });
    const verdict = await tab.locator('[data-check-result]').evaluate((r) => ({ verdict: r.dataset.verdict, text: r.innerText }));
    check(verdict.verdict === 'match' && verdict.text.includes(words.matches), `the copy given does not match its receipt: ${JSON.stringify(verdict)}`);
    await tab.close();
  },
  // The quick exit: Esc leaves for the neutral site; without JavaScript
  // the link itself does, from the page the QR code's address opens.
  async 'quick-exit'({ j, code, page }) {
    check((await page.locator('#snel-weg').getAttribute('href')) === exitURL, 'the quick exit goes elsewhere');
    // It stays in reach at the bottom of a long page.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const box = await page.locator('#snel-weg').evaluate((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: window.innerHeight, scrolled: window.scrollY }; });
    check(box.scrolled > 0 && box.top >= 0 && box.bottom <= box.height, `the quick exit is out of sight on a scrolled page: ${JSON.stringify(box)}`);
    const left = page.waitForRequest((r) => r.url() === exitURL && r.isNavigationRequest());
    await page.keyboard.press('Escape');
    await left;
    await page.waitForURL(exitURL);
    step(j.name, 'escaped', { url: page.url() });
    const plain = await phone({ javaScriptEnabled: false });
    await plain.goto(`${base}/l/${code.replaceAll('-', '')}`);
    check(new URL(plain.url()).pathname === '/l/gesprekken', `the QR code's address does not open the link: ${plain.url()}`);
    // axe needs JavaScript; the same page was checked with it before.
    step(j.name, 'page', { path: '/l/gesprekken', html: await plain.content() });
    const exit = plain.getByRole('link', { name: words.exit, exact: true });
    const req = plain.waitForRequest((r) => r.url() === exitURL && r.isNavigationRequest());
    await exit.click();
    await req;
    await plain.waitForURL(exitURL);
  },
  // The holder stops their link; its code then gets the page an unknown
  // code gets.
  async 'stop-link'({ j, code, page }) {
    await page.goto(`${base}/l/gesprekken`);
    await page.getByText(words.stopFold, { exact: true }).click();
    await submit(page, words.stop);
    check((await bodyText(page)).includes(words.stopped), `not stopped: ${await bodyText(page)}`);
    await axe(page, j.name, { phone: true });
    const again = await phone();
    await again.goto(`${base}/l`);
    await again.getByLabel(words.code, { exact: true }).fill(code);
    await submit(again, words.next);
    const stopped = await bodyText(again);
    check(stopped.includes(words.unknown), `the stopped code: ${stopped}`);
    await axe(again, j.name, { phone: true });
    await again.getByLabel(words.code, { exact: true }).fill('ABCDE-FGHJK-MNPQR-STVWX-YZ234-5');
    await submit(again, words.next);
    check(await bodyText(again) === stopped, 'a stopped code and an unknown one get different pages');
    // The QR code's address does not open it either.
    await again.goto(`${base}/l/${code.replaceAll('-', '')}`);
    check(await bodyText(again) === stopped, 'the stopped link opens from its address');
  },
};

let failed = false;
for (const j of journeys) {
  try {
    await (walk[j.name] || walk.announce)(j);
  } catch (err) {
    failed = true;
    step(j.name, 'failed', { error: String(err.message || err) });
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
