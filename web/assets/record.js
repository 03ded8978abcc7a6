// opname's recording pages in the browser: a file upload that resumes
// after a broken connection, and a recording made here that is sent to the
// server in chunks while it runs, so that a crash loses seconds, not the
// conversation. Both speak tus 1.0.0 to /api/v1/uploads, same-origin, with
// the session cookie: the file upload through tus-js-client, the recording
// by appending each chunk as it comes. Texts come from the page (data-m-*
// attributes), in the page's language; the server's refusals come in it
// too (Accept-Language). A module: the pages load it with type=module.
import { Upload } from './vendor/tus.js';

(function () {
  const TUS = '1.0.0';
  const CHUNK = 8 * 1024 * 1024; // bytes per PATCH of a file upload
  const SLICE = 5000; // milliseconds of recording per chunk
  const MAX_TRIES = 10;
  // Waits before each new try of a file upload: 2, 4, 8, 16, then 30 s.
  const RETRY_DELAYS = [2, 4, 8, 16, 30, 30, 30, 30, 30, 30].map((s) => s * 1000);
  const lang = document.documentElement.lang || 'nl';

  // The page is busy until its first requests are answered; the
  // accessibility check waits for this.
  document.documentElement.setAttribute('data-busy', '');
  const ready = () => document.documentElement.removeAttribute('data-busy');

  // text returns the message name of el (data-m-name), with {vars} filled.
  function text(el, name, vars) {
    const key = 'm' + name.replace(/(^|-)([a-z])/g, (_, d, c) => c.toUpperCase());
    let s = el.dataset[key] || name;
    for (const k in vars || {}) s = s.split('{' + k + '}').join(vars[k]);
    return s;
  }

  // say puts a message in a live region, with optional links after it.
  function say(region, message, links) {
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

  function sizeText(n) {
    const units = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
    for (const [f, u] of units) {
      if (n >= f) return (n / f).toLocaleString(lang, { maximumFractionDigits: 1 }) + ' ' + u;
    }
    return n + ' bytes';
  }

  function clock(seconds) {
    const s = Math.floor(seconds);
    const hh = Math.floor(s / 3600), mm = Math.floor(s / 60) % 60, ss = String(s % 60).padStart(2, '0');
    return hh ? hh + ':' + String(mm).padStart(2, '0') + ':' + ss : mm + ':' + ss;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // HTTPError is an answer of the server that is not what was hoped for.
  class HTTPError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // retryable: a broken connection, a busy upload or a server fault may
  // pass; a refusal (not audio, not allowed, gone) does not.
  const retryable = (e) => !(e instanceof HTTPError) || e.status >= 500 || e.status === 409 || e.status === 423 || e.status === 429;

  async function failure(resp) {
    let msg = resp.status + ' ' + resp.statusText;
    try {
      const body = await resp.json();
      if (body && body.error && body.error.message) msg = body.error.message;
    } catch (_) { /* not JSON */ }
    return new HTTPError(msg, resp.status);
  }

  function base64(s) {
    let bin = '';
    for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  // create starts an upload for a client; length null means a recording
  // whose length is not known yet. It returns the upload's path.
  async function create(clientID, source, length, requestID) {
    let meta = 'client_id ' + base64(clientID) + ',source ' + base64(source);
    // A recording made for a request of the conversation workflow is
    // linked to it (and refused while the request is not ready).
    if (requestID) meta += ',request_id ' + base64(requestID);
    const headers = { 'Tus-Resumable': TUS, 'Upload-Metadata': meta, 'Accept-Language': lang };
    if (length == null) headers['Upload-Defer-Length'] = '1';
    else headers['Upload-Length'] = String(length);
    const resp = await fetch('/api/v1/uploads', { method: 'POST', headers, credentials: 'same-origin' });
    if (resp.status !== 201) throw await failure(resp);
    return new URL(resp.headers.get('Location'), location.href).pathname;
  }

  // offsetOf is how much of an upload the server has; null when it is gone.
  async function offsetOf(url) {
    const resp = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': TUS }, credentials: 'same-origin', cache: 'no-store' });
    if (resp.status === 404 || resp.status === 410) return null;
    if (!resp.ok) throw new HTTPError(resp.status + ' ' + resp.statusText, resp.status);
    return Number(resp.headers.get('Upload-Offset'));
  }

  // patch sends body at offset; with total it declares the length. The
  // answer is the new offset, or the stored recording with its receipt.
  async function patch(url, offset, body, total) {
    const headers = { 'Tus-Resumable': TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Accept-Language': lang };
    if (total != null) headers['Upload-Length'] = String(total);
    const resp = await fetch(url, { method: 'PATCH', headers, body, credentials: 'same-origin' });
    if (resp.status === 204) return { offset: Number(resp.headers.get('Upload-Offset')) };
    if (resp.status === 200) return { done: await resp.json() };
    throw await failure(resp);
  }

  // finish stores what arrived of an upload (POST …/finish), waiting a
  // moment while an interrupted request still holds it.
  async function finish(url) {
    for (let tries = 1; ; tries++) {
      const resp = await fetch(url + '/finish', { method: 'POST', headers: { 'Accept-Language': lang }, credentials: 'same-origin' });
      if (resp.status === 201) return resp.json();
      const e = await failure(resp);
      if (resp.status !== 409 || tries >= MAX_TRIES) throw e;
      await sleep(1000 * tries);
    }
  }

  function linksTo(root, rec) {
    return [[text(root, 'receipt'), '/opnames/' + rec.id + '/bewijs'], [text(root, 'view'), '/opnames/' + rec.id]];
  }

  // errorOf is a tus-js-client error as this page tells it: the server's
  // refusal (status and message in the page's language) or a broken
  // connection (status 0).
  function errorOf(err) {
    const res = err && err.originalResponse;
    if (!res || !res.getStatus()) return new HTTPError(String(err && err.message), 0);
    let msg = String(res.getStatus());
    try {
      const body = JSON.parse(res.getBody());
      if (body && body.error && body.error.message) msg = body.error.message;
    } catch (_) { /* not JSON */ }
    return new HTTPError(msg, res.getStatus());
  }

  // File upload with tus-js-client, in chunks of CHUNK bytes, retried after
  // a broken connection where the server says it got to, and resumed after
  // a reload when the same file is chosen again (its fingerprint is kept in
  // localStorage until the upload is stored or refused).
  function setupUpload(form) {
    const clientID = form.dataset.client;
    const input = form.querySelector('input[type=file]');
    const button = form.querySelector('button[type=submit]');
    const box = document.getElementById('upload-voortgang');
    const bar = document.getElementById('upload-progress');
    const status = document.getElementById('upload-status');
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
    function send(file, source) {
      return new Promise((resolve, reject) => {
        let stored = null;
        let sealing = false;
        const upload = new Upload(file, {
          endpoint: '/api/v1/uploads',
          chunkSize: CHUNK,
          metadata: { client_id: clientID, source },
          headers: { 'Accept-Language': lang },
          retryDelays: RETRY_DELAYS,
          removeFingerprintOnSuccess: true,
          fingerprint: (f) => Promise.resolve(['opname.upload', clientID, source, f.name, f.size, f.lastModified].join('|')),
          // A busy upload and the limit on open uploads may pass too.
          onShouldRetry: (err, attempt, options) => {
            const st = err.originalResponse ? err.originalResponse.getStatus() : 0;
            const again = !st || st >= 500 || st === 409 || st === 423 || st === 429;
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
            if (e.status >= 400 && e.status < 500 && e.status !== 409 && e.status !== 423 && e.status !== 429) {
              upload.abort(true).catch(() => {});
            }
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
      const checked = form.querySelector('input[name=bron]:checked');
      if (!file) return;
      if (!checked) {
        say(status, text(form, 'nosource'));
        form.querySelector('input[name=bron]').focus();
        return;
      }
      button.disabled = input.disabled = true;
      lastSaid = -1;
      box.hidden = false;
      progress(0, file.size);
      try {
        const result = await send(file, checked.value);
        bar.value = 100;
        say(status, text(form, 'done'), linksTo(form, result.recording));
        form.reset();
      } catch (e) {
        if (e.status === 429) say(status, text(form, 'limit'));
        else if (e.status >= 400 && e.status < 500 && e.status !== 409 && e.status !== 423) say(status, text(form, 'refused', { msg: e.message }));
        else say(status, text(form, 'failed'));
      } finally {
        button.disabled = input.disabled = false;
      }
    });
  }

  // Sender appends a recording's chunks to an upload of unknown length,
  // one PATCH at a time, in order. What the server has not confirmed stays
  // in memory and is sent again after a failure.
  class Sender {
    constructor(url, onSaved, onTrouble) {
      this.url = url;
      this.offset = 0; // bytes the server has
      this.pending = new Blob([]); // bytes it has not confirmed
      this.pendingUntil = 0; // seconds of recording in what was pushed
      this.savedUntil = 0;
      this.busy = null;
      this.error = null;
      this.onSaved = onSaved;
      this.onTrouble = onTrouble;
    }

    push(blob, seconds) {
      this.pending = new Blob([this.pending, blob]);
      this.pendingUntil = seconds;
      this.kick();
    }

    kick() {
      if (!this.busy) this.busy = this.pump().finally(() => { this.busy = null; });
      return this.busy;
    }

    async pump() {
      let failures = 0;
      while (this.pending.size > 0 && !this.error) {
        const body = this.pending;
        const until = this.pendingUntil;
        try {
          const res = await patch(this.url, this.offset, body);
          this.pending = this.pending.slice(res.offset - this.offset);
          this.offset = res.offset;
          failures = 0;
          if (this.pending.size === 0) this.savedUntil = until;
          this.onSaved(this.offset, this.savedUntil);
        } catch (e) {
          if (!retryable(e)) {
            this.error = e;
            return;
          }
          failures++;
          this.onTrouble(e);
          await sleep(Math.min(30, 2 ** failures) * 1000);
          try {
            const o = await offsetOf(this.url);
            if (o == null) {
              this.error = new HTTPError('the upload is gone', 404);
              return;
            }
            this.pending = this.pending.slice(o - this.offset);
            this.offset = o;
          } catch (_) { /* still offline: try again */ }
        }
      }
    }

    // done sends what is left, then declares the length, which makes the
    // server store the recording; it returns the recording and receipt.
    async done() {
      while (this.busy || (this.pending.size > 0 && !this.error)) await this.kick();
      if (this.error) throw this.error;
      for (let tries = 1; ; tries++) {
        try {
          const res = await patch(this.url, this.offset, new Blob([]), this.offset);
          if (res.done) return res.done;
          throw new HTTPError('the upload did not finish', 500);
        } catch (e) {
          if (!retryable(e) || tries >= MAX_TRIES) throw e;
          this.onTrouble(e);
          await sleep(Math.min(30, 2 ** tries) * 1000);
        }
      }
    }
  }

  function mediaType(medium) {
    const types = medium === 'video'
      ? ['video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4']
      : ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];
    return types.find((t) => MediaRecorder.isTypeSupported(t)) || '';
  }

  // Recorder: the agreements first, then MediaRecorder with a chunk every
  // SLICE milliseconds, each appended to the upload while recording runs.
  function setupRecorder(root) {
    const clientID = root.dataset.client;
    const storeKey = 'opname.recording|' + clientID;
    const $ = (id) => document.getElementById(id);
    const start = $('rec-start'), stop = $('rec-stop'), indicator = $('rec-indicator'), clockEl = $('rec-clock');
    const status = $('rec-status'), saved = $('rec-saved'), preview = $('rec-preview');
    const radios = [...root.querySelectorAll('input[name=medium]')];
    const medium = () => (radios.find((r) => r.checked) || { value: 'audio' }).value;
    const showAgreements = () => root.querySelectorAll('.agreements').forEach((el) => { el.hidden = el.dataset.medium !== medium(); });
    radios.forEach((r) => r.addEventListener('change', showAgreements));
    showAgreements();
    start.disabled = false;

    let recording = false;
    window.addEventListener('beforeunload', (ev) => {
      if (recording) {
        ev.preventDefault();
        ev.returnValue = text(root, 'leave');
      }
    });

    start.addEventListener('click', async () => {
      const block = root.querySelector('.agreements[data-medium="' + medium() + '"]');
      const open = [...block.querySelectorAll('input.confirm')].filter((c) => !c.checked);
      if (open.length) {
        say(status, text(root, 'confirm'));
        open[0].focus();
        return;
      }
      if (!window.MediaRecorder || !navigator.mediaDevices) {
        say(status, text(root, 'unsupported'));
        return;
      }
      const video = medium() === 'video';
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      } catch (_) {
        say(status, text(root, 'nomic'));
        return;
      }
      let url;
      try {
        url = await create(clientID, 'organisation', null, root.dataset.request);
      } catch (e) {
        stream.getTracks().forEach((t) => t.stop());
        say(status, e instanceof HTTPError && e.status === 429 ? text(root, 'limit') : text(root, 'failed', { msg: e.message }));
        return;
      }
      localStorage.setItem(storeKey, url);
      const type = mediaType(medium());
      const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const began = Date.now();
      const elapsed = () => (Date.now() - began) / 1000;
      const sender = new Sender(url, (bytes, seconds) => {
        saved.textContent = text(root, 'saved', { time: clock(seconds), size: sizeText(bytes) });
        saved.dataset.seconds = String(Math.floor(seconds));
      }, () => say(status, text(root, 'trouble')));
      recorder.ondataavailable = (ev) => { if (ev.data && ev.data.size > 0) sender.push(ev.data, elapsed()); };
      const title = document.title;
      const tick = setInterval(() => { clockEl.textContent = clock(elapsed()); }, 500);
      recorder.onstop = async () => {
        clearInterval(tick);
        recording = false;
        stream.getTracks().forEach((t) => t.stop());
        preview.hidden = true;
        preview.srcObject = null;
        indicator.hidden = true;
        document.title = title;
        try {
          const result = await sender.done();
          localStorage.removeItem(storeKey);
          say(status, text(root, 'done'), linksTo(root, result.recording));
          saved.textContent = '';
        } catch (e) {
          say(status, text(root, 'failed', { msg: e.message }));
        }
        stop.hidden = true;
        start.hidden = false;
        radios.forEach((r) => { r.disabled = false; });
        const link = status.querySelector('a');
        if (link) link.focus();
      };
      recorder.start(SLICE);
      recording = true;
      if (video) {
        preview.srcObject = stream;
        preview.hidden = false;
        preview.play().catch(() => {});
      }
      radios.forEach((r) => { r.disabled = true; });
      clockEl.textContent = '0:00';
      saved.textContent = '';
      start.hidden = true;
      stop.hidden = false;
      indicator.hidden = false;
      document.title = '● ' + text(root, 'recording') + ' · ' + title;
      say(status, text(root, 'started'));
      stop.focus();
      stop.onclick = () => {
        if (recorder.state !== 'inactive') {
          say(status, text(root, 'stopping'));
          recorder.stop();
        }
      };
    });

    return showPending(root, storeKey);
  }

  // showPending offers what arrived of this client's interrupted
  // recordings: keep it (POST …/finish) or throw it away (DELETE).
  async function showPending(root, storeKey) {
    const section = document.getElementById('onaf');
    const list = document.getElementById('onaf-lijst');
    let uploads;
    try {
      const resp = await fetch('/api/v1/uploads', { credentials: 'same-origin', cache: 'no-store' });
      if (!resp.ok) return;
      uploads = await resp.json();
    } catch (_) {
      return;
    }
    const mine = localStorage.getItem(storeKey);
    const pending = uploads.filter((u) => u.client_id === root.dataset.client && u.size === null);
    if (mine && !pending.some((u) => mine.endsWith('/' + u.id))) localStorage.removeItem(storeKey);
    for (const u of pending) {
      const url = '/api/v1/uploads/' + u.id;
      const li = document.createElement('li');
      li.className = 'pending__item';
      const p = document.createElement('p');
      p.className = 'utrecht-paragraph';
      const when = new Date(u.changed_at).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });
      p.textContent = u.offset > 0 ? text(root, 'pending', { time: when, size: sizeText(u.offset) }) : text(root, 'empty');
      if (mine && mine.endsWith('/' + u.id)) p.textContent += ' ' + text(root, 'mine');
      li.appendChild(p);
      const buttons = document.createElement('div');
      buttons.className = 'actions';
      const result = document.createElement('div');
      result.setAttribute('role', 'status');
      const forget = () => { if (mine && mine.endsWith('/' + u.id)) localStorage.removeItem(storeKey); };
      if (u.offset > 0) {
        const keep = document.createElement('button');
        keep.type = 'button';
        keep.className = 'utrecht-button utrecht-button--primary-action';
        keep.textContent = text(root, 'keep');
        keep.addEventListener('click', async () => {
          buttons.querySelectorAll('button').forEach((b) => { b.disabled = true; });
          try {
            const res = await finish(url);
            forget();
            buttons.remove();
            say(result, text(root, 'kept'), linksTo(root, res.recording));
          } catch (e) {
            buttons.querySelectorAll('button').forEach((b) => { b.disabled = false; });
            say(result, text(root, 'failed', { msg: e.message }));
          }
        });
        buttons.appendChild(keep);
      }
      const discard = document.createElement('button');
      discard.type = 'button';
      discard.className = 'utrecht-button utrecht-button--secondary-action';
      discard.textContent = text(root, 'discard');
      discard.addEventListener('click', async () => {
        if (!window.confirm(text(root, 'discard-sure'))) return;
        const resp = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': TUS, 'Accept-Language': lang }, credentials: 'same-origin' });
        if (resp.status === 204 || resp.status === 404) {
          forget();
          buttons.remove();
          say(result, text(root, 'discarded'));
        } else {
          say(result, text(root, 'failed', { msg: (await failure(resp)).message }));
        }
      });
      buttons.appendChild(discard);
      li.appendChild(buttons);
      li.appendChild(result);
      list.appendChild(li);
    }
    section.hidden = pending.length === 0;
  }

  const work = [];
  const upload = document.getElementById('upload');
  if (upload) setupUpload(upload);
  const recorder = document.getElementById('recorder');
  if (recorder) work.push(setupRecorder(recorder));
  document.querySelectorAll('[data-print]').forEach((b) => {
    b.hidden = false;
    b.addEventListener('click', () => window.print());
  });
  Promise.allSettled(work).then(ready);
})();
