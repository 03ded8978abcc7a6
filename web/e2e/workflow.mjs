// Walks the conversation workflow's journeys in headless Chromium on a
// tablet, as staff and managers click through the pages, one journey per
// shipped policy, and runs axe-core (WCAG 2.1 A and AA) on every page it
// visits. The manager's decision is taken with a double click: the button
// must be disabled while the form is sent, and one form arrive. Prints one
// JSON line per step; exits 1 at the first failure. Every page it visits
// is printed too (a "page" step with its HTML), for the test to check that
// a Dutch page has no English and an English page no Dutch.
//
//   node workflow.mjs BASE_URL SESSION_COOKIE_NAME LANG JOURNEYS_JSON
//
// LANG is nl or en: the language the people choose, and so the words the
// journeys look for.
// JOURNEYS_JSON is [{"name", "client", "staff", "manager"}], the names
// being vt-org-records, vt-parent-refuses, axiehuis-covert, blijf-video,
// mo-client-audio and ombudsman-weighty; staff and manager are session
// secrets.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [base, cookieName, lang, journeysJSON] = process.argv.slice(2);
const journeys = JSON.parse(journeysJSON);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});

// The words the journeys click and look for, in the language of the page.
const words = {
  nl: {
    where: 'Waar', open: 'Gesprek openen', guide: 'Het hoeft niet stiekem', ask: 'Bekijk wat het beleid zegt',
    allowed: 'mag', forbidden: 'mag niet', refused: 'kan nu niet', consent: 'toestemming', decision: 'beslissing',
    obligations: 'Wat de organisatie moet doen', agree: 'Afspraken vastleggen', agreed: 'De afspraken zijn vastgelegd',
    ready: 'Het opnemen kan beginnen', orgRecords: 'Start de opname van de organisatie', back: 'Terug naar het gesprek',
    answer: 'Antwoord bewaren', choose: 'Keuze bewaren', chosen: 'Gekozen in plaats daarvan',
    incidentWhat: 'Beschrijf kort wat er gebeurde', incidentWho: 'Wie nam het op?', report: 'Melding maken',
    leave: 'het gebouw te verlaten', takeStep: 'Stap vastleggen', covert: 'Heimelijke opname ontdekt',
    mayRefuse: 'Een medewerker mag altijd weigeren', assessment: 'Uw beoordeling',
    consulted: "Met welke collega's heeft u overlegd?", toManager: 'Naar de manager sturen',
    reasons: 'Redenen (dit komt in het dossier)', decide: 'Besluit vastleggen', decided: 'De manager heeft besloten',
    waitSigned: 'Wacht op een verklaring die allebei tekenen', print: 'Afspraken om te printen', signatures: 'Ondertekening',
    weighty: 'Ik heb zwaarwegende redenen om niet op te nemen', weightyReason: 'De reden (de cliënt leest dit)',
    weightyAlt: 'Wat biedt u in plaats daarvan aan?', weightySave: 'Reden en alternatief vastleggen',
  },
  en: {
    where: 'Where', open: 'Open the conversation', guide: 'It need not be secret', ask: 'See what the policy says',
    allowed: 'allowed', forbidden: 'not allowed', refused: 'cannot go ahead now', consent: 'consent', decision: 'decision',
    obligations: 'What the organisation must do', agree: 'Record the agreements', agreed: 'The agreements are recorded',
    ready: 'Recording can start', orgRecords: "Start the organisation's recording", back: 'Back to the conversation',
    answer: 'Save the answer', choose: 'Save the choice', chosen: 'Chosen instead',
    incidentWhat: 'Describe briefly what happened', incidentWho: 'Who recorded it?', report: 'Report it',
    leave: 'leave the building', takeStep: 'Record the step', covert: 'Covert recording discovered',
    mayRefuse: 'A staff member may always refuse', assessment: 'Your assessment',
    consulted: 'Which colleagues did you consult?', toManager: 'Send to the manager',
    reasons: 'Reasons (this goes into the file)', decide: 'Record the decision', decided: 'The manager decided',
    waitSigned: 'Waits for a declaration both sign', print: 'Agreements to print', signatures: 'Signatures',
    weighty: 'I have weighty reasons not to record', weightyReason: 'The reason (the client reads this)',
    weightyAlt: 'What do you offer instead?', weightySave: 'Record the reason and the alternative',
  },
}[lang];

const step = (journey, name, facts = {}) => console.log(JSON.stringify({ journey, step: name, ...facts }));
function check(ok, what) {
  if (!ok) throw new Error(what);
}

async function as(secret) {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true, bypassCSP: true });
  const url = new URL(base);
  await context.addCookies([{ name: cookieName, value: secret, domain: url.hostname, path: '/' },
    { name: 'lang', value: lang, domain: url.hostname, path: '/' }]);
  return context.newPage();
}

// axe checks the page it is on, and hands its HTML to the test.
async function axe(page, journey) {
  step(journey, 'page', { path: new URL(page.url()).pathname, html: await page.content() });
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const ids = result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
  check(ids.length === 0, `axe on ${new URL(page.url()).pathname}: ${ids.join('; ')}`);
  step(journey, 'axe', { path: new URL(page.url()).pathname });
}

async function submit(page, name) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name }).click()]);
  const status = await page.evaluate(() => document.title);
  check(!/internal error/i.test(status), `after "${name}": ${status}`);
}

// doubleClick double-clicks a form's button, as people do: while the
// form is on its way the button is disabled, one form is sent, and the
// page after it shows no error. The page reports the button disabled
// itself: while a form is on its way, the page cannot be asked.
async function doubleClick(page, journey, name) {
  let disabled = false;
  await page.exposeBinding('opnameButtonDisabled', () => { disabled = true; });
  await page.evaluate((label) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label);
    new MutationObserver(() => { if (button.disabled) window.opnameButtonDisabled(); })
      .observe(button, { attributes: true, attributeFilter: ['disabled'] });
  }, name);
  let posts = 0;
  await page.route('**/*', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts++;
    // The answer waits until the button was disabled (at most 5 s).
    for (let waited = 0; !disabled && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await route.continue();
  });
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).dblclick()]);
  await page.waitForLoadState('load');
  await page.unroute('**/*');
  check(disabled, `"${name}" was not disabled while its form was sent`);
  check(posts === 1, `a double click on "${name}" sent ${posts} forms`);
  check(await page.locator('[role="alert"]').count() === 0, `after a double click on "${name}": ${await bodyText(page)}`);
  step(journey, 'double click', { button: name, posts });
}

// Who asks is chosen from the conversation's participants: the client is
// the first, the staff member who opened it the second.
const participant = { client: '0', org: '1' };

// open starts a conversation for the client with the given other
// participants' roles, and asks who wants to record what.
async function open(page, j, others, ask) {
  await page.goto(`${base}/clienten/${j.client}/gesprekken`);
  await axe(page, j.name);
  await page.getByLabel(words.where, { exact: true }).selectOption('home_visit');
  for (const [i, role] of others.entries()) await page.locator(`#rol${i}`).selectOption(role);
  await submit(page, words.open);
  check(page.url().includes('/gesprekken/'), 'no conversation page after opening');
  check(await page.getByText(words.guide).count() > 0, 'no guide on the conversation page');
  await axe(page, j.name);
  await page.locator('#wie').selectOption(participant[ask.who]);
  await page.locator(`label[for="wat-${ask.what}"]`).click();
  if (ask.covert) {
    await page.locator('label[for="heimelijk"]').click();
    await page.locator('label[for="aan-niet"]').click();
  }
  await submit(page, words.ask);
  check(page.url().includes('/verzoeken/'), 'no request page after asking');
  await axe(page, j.name);
  step(j.name, 'asked', { outcome: await page.locator('#outcome').innerText() });
}

const outcome = async (page) => (await page.locator('#outcome').innerText());
const bodyText = async (page) => (await page.locator('main').innerText());

const walk = {
  async 'vt-org-records'(j) {
    const page = await as(j.staff);
    await open(page, j, [], { who: 'client', what: 'audio' });
    check((await outcome(page)).includes(words.allowed), 'client audio is not allowed at Veilig Thuis');
    check((await bodyText(page)).includes(words.obligations), 'the obligations are not shown');
    await page.locator('label[for="vorm-spoken"]').click();
    await page.locator('label[for="get-na"]').click();
    await submit(page, words.agree);
    check((await bodyText(page)).includes(words.agreed), 'the agreements are not recorded');
    check((await bodyText(page)).includes(words.ready), 'recording cannot start after the agreements');
    await axe(page, j.name);
    // The page says the organisation records too; its recording is
    // linked to the request.
    const request = page.url();
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: words.orgRecords }).click()]);
    await page.click('#rec-start');
    await page.waitForFunction(() => Number(document.getElementById('rec-saved').dataset.seconds || 0) >= 2, null, { timeout: 30000 });
    await page.click('#rec-stop');
    const receipt = page.locator('#rec-status a[href$="/bewijs"]');
    await receipt.waitFor({ timeout: 30000 });
    step(j.name, 'recorded', { recording: (await receipt.getAttribute('href')).split('/')[2], request: request.split('/').pop() });
    await page.goto(request);
    await page.getByRole('link', { name: words.back }).click();
    await page.locator('#wie').selectOption(participant.org);
    await submit(page, words.ask);
    check(!(await outcome(page)).includes(words.forbidden), 'the organisation may not record too');
    step(j.name, 'done');
  },
  async 'vt-parent-refuses'(j) {
    const page = await as(j.staff);
    await open(page, j, ['parent'], { who: 'client', what: 'audio' });
    check((await outcome(page)).includes(words.consent), 'the parent is not asked');
    await page.locator('label[for^="nee"]').first().click();
    await submit(page, words.answer);
    check((await outcome(page)).includes(words.refused), 'not refused after the parent said no');
    await axe(page, j.name);
    await page.locator('label[for="alt0"]').click();
    await submit(page, words.choose);
    check((await bodyText(page)).includes(words.chosen), 'the alternative is not recorded');
    step(j.name, 'done');
  },
  async 'axiehuis-covert'(j) {
    const page = await as(j.staff);
    await open(page, j, ['other'], { who: 'client', what: 'audio', covert: true });
    const o = await outcome(page);
    check(o.includes(words.forbidden) || o.includes(words.refused), `covert multi-party recording: ${o}`);
    await page.getByRole('link', { name: words.back }).click();
    await page.getByLabel(words.incidentWhat).fill('Een telefoon nam stiekem op tijdens het groepsgesprek.');
    await page.getByLabel(words.incidentWho).selectOption(participant.client);
    await submit(page, words.report);
    check(page.url().includes('/incidenten/'), 'no incident page');
    check((await bodyText(page)).includes(words.leave), 'the ladder does not offer to ask to leave');
    await axe(page, j.name);
    await submit(page, words.takeStep);
    check(await page.locator('ol.utrecht-ordered-list li').count() === 1, 'the step is not recorded');
    const manager = await as(j.manager);
    await manager.goto(`${base}/postvak`);
    check(await manager.getByRole('link', { name: words.covert }).count() > 0, 'the manager does not see the incident');
    await axe(manager, j.name);
    step(j.name, 'done');
  },
  async 'blijf-video'(j) {
    const page = await as(j.staff);
    await open(page, j, ['staff'], { who: 'client', what: 'video' });
    check((await outcome(page)).includes(words.decision), 'video does not need a decision');
    check((await bodyText(page)).includes(words.mayRefuse), 'the page does not say that staff may refuse');
    // Each staff member says yes or no first; only then can the request
    // go to the manager.
    check(await page.getByLabel(words.assessment).count() === 0, 'the request can go to the manager before the staff said yes or no');
    for (const i of ['1', '2']) {
      await page.locator(`label[for="medewerker-ja${i}"]`).click();
      const form = page.locator('form', { has: page.locator(`#medewerker-ja${i}`) });
      await form.getByRole('button').click();
      await page.locator(`#medewerker-ja${i}`).waitFor({ state: 'detached' });
    }
    await axe(page, j.name);
    await page.getByLabel(words.assessment).fill('Cliënte wil het gesprek terugkijken met haar advocaat.');
    await page.getByLabel(words.consulted).fill('Team Noord');
    await submit(page, words.toManager);
    const request = page.url();
    const manager = await as(j.manager);
    await manager.goto(`${base}/postvak`);
    await axe(manager, j.name);
    await Promise.all([manager.waitForLoadState('load'), manager.locator('main a[href^="/verzoeken/"]').first().click()]);
    await axe(manager, j.name);
    await manager.locator('label[for="besluit-ja"]').click();
    await manager.getByLabel(words.reasons).fill('Twee medewerkers zijn erbij; het belang van cliënte weegt zwaar.');
    await doubleClick(manager, j.name, words.decide);
    check((await bodyText(manager)).includes(words.decided), 'the decision is not recorded');
    await page.goto(request);
    check((await bodyText(page)).includes(words.waitSigned), 'video may start before the declaration is signed');
    await page.locator('label[for="vorm-printed"]').click();
    await page.locator('label[for="get-ja"]').click();
    await submit(page, words.agree);
    check((await bodyText(page)).includes(words.ready), 'recording cannot start after signing');
    await axe(page, j.name);
    step(j.name, 'done');
  },
  async 'mo-client-audio'(j) {
    const page = await as(j.staff);
    await open(page, j, [], { who: 'client', what: 'audio' });
    check((await outcome(page)).includes(words.allowed), 'client audio is not allowed in social relief');
    await page.locator('label[for="vorm-screen"]').click();
    await page.locator('label[for="get-ja"]').click();
    await submit(page, words.agree);
    check((await bodyText(page)).includes(words.ready), 'recording cannot start after the agreements');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: words.print }).first().click()]);
    check((await bodyText(page)).includes(words.signatures), 'the printable agreements have no signatures');
    await axe(page, j.name);
    step(j.name, 'done');
  },
  async 'ombudsman-weighty'(j) {
    const page = await as(j.staff);
    await open(page, j, [], { who: 'client', what: 'audio' });
    check((await outcome(page)).includes(words.allowed), 'client audio is not allowed under the Ombudsman rules');
    await page.getByText(words.weighty).click();
    await page.getByLabel(words.weightyReason).fill('een derde is in gevaar als dit bekend wordt');
    await page.getByLabel(words.weightyAlt).selectOption('written_report');
    await submit(page, words.weightySave);
    check((await outcome(page)).includes(words.refused), 'not refused after weighty reasons');
    check((await bodyText(page)).includes('een derde is in gevaar'), 'the reason is not shown');
    await axe(page, j.name);
    step(j.name, 'done');
  },
};

let failed = false;
for (const j of journeys) {
  try {
    await walk[j.name](j);
  } catch (err) {
    failed = true;
    step(j.name, 'failed', { error: String(err.message || err) });
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
