// opname's recording pages in the browser: a file upload that resumes
// after a broken connection (upload.js), and a recording made here that is
// sent to the server in chunks while it runs, so that a crash loses
// seconds, not the conversation. Both speak tus 1.0.0 to /api/v1/uploads
// through tus-js-client, same-origin, with the session cookie; the
// recording is an upload whose length is declared when it stops. Texts come
// from the page (data-m-* attributes), in the page's language; the server's
// refusals come in it too (Accept-Language). A module: the pages load it
// with type=module.
import { Upload } from './vendor/tus.js';
import { HTTPError, MAX_TRIES, errorOf, failure, finish, lang, retryable, say, sizeText, text, uploadForm } from './upload.js';

(function () {
  const TUS = '1.0.0';
  const CHUNK = 8 * 1024 * 1024; // bytes per PATCH
  const SLICE = 5000; // milliseconds of recording per chunk

  // The page is busy until its first requests are answered; the
  // accessibility check waits for this.
  document.documentElement.setAttribute('data-busy', '');
  const ready = () => document.documentElement.removeAttribute('data-busy');

  function clock(seconds) {
    const s = Math.floor(seconds);
    const hh = Math.floor(s / 3600), mm = Math.floor(s / 60) % 60, ss = String(s % 60).padStart(2, '0');
    return hh ? hh + ':' + String(mm).padStart(2, '0') + ':' + ss : mm + ':' + ss;
  }

  function linksTo(root, rec) {
    return [[text(root, 'receipt'), '/opnames/' + rec.id + '/bewijs'], [text(root, 'view'), '/opnames/' + rec.id]];
  }

  // The file upload: a file of a conversation, of the client, with who
  // recorded it.
  function setupUpload(form) {
    uploadForm(form, {
      endpoint: '/api/v1/uploads',
      chunk: CHUNK,
      metadata: () => {
        const checked = form.querySelector('input[name=bron]:checked');
        if (!checked) {
          say(document.getElementById('upload-status'), text(form, 'nosource'));
          form.querySelector('input[name=bron]').focus();
          return null;
        }
        return { client_id: form.dataset.client, source: checked.value };
      },
      links: (rec) => linksTo(form, rec),
      input: form.querySelector('input[type=file]'),
      button: form.querySelector('button[type=submit]'),
      box: document.getElementById('upload-voortgang'),
      bar: document.getElementById('upload-progress'),
      status: document.getElementById('upload-status'),
    });
  }

  // LetGo is a request for bytes of a recording that were let go.
  class LetGo extends Error {}

  // Recording is what a MediaRecorder has given so far, read by
  // tus-js-client as the source of an upload of unknown length: slice waits
  // until there are bytes after start, or the recording has stopped, and
  // gives up to end - start of them; done says they are the last, so that
  // the client declares the length. The start of a slice is an offset the
  // server confirmed, so the bytes before it are let go; the bytes after it
  // stay until the server has them, and are sent again after a failure.
  class Recording {
    constructor() {
      this.buffer = new Blob([]); // bytes the server has not confirmed
      this.from = 0; // offset of the buffer's first byte
      this.marks = []; // [offset after a chunk, seconds of recording in it]
      this.stopped = false;
      this.waiting = [];
    }

    get length() {
      return this.from + this.buffer.size;
    }

    push(blob, seconds) {
      this.buffer = new Blob([this.buffer, blob]);
      this.marks.push([this.length, seconds]);
      this.wake();
    }

    stop() {
      this.stopped = true;
      this.wake();
    }

    wake() {
      const waiting = this.waiting;
      this.waiting = [];
      waiting.forEach((w) => w());
    }

    // secondsIn is how many seconds of recording the first bytes hold,
    // counting whole chunks only.
    secondsIn(bytes) {
      let s = 0;
      for (const [end, seconds] of this.marks) if (end <= bytes) s = seconds;
      return s;
    }

    async slice(start, end) {
      // Only an upload made anew would ask for bytes already let go.
      if (start < this.from) throw new LetGo('the bytes before ' + this.from + ' are no longer here');
      while (!this.stopped && this.length <= start) await new Promise((w) => this.waiting.push(w));
      this.buffer = this.buffer.slice(start - this.from);
      this.from = start;
      const value = this.buffer.slice(0, end - start);
      const done = this.stopped && start + value.size >= this.length;
      return { value: done && value.size === 0 ? null : value, done };
    }

    close() {}
  }

  // Waits before each new try of a recording's upload: 2, 4, 8, 16, then
  // 30 s, for hours; the count starts again whenever bytes get through.
  const RECORDING_DELAYS = Array.from({ length: 1000 }, (_, i) => Math.min(30, 2 ** (i + 1)) * 1000);

  // sendRecording appends source to a new upload of unknown length with
  // tus-js-client. created resolves with the upload's path once the server
  // made it, or rejects at once with why it did not. stored resolves, once
  // the recording has stopped and all of it arrived, with the stored
  // recording and its receipt; it rejects when the server refuses it, or
  // when the connection stays away after the recording stopped. While the
  // recording runs, a broken connection is tried again and again, each time
  // from where the server says it got to.
  function sendRecording(source, metadata, onSaved, onTrouble) {
    let created, notCreated, stored, notStored;
    const result = {
      created: new Promise((res, rej) => { created = res; notCreated = rej; }),
      stored: new Promise((res, rej) => { stored = res; notStored = rej; }),
    };
    // The recorder asks for stored only after it stopped.
    result.stored.catch(() => {});
    let answer = null;
    const upload = new Upload(source, {
      endpoint: '/api/v1/uploads',
      uploadLengthDeferred: true,
      chunkSize: CHUNK,
      fileReader: { openFile: () => Promise.resolve(source) },
      // The page remembers the upload itself (showPending offers it).
      storeFingerprintForResuming: false,
      fingerprint: () => Promise.resolve(null),
      metadata,
      headers: { 'Accept-Language': lang },
      retryDelays: RECORDING_DELAYS,
      onShouldRetry: (err, attempt) => {
        // Not being able to start is said at once; bytes let go cannot
        // be sent again.
        if (!upload.url || err.causingError instanceof LetGo) return false;
        if (!retryable(errorOf(err).status)) return false;
        if (source.stopped && attempt >= MAX_TRIES) return false;
        onTrouble();
        return true;
      },
      onUploadUrlAvailable: () => {
        // Once made, a lost upload is an error: tus-js-client would
        // otherwise start a new one, without the bytes let go.
        upload.options.endpoint = null;
        created(new URL(upload.url, location.href).pathname);
      },
      onAfterResponse: (req, res) => {
        // The PATCH that declares the length is answered with the
        // recording and receipt.
        if (req.getMethod() === 'PATCH' && res.getStatus() === 200) answer = JSON.parse(res.getBody());
      },
      onChunkComplete: (_, accepted) => onSaved(accepted, source.secondsIn(accepted)),
      onSuccess: () => {
        // All bytes had arrived before but were not stored: store them.
        if (answer) stored(answer);
        else finish(upload.url).then(stored, notStored);
      },
      onError: (err) => {
        const e = errorOf(err);
        if (upload.url) notStored(e);
        else notCreated(e);
      },
    });
    upload.start();
    return result;
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
      const source = new Recording();
      // A recording made for a request of the conversation workflow is
      // linked to it (and refused while the request is not ready).
      const metadata = { client_id: clientID, source: 'organisation' };
      if (root.dataset.request) metadata.request_id = root.dataset.request;
      const sending = sendRecording(source, metadata, (bytes, seconds) => {
        saved.textContent = text(root, 'saved', { time: clock(seconds), size: sizeText(bytes) });
        saved.dataset.seconds = String(Math.floor(seconds));
      }, () => say(status, text(root, 'trouble')));
      let url;
      try {
        url = await sending.created;
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
      recorder.ondataavailable = (ev) => { if (ev.data && ev.data.size > 0) source.push(ev.data, elapsed()); };
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
        // The last chunk came before this event: all of it is in source.
        source.stop();
        try {
          const result = await sending.stored;
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
