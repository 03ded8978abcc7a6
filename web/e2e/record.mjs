// Records a conversation in headless Chromium with a fake microphone, as a
// signed-in staff member on a tablet: checks that the agreements are shown
// before recording, records about six seconds, stops, opens the receipt
// and plays the recording with HTTP Range. Then it closes a page in the
// middle of a recording, as a crash would, and keeps what arrived; records
// again while the connection breaks halfway and checks that every byte
// arrived. Last it uploads a file larger than one chunk over a connection
// that breaks once. Prints one JSON line per step; exits 1 at the first step
// that fails.
//
//   node record.mjs BASE_URL SESSION_COOKIE_NAME SESSION_SECRET CLIENT_ID
import { chromium } from 'playwright-core';

const [base, cookieName, secret, clientID] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required'],
});

const step = (name, facts) => console.log(JSON.stringify({ step: name, ...facts }));
function check(ok, what) {
  if (!ok) throw new Error(what);
}

// recordFor starts a recording on page and waits until the server has
// confirmed at least seconds of it.
async function recordFor(page, seconds) {
  // Where the policy asks the staff member to confirm something first (at
  // Veilig Thuis: the client's consent to the organisation's recording),
  // they confirm it.
  for (const box of await page.locator('input.confirm:visible').all()) await box.check();
  await page.click('#rec-start');
  await page.locator('#rec-indicator').waitFor({ state: 'visible' });
  check((await page.locator('#rec-indicator').innerText()).includes('Opname loopt'), 'the indicator does not say that recording runs');
  await page.waitForFunction((s) => Number(document.getElementById('rec-saved').dataset.seconds || 0) >= s,
    seconds, { timeout: 30000 });
}

// wav is a WAV file of 8-bit mono PCM at 8 kHz with bytes of samples.
function wav(bytes) {
  const b = Buffer.alloc(44 + bytes, 128);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + bytes, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(bytes, 40);
  for (let i = 44; i < b.length; i += 20) b[i] = 180;
  return b;
}

let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const url = new URL(base);
  await context.addCookies([
    { name: 'lang', value: 'nl', domain: url.hostname, path: '/' },
    { name: cookieName, value: secret, domain: url.hostname, path: '/' },
  ]);
  const recordPage = `${base}/clienten/${clientID}/opnemen`;

  // 1. The agreements come before anything is recorded.
  let page = await context.newPage();
  page.on('pageerror', (e) => { console.error('page error:', e.message); failed = true; });
  await page.goto(recordPage);
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'));
  const agreements = page.locator('.agreements[data-medium="audio"] .agreement-list li');
  const count = await agreements.count();
  check(count > 0, 'no agreements shown before recording');
  check(await page.getByRole('heading', { name: 'Spreek deze afspraken in aan het begin van de opname' }).isVisible(), 'no heading asking to speak the agreements');
  check(await page.locator('#rec-indicator').isHidden(), 'the recording indicator shows before recording');
  const start = await page.locator('#rec-start').boundingBox();
  check(start.height >= 44 && start.width >= 44, `the start button is too small to touch: ${start.width}×${start.height}`);
  step('agreements', { count, first: await agreements.first().innerText() });

  // 2. About six seconds, sent while recording, then stopped and stored.
  const began = Date.now();
  await recordFor(page, 5);
  await page.waitForTimeout(Math.max(0, 6500 - (Date.now() - began)));
  check((await page.locator('#rec-clock').innerText()) !== '0:00', 'the elapsed time does not run');
  await page.click('#rec-stop');
  const receiptLink = page.locator('#rec-status a[href$="/bewijs"]');
  await receiptLink.waitFor({ timeout: 30000 });
  const href = await receiptLink.getAttribute('href');
  const recID = href.split('/')[2];
  check(await page.locator('#rec-indicator').isHidden(), 'the indicator still shows after stopping');
  step('recorded', { recording: recID, seconds: (Date.now() - began) / 1000 });

  // 3. The receipt.
  await receiptLink.click();
  await page.waitForURL(`**/opnames/${recID}/bewijs`);
  check(await page.getByRole('heading', { level: 1, name: 'Bewijs van ontvangst' }).isVisible(), 'no receipt heading');
  const sha = (await page.locator('.digest').first().innerText()).trim();
  check(/^[0-9a-f]{64}$/.test(sha), `no SHA-256 on the receipt: ${sha}`);
  check((await page.locator('.command').innerText()).includes('opname verify --receipt bewijs.json --log'), 'no verify instructions');
  step('receipt', { sha256: sha });

  // 4. Playback, in ranges.
  const ranges = [];
  page.on('response', (r) => { if (r.url().includes(`/api/v1/recordings/${recID}/content`)) ranges.push(r.status()); });
  await page.goto(`${base}/opnames/${recID}`);
  const played = await page.evaluate(async () => {
    const media = document.querySelector('audio, video');
    media.muted = true;
    await media.play();
    const t0 = Date.now();
    while (media.currentTime < 0.5 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 100));
    media.pause();
    return { element: media.tagName.toLowerCase(), currentTime: media.currentTime, error: media.error && media.error.message };
  });
  check(played.currentTime >= 0.5, `the recording does not play: ${JSON.stringify(played)}`);
  check(ranges.includes(206), `no partial content (HTTP Range) in playback: ${ranges}`);
  step('played', { ...played, statuses: ranges });
  await page.close();

  // 5. A crash in the middle of a recording: the page goes, unsaid.
  page = await context.newPage();
  await page.goto(recordPage);
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'));
  await recordFor(page, 5);
  const uploadURL = await page.evaluate((id) => localStorage.getItem('opname.recording|' + id), clientID);
  check(uploadURL && uploadURL.startsWith('/api/v1/uploads/'), `the upload is not remembered: ${uploadURL}`);
  await page.close({ runBeforeUnload: false });
  step('interrupted', { upload: uploadURL });

  // 6. Back on the page: keep what arrived.
  page = await context.newPage();
  await page.goto(recordPage);
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'));
  const pending = page.locator('#onaf');
  check(await pending.isVisible(), 'the interrupted recording is not offered');
  const item = page.locator('#onaf-lijst li').filter({ hasText: 'Uit deze browser.' });
  check(await item.count() === 1, 'the interrupted recording is not marked as from this browser');
  await item.getByRole('button', { name: 'Bewaar wat binnenkwam' }).click();
  const kept = item.locator('a[href$="/bewijs"]');
  await kept.waitFor({ timeout: 30000 });
  check(await page.evaluate((id) => localStorage.getItem('opname.recording|' + id), clientID) === null, 'the kept upload is still remembered');
  step('kept', { receipt: await kept.getAttribute('href') });
  await page.close();

  // 7. A recording whose connection breaks halfway: a PATCH does not
  // arrive, then the PATCH sent again arrives but its answer is lost. The
  // recording goes on, continues each time where the server says it got
  // to, and what is stored is byte for byte what the microphone gave.
  page = await context.newPage();
  await page.addInitScript(() => {
    const start = MediaRecorder.prototype.start;
    MediaRecorder.prototype.start = function (...args) {
      window.recorded = [];
      this.addEventListener('dataavailable', (ev) => window.recorded.push(ev.data));
      return start.apply(this, args);
    };
  });
  const lost = [];
  await page.route('**/api/v1/uploads/*', async (route) => {
    const req = route.request();
    const offset = req.headers()['upload-offset'];
    if (lost.length === 0 && req.method() === 'PATCH' && offset !== '0') {
      lost.push(`PATCH at ${offset}, not sent`);
      return route.abort('connectionreset');
    }
    if (lost.length === 1 && req.method() === 'PATCH') {
      const resp = await route.fetch();
      lost.push(`PATCH at ${offset}, ${resp.status()} not received`);
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.goto(recordPage);
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-busy'));
  await recordFor(page, 15);
  check(lost.length === 2, `the connection did not break as planned: ${lost}`);
  check((await page.locator('#rec-status').innerText()).includes('De verbinding is weg'), 'the page did not say that the connection dropped');
  await page.click('#rec-stop');
  const resumedLink = page.locator('#rec-status a[href$="/bewijs"]');
  await resumedLink.waitFor({ timeout: 60000 });
  const made = await page.evaluate(async () => {
    const blob = new Blob(window.recorded);
    const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    return { size: blob.size, sha256: [...sum].map((b) => b.toString(16).padStart(2, '0')).join('') };
  });
  await resumedLink.click();
  await page.waitForURL('**/bewijs');
  const stored = (await page.locator('.digest').first().innerText()).trim();
  check(stored === made.sha256, `the stored recording is not what was recorded: ${stored}, recorded ${made.sha256} (${made.size} bytes)`);
  step('resumed', { lost, bytes: made.size, sha256: stored });
  await page.close();

  // 8. A file of the client's, larger than one chunk, uploaded while the
  // connection breaks once: it resumes where the server says it got to.
  page = await context.newPage();
  let broken = false;
  await page.route('**/api/v1/uploads/*', async (route) => {
    const req = route.request();
    if (!broken && req.method() === 'PATCH' && req.headers()['upload-offset'] !== '0') {
      broken = true;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.goto(`${base}/clienten/${clientID}/opnames`);
  await page.setInputFiles('#bestand', { name: 'gesprek.wav', mimeType: 'audio/wav', buffer: wav(9 * 1024 * 1024) });
  await page.getByLabel('Kopie van de cliënt').check();
  await page.getByRole('button', { name: 'Bestand toevoegen' }).click();
  const uploaded = page.locator('#upload-status a[href$="/bewijs"]');
  await uploaded.waitFor({ timeout: 60000 });
  check(broken, 'the connection was never broken');
  check(await page.locator('#upload-progress').evaluate((p) => p.value) === 100, 'the progress bar is not full');
  step('uploaded', { receipt: await uploaded.getAttribute('href') });
  await context.close();
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
