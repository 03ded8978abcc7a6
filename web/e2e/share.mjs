// A share in headless Chromium, one step per run, as each person does it
// on their own device: the client asks on their phone, through their link,
// to give a recording to their lawyer; another party answers yes on their
// own phone; a staff member or a manager answers on the request's page;
// the staff member gives the lawyer a link with a code; the lawyer opens
// it, types the code as read out over the phone, downloads the recording
// and its receipt. A staff member may also ask, on the conversation's
// page, to publish a recording. Every page a step visits is checked with
// axe-core's WCAG 2.1 A and AA rules. Prints one JSON line per step and
// per axe run; exits 1 on an error or a violation.
//
//   node share.mjs BASE_URL ask LINK_CODE RECORDING_ID
//   node share.mjs BASE_URL answer LINK_CODE CONVERSATION_ID REQUEST_ID
//   node share.mjs BASE_URL consent SESSION_COOKIE_NAME SESSION_SECRET REQUEST_ID PARTICIPANT...
//   node share.mjs BASE_URL publish SESSION_COOKIE_NAME SESSION_SECRET CONVERSATION_ID RECORDING_ID
//   node share.mjs BASE_URL give SESSION_COOKIE_NAME SESSION_SECRET REQUEST_ID
//   node share.mjs BASE_URL receive RECIPIENT_URL CODE DOWNLOAD_DIR
//
// consent answers yes for each PARTICIPANT in turn (-1: the
// organisation) where the page asks the person looking for that answer,
// and prints the page as it was before and after each answer: whether it
// offers a recipient link, which answers it asks, and its text.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [base, step, ...args] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const timeout = 60000;

// The steps of staff and managers, who are signed in.
const signedIn = ['give', 'consent', 'publish'].includes(step);

async function newContext(cookies = []) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, acceptDownloads: true });
  const url = new URL(base);
  await context.addCookies([{ name: 'lang', value: 'nl', domain: url.hostname, path: '/' },
    ...cookies.map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' }))]);
  return context;
}

let failed = false;

// axe runs the WCAG 2.1 A and AA rules on the page as it is.
async function axe(page, what) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  if (violations.length > 0) failed = true;
  console.log(JSON.stringify({ axe: what, violations }));
}

// requestState is a request's page as the person looking sees it: whether
// it offers a recipient link, whose answers it asks for (participant
// indices, -1 the organisation), and the text of its main part.
async function requestState(page) {
  return {
    deliver: await page.locator('form.deliver').count() > 0,
    asks: await page.locator('form:has(input[name=stap][value=antwoord]) input[name=deelnemer]').evaluateAll((es) => es.map((e) => Number(e.value))),
    text: await page.locator('main').innerText(),
  };
}

try {
  const page = await (await newContext(signedIn ? [[args[0], args[1]]] : [])).newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  switch (step) {
    case 'ask': {
      const [code, recording] = args;
      await page.goto(base + '/l/' + code);
      await page.goto(base + '/l/opnames/' + recording);
      await axe(page, 'the recording with its form to share');
      await page.selectOption('#ontvanger', 'lawyer');
      await page.fill('#aan', 'mr. Visser');
      await page.fill('#waarom', 'Voor mijn klacht');
      await Promise.all([page.waitForURL(/gevraagd=1/), page.click('form[action$="/delen"] button[type=submit]')]);
      await axe(page, 'the conversation with the question asked');
      console.log(JSON.stringify({ step, url: page.url(), said: await page.locator('[role=status], [role=alert]').first().innerText() }));
      break;
    }
    case 'answer': {
      const [code, conversation, request] = args;
      await page.goto(base + '/l/' + code);
      const asked = page.locator('main [role=status]');
      const waiting = await asked.count() > 0 ? await asked.first().innerText() : '';
      await axe(page, 'the link page with a question');
      await page.goto(base + '/l/gesprekken/' + conversation);
      await axe(page, 'the question for the link holder');
      const form = page.locator('form[action="/l/verzoeken/' + request + '/antwoord"]');
      await form.locator('input[name=antwoord][value=ja]').check();
      await Promise.all([page.waitForURL(/bewaard=1/), form.locator('button[type=submit]').click()]);
      console.log(JSON.stringify({ step, waiting, said: await page.locator('[role=status], [role=alert]').first().innerText() }));
      break;
    }
    case 'consent': {
      const [, , request, ...participants] = args;
      await page.goto(base + '/verzoeken/' + request);
      await axe(page, 'the request before the answer');
      const before = await requestState(page);
      // Each answer is one form; the page after it is the state the next
      // one starts from.
      const answers = [];
      for (const participant of participants) {
        const form = page.locator('form:has(input[name=stap][value=antwoord]):has(input[name=deelnemer][value="' + participant + '"])');
        let answered = false;
        let said = '';
        if (await form.count() > 0) {
          await form.locator('input[name=antwoord][value=ja]').check();
          // A saved answer leads back to the page; a refused one shows why.
          const [shown] = await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
          answered = shown.ok() && shown.request().redirectedFrom() !== null;
          const alert = page.locator('[role=alert]');
          if (await alert.count() > 0) said = await alert.first().innerText();
          await axe(page, 'the request after the answer of ' + participant);
        }
        answers.push({ participant: Number(participant), answered, said, after: await requestState(page) });
      }
      console.log(JSON.stringify({ step, before, answers }));
      break;
    }
    case 'publish': {
      const [, , conversation, recording] = args;
      await page.goto(base + '/gesprekken/' + conversation);
      await axe(page, 'the conversation with its form to ask');
      await page.selectOption('#wie', '0');
      await page.check('#handeling-publish');
      await page.selectOption('#deel', 'recording:' + recording);
      await page.selectOption('#ontvanger', 'public');
      await page.fill('#deel-waarom', 'Op sociale media zetten');
      await Promise.all([page.waitForURL(/\/verzoeken\//), page.click('form[action="/gesprekken/' + conversation + '/verzoeken"] button[type=submit]')]);
      await axe(page, 'the request to publish');
      console.log(JSON.stringify({ step, url: page.url(), state: await requestState(page) }));
      break;
    }
    case 'give': {
      const request = args[2];
      await page.goto(base + '/verzoeken/' + request);
      await page.fill('#dagen', '7');
      await page.fill('#downloads', '2');
      await page.check('#code');
      await Promise.all([page.waitForSelector('#ontvanger-link'), page.click('form.deliver button[type=submit]')]);
      const link = await page.locator('#ontvanger-link').innerText();
      const code = await page.locator('#ontvanger-code').innerText();
      console.log(JSON.stringify({ step, link, code }));
      await axe(page, 'the link just given');
      break;
    }
    case 'receive': {
      const [link, code, dir] = args;
      await page.goto(link);
      await axe(page, 'the code form');
      // Read out over the phone: lower case, with spaces for the dash.
      await page.fill('#code', code.toLowerCase().replace('-', ' '));
      await Promise.all([page.waitForSelector('form[action$="/opname"]'), page.click('form[action="' + new URL(link).pathname + '"] button[type=submit]')]);
      await axe(page, 'the shared recording');
      const files = {};
      for (const [what, form] of [['recording', 'form[action$="/opname"]'], ['receipt', 'form[action$="/bewijs"]']]) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(form + ' button[type=submit]')]);
        files[what] = join(dir, download.suggestedFilename());
        await download.saveAs(files[what]);
      }
      console.log(JSON.stringify({ step, files }));
      break;
    }
    default:
      throw new Error('unknown step ' + step);
  }
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
