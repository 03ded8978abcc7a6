// Resumable file uploads as opname's pages make them: tus 1.0.0 through
// tus-js-client, same-origin with the page's cookie, in chunks, retried
// after a broken connection from where the server says it got to, and
// resumed after a reload when the same file is chosen again (its
// fingerprint is kept in localStorage until the upload is stored or
// refused). The last PATCH is answered with the stored recording and its
// receipt. Texts come from the form (data-m-* attributes), in the page's
// language; the server's refusals come in it too (Accept-Language).
import { Upload } from './vendor/tus.js';

export const lang = document.documentElement.lang || 'nl';

// Waits before each new try: 2, 4, 8, 16, then 30 s.
export const RETRY_DELAYS = [2, 4, 8, 16, 30, 30, 30, 30, 30, 30].map((s) => s * 1000);
export const MAX_TRIES = 10;

// text returns the message name of el (data-m-name), with {vars} filled.
export function text(el, name, vars) {
  const key = 'm' + name.replace(/(^|-)([a-z])/g, (_, d, c) => c.toUpperCase());
  let s = el.dataset[key] || name;
  for (const k in vars || {}) s = s.split('{' + k + '}').join(vars[k]);
  return s;
}

// say puts a message in a live region, with optional links after it.
export function say(region, message, links) {
  region.textContent = '';
  const p = document.createElement('p');
  p.className = 'utrecht-paragraph';
  p.textContent = message;
  region.appendChild(p);
  if (links && links.length) {
    const ul = document.createElement('ul');
    ul.className = 'actions';
    for (const [label, href] of links) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.className = 'utrecht-link';
      a.href = href;
      a.textContent = label;
      li.appendChild(a);
      ul.appendChild(li);
    }
    region.appendChild(ul);
  }
}

export function sizeText(n) {
  const units = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [f, u] of units) {
    if (n >= f) return (n / f).toLocaleString(lang, { maximumFractionDigits: 1 }) + ' ' + u;
  }
  return n + ' bytes';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// HTTPError is an answer of the server that is not what was hoped for;
// status 0 is a broken connection.
export class HTTPError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// retryable: a broken connection (status 0), a busy upload, the limit on
// open uploads or a server fault may pass; a refusal (not audio, not
// allowed, gone) does not.
export const retryable = (status) => !status || status >= 500 || status === 409 || status === 423 || status === 429;

// failure is a fetch answer as an HTTPError with the server's message.
export async function failure(resp) {
  let msg = resp.status + ' ' + resp.statusText;
  try {
    const body = await resp.json();
    if (body && body.error && body.error.message) msg = body.error.message;
  } catch (_) { /* not JSON */ }
  return new HTTPError(msg, resp.status);
}

// errorOf is a tus-js-client error as the page tells it: the server's
// refusal (status and message in the page's language) or a broken
// connection (status 0).
export function errorOf(err) {
  const res = err && err.originalResponse;
  if (!res || !res.getStatus()) {
    // A broken connection's cause is an event, without a message; the
    // client's own message then goes on with the whole request.
    const cause = err && err.causingError;
    return new HTTPError((cause && cause.message) || String(err && err.message).split(', ')[0], 0);
  }
  let msg = String(res.getStatus());
  try {
    const body = JSON.parse(res.getBody());
    if (body && body.error && body.error.message) msg = body.error.message;
  } catch (_) { /* not JSON */ }
  return new HTTPError(msg, res.getStatus());
}

// finish stores what arrived of an upload (POST …/finish), waiting a
// moment while an interrupted request still holds it.
export async function finish(url) {
  for (let tries = 1; ; tries++) {
    const resp = await fetch(url + '/finish', { method: 'POST', headers: { 'Accept-Language': lang }, credentials: 'same-origin' });
    if (resp.status === 201) return resp.json();
    const e = await failure(resp);
    if (resp.status !== 409 || tries >= MAX_TRIES) throw e;
    await sleep(1000 * tries);
  }
}

// uploadForm makes form send its chosen file to endpoint: metadata() gives
// the upload's metadata, or null after saying what is missing; links(rec)
// are the links shown with the stored recording. parts are the form's
// input, button, progress bar (in box) and status region; chunk is the
// size of a PATCH in bytes.
export function uploadForm(form, { endpoint, chunk, metadata, links, input, button, box, bar, status }) {
  button.disabled = false;
  let lastSaid = -1;
  function progress(done, total) {
    const p = Math.floor((100 * done) / total);
    bar.value = p;
    // Announce every tenth, not every chunk.
    if (Math.floor(p / 10) !== lastSaid) {
      lastSaid = Math.floor(p / 10);
      say(status, text(form, 'busy', { p, done: sizeText(done), total: sizeText(total) }));
    }
  }
  // send uploads file; it resolves with the stored recording and its
  // receipt, or rejects with an HTTPError.
  function send(file, meta) {
    return new Promise((resolve, reject) => {
      let stored = null;
      let sealing = false;
      const upload = new Upload(file, {
        endpoint,
        chunkSize: chunk,
        metadata: meta,
        headers: { 'Accept-Language': lang },
        retryDelays: RETRY_DELAYS,
        removeFingerprintOnSuccess: true,
        fingerprint: (f) => Promise.resolve(['opname.upload', endpoint, JSON.stringify(meta), f.name, f.size, f.lastModified].join('|')),
        // A busy upload and the limit on open uploads may pass too.
        onShouldRetry: (err, attempt, options) => {
          const again = retryable(errorOf(err).status);
          if (again && attempt < options.retryDelays.length) say(status, text(form, 'retry', { s: options.retryDelays[attempt] / 1000 }));
          return again;
        },
        onAfterResponse: (req, res) => {
          // The last PATCH is answered with the recording and receipt.
          if (req.getMethod() === 'PATCH' && res.getStatus() === 200) stored = JSON.parse(res.getBody());
          // A resumed upload continues where the server got to.
          const offset = Number(res.getHeader('Upload-Offset'));
          if (req.getMethod() === 'HEAD' && offset > 0 && offset < file.size) {
            progress(offset, file.size);
            say(status, text(form, 'resume', { p: Math.floor((100 * offset) / file.size) }));
          }
        },
        onProgress: (sent, total) => {
          if (sent < total) progress(sent, total);
          else if (!sealing) {
            // Everything is sent; the server now encrypts and stores it.
            sealing = true;
            bar.value = 100;
            say(status, text(form, 'sealing'));
          }
        },
        onSuccess: () => {
          // All bytes had arrived before but were not stored: store them.
          if (stored) resolve(stored);
          else finish(upload.url).then(resolve, reject);
        },
        onError: (err) => {
          const e = errorOf(err);
          // A refusal is final: the next try starts a new upload.
          if (!retryable(e.status)) upload.abort(true).catch(() => {});
          reject(e);
        },
      });
      upload.findPreviousUploads().then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      }, reject);
    });
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = input.files[0];
    if (!file) return;
    const meta = metadata();
    if (!meta) return;
    button.disabled = input.disabled = true;
    lastSaid = -1;
    box.hidden = false;
    progress(0, file.size);
    try {
      const result = await send(file, meta);
      bar.value = 100;
      say(status, text(form, 'done'), links(result.recording));
      form.reset();
    } catch (e) {
      if (e.status === 429) say(status, text(form, 'limit'));
      else if (!retryable(e.status)) say(status, text(form, 'refused', { msg: e.message }));
      else say(status, text(form, 'failed'));
    } finally {
      button.disabled = input.disabled = false;
    }
  });
}
