// The check of a copy against its receipt, in the browser and without
// sending the file anywhere: the file's SHA-256 and size equal the
// receipt's entry, the checkpoint is a signed note (C2SP signed-note,
// Ed25519) signed by the organisation's published verifier key, and the
// inclusion proof puts the entry in the tree of that checkpoint (RFC 6962
// hashing, as golang.org/x/mod/sumdb/tlog computes it). It accepts what
// translog's Receipt.Verify accepts with the published key as the one
// trusted key (what `opname verify --key` accepts), and nothing more.
//
// checkReceipt is the check itself. Any element with data-receipt-check
// gets a file chooser and drop zone; its data attributes give the receipt's
// URL (data-receipt-url), the published key's URL (data-key-url) and the
// texts (data-m-*), so that each page that offers the check only renders
// the receiptcheck template.
import { createSHA256 } from './vendor/sha256.js';
import { verify as ed25519Verify } from './vendor/ed25519.js';

const RECEIPT_FORMAT = 'opname-receipt/1';
const MAX_RECEIPT = 1 << 20; // bytes, as translog.DecodeReceipt
const SLICE = 8 * 1024 * 1024; // bytes of the file read at a time
const INT64_MAX = (1n << 63n) - 1n;

// CheckError says which step of the check failed: receipt (unusable
// receipt), key (unusable published key), file (not the receipt's file),
// signature (not signed by the published key), checkpoint (the signed
// checkpoint does not fit the receipt) or proof (the entry is not proved
// to be in the log).
export class CheckError extends Error {
  constructor(step, message) {
    super(message);
    this.step = step;
  }
}

const fail = (step, message) => {
  throw new CheckError(step, message);
};

const utf8 = (s) => new TextEncoder().encode(s);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// sha256 hashes bytes with one reused hasher.
let hasher = null;
async function sha256(bytes) {
  if (!hasher) hasher = await createSHA256();
  hasher.init();
  hasher.update(bytes);
  return hasher.digest('binary');
}

// base64 decodes as Go's base64.StdEncoding.DecodeString: padded, line
// breaks ignored; null when it is not base64.
function base64(s) {
  s = s.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// Go's unicode.IsSpace.
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const hasSpace = new RegExp('[' + SPACE + ']');
const trimSpace = (s) => s.replace(new RegExp('^[' + SPACE + ']+|[' + SPACE + ']+$', 'g'), '');
const validUTF8 = (s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

// validName is note's isValidName.
const validName = (name) => name !== '' && validUTF8(name) && !hasSpace.test(name) && !name.includes('+');

// parseKey reads a verifier key as note.NewVerifier does (after
// strings.TrimSpace, as translog.ParseVerifierKey): NAME+HASH+KEY, HASH
// the first four bytes of SHA-256(NAME "\n" KEY), KEY an Ed25519 key.
export async function parseKey(text) {
  text = trimSpace(String(text));
  const [name, rest = ''] = splitOnce(text, '+');
  const [hash16, key64 = ''] = splitOnce(rest, '+');
  const key = base64(key64);
  if (hash16.length !== 8 || !/^[0-9a-fA-F]{8}$/.test(hash16) || !key || !validName(name) || key.length === 0) {
    fail('key', 'not a verifier key (want ORIGIN+HASH+KEY)');
  }
  const sum = await sha256(concat(utf8(name + '\n'), key));
  const hash = new DataView(sum.buffer).getUint32(0);
  if (hash !== parseInt(hash16, 16)) fail('key', 'the verifier key hash does not match its key');
  if (key[0] !== 1 || key.length !== 33) fail('key', 'not an Ed25519 verifier key');
  return { name, hash, key: key.slice(1) };
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + sep.length)];
}

// fields reads a JSON object into the fields named, matched without
// regard to case as Go's encoding/json does; strict refuses other names.
function fields(obj, names, strict, step, what) {
  if (obj === null) return {};
  if (typeof obj !== 'object' || Array.isArray(obj)) fail(step, what + ': not an object');
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    const name = names.find((n) => n.toLowerCase() === k.toLowerCase());
    if (!name) {
      if (strict) fail(step, what + ': unknown field ' + k);
      continue;
    }
    out[name] = v;
  }
  return out;
}

// typed checks a decoded JSON value against a Go type: string, int64 or
// time; null is Go's zero value.
function typed(v, type, step, what) {
  if (v === null || v === undefined) return type === 'string' ? '' : type === 'int64' ? 0 : null;
  if (type === 'string' || type === 'time') {
    if (typeof v !== 'string') fail(step, what + ': not a string');
    if (type === 'time' && !rfc3339(v)) fail(step, what + ': not an RFC 3339 time');
    return v;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(step, what + ': not a whole number');
  return v;
}

function rfc3339(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h < 24 && mi < 60 && se < 60 && (!m[9] || (Number(m[9]) < 24 && Number(m[10]) < 60));
}

// ENTRY is translog.Entry's fields and their types.
const ENTRY = {
  kind: 'string', recording_id: 'string', sha256: 'string', size: 'int64', time: 'time', origin: 'string',
  agreements_digest: 'string', derived_from: 'string', edit_statement_sha256: 'string',
  access_log_seq: 'int64', access_log_hash: 'string',
};

// entryOf reads an entry; strict refuses unknown fields (as the receipt's
// decoder does for its record, not for the entry's own bytes).
function entryOf(obj, step, what, strict) {
  const f = fields(obj, Object.keys(ENTRY), strict, step, what);
  const e = {};
  for (const [k, type] of Object.entries(ENTRY)) e[k] = typed(f[k], type, step, what + '.' + k);
  return e;
}

// parseReceipt reads a receipt as translog.DecodeReceipt does.
export async function parseReceipt(text) {
  if (utf8(text).length > MAX_RECEIPT) fail('receipt', 'not a receipt: larger than 1 MiB');
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (_) {
    fail('receipt', 'not a receipt: not JSON');
  }
  if (obj === null) obj = {};
  const f = fields(obj, ['format', 'entry', 'record', 'index', 'inclusion_proof', 'checkpoint', 'verifier_key'], true, 'receipt', 'receipt');
  entryOf(f.record ?? null, 'receipt', 'record', true);
  const rc = {
    format: typed(f.format, 'string', 'receipt', 'format'),
    entry: typed(f.entry, 'string', 'receipt', 'entry'),
    index: typed(f.index, 'int64', 'receipt', 'index'),
    checkpoint: typed(f.checkpoint, 'string', 'receipt', 'checkpoint'),
    verifierKey: typed(f.verifier_key, 'string', 'receipt', 'verifier_key'),
    proof: [],
  };
  if (rc.format !== RECEIPT_FORMAT) fail('receipt', 'format: not ' + RECEIPT_FORMAT);
  let entry;
  try {
    entry = JSON.parse(rc.entry);
  } catch (_) {
    fail('receipt', 'entry: not a log entry');
  }
  rc.record = entryOf(entry, 'receipt', 'entry', false);
  if (rc.record.origin === '') fail('receipt', 'entry: names no log (origin)');
  if (rc.index < 0 || !Number.isSafeInteger(rc.index)) fail('receipt', 'index: a number of 0 or more');
  const proof = f.inclusion_proof ?? [];
  if (!Array.isArray(proof)) fail('receipt', 'inclusion_proof: not a list');
  for (const h of proof) {
    const b = typeof h === 'string' || h === null ? base64(h ?? '') : null;
    if (!b || b.length !== 32) fail('receipt', 'inclusion_proof: a hash is not 32 bytes of base64');
    rc.proof.push(b);
  }
  try {
    rc.key = await parseKey(rc.verifierKey);
  } catch (e) {
    fail('receipt', 'verifier_key: ' + e.message);
  }
  if (rc.checkpoint === '') fail('receipt', 'checkpoint: empty');
  return rc;
}

// hashFile is the SHA-256 (hex) and size of a Blob, read a slice at a time.
export async function hashFile(file, onProgress) {
  const h = await createSHA256();
  h.init();
  for (let at = 0; at < file.size; at += SLICE) {
    h.update(new Uint8Array(await file.slice(at, at + SLICE).arrayBuffer()));
    if (onProgress) onProgress(Math.min(at + SLICE, file.size), file.size);
  }
  return { sha256: h.digest('hex'), size: file.size };
}

// openNote checks a signed note as note.Open does with key as the only
// known verifier, and returns its text.
function openNote(msg, key) {
  for (const ch of msg) {
    const c = ch.codePointAt(0);
    if (c < 0x20 && c !== 0x0a) fail('signature', 'the checkpoint is not a well-formed signed note');
  }
  if (!validUTF8(msg)) fail('signature', 'the checkpoint is not a well-formed signed note');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) fail('signature', 'the checkpoint is not a well-formed signed note');
  const text = msg.slice(0, split + 1);
  let sigs = msg.slice(split + 2);
  if (sigs === '' || !sigs.endsWith('\n')) fail('signature', 'the checkpoint is not a well-formed signed note');
  let verified = false;
  let count = 0;
  while (sigs.length > 0) {
    const i = sigs.indexOf('\n');
    let line = sigs.slice(0, i);
    sigs = sigs.slice(i + 1);
    if (!line.startsWith('\u2014 ')) fail('signature', 'the checkpoint is not a well-formed signed note');
    line = line.slice(2);
    const [name, b64 = ''] = splitOnce(line, ' ');
    const sig = base64(b64);
    if (!sig || !validName(name) || b64 === '' || sig.length < 5) fail('signature', 'the checkpoint is not a well-formed signed note');
    if (++count > 100) fail('signature', 'the checkpoint is not a well-formed signed note');
    const hash = new DataView(sig.buffer).getUint32(0);
    if (name !== key.name || hash !== key.hash || verified) continue; // another's, or again
    if (!ed25519Verify(sig.slice(4), utf8(text), key.key)) fail('signature', 'the checkpoint\'s signature does not verify');
    verified = true;
  }
  if (!verified) fail('signature', 'the checkpoint is not signed by the published key');
  return text;
}

// parseCheckpoint reads a checkpoint body as translog.ParseCheckpoint.
function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[0] === '') fail('checkpoint', 'want origin, size and root hash on three lines');
  if (!/^(0|[1-9][0-9]*)$/.test(lines[1]) || BigInt(lines[1]) > INT64_MAX) fail('checkpoint', 'the size is not a whole number');
  const root = base64(lines[2]);
  if (!root || root.length !== 32 || toBase64(root) !== lines[2]) fail('checkpoint', 'the root hash is not 32 bytes of base64');
  return { origin: lines[0], size: BigInt(lines[1]), root };
}

const recordHash = (data) => sha256(concat(new Uint8Array([0]), data));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

// maxpow2 is the largest power of 2 smaller than n (n > 1).
function maxpow2(n) {
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return k;
}

// runRecordProof is tlog's: the root of the tree [lo, hi) that p proves
// leaf n with hash leaf to be in, or null.
async function runRecordProof(p, lo, hi, n, leaf) {
  if (lo + 1n === hi) return p.length === 0 ? leaf : null;
  if (p.length === 0) return null;
  const k = maxpow2(hi - lo);
  const last = p[p.length - 1];
  if (n < lo + k) {
    const th = await runRecordProof(p.slice(0, -1), lo, lo + k, n, leaf);
    return th && nodeHash(th, last);
  }
  const th = await runRecordProof(p.slice(0, -1), lo + k, hi, n, leaf);
  return th && nodeHash(last, th);
}

// checkRecord is tlog.CheckRecord.
async function checkRecord(proof, size, root, index, leaf) {
  if (index >= size) return false;
  const th = await runRecordProof(proof, 0n, size, index, leaf);
  return th !== null && equalBytes(th, root);
}

// checkReceipt checks file against the receipt (its JSON text) with the
// published verifier key (its text). It returns what was proved, or
// throws a CheckError naming the step that failed.
export async function checkReceipt(receiptText, keyText, file, onProgress) {
  const rc = await parseReceipt(receiptText);
  const key = await parseKey(keyText);
  const got = await hashFile(file, onProgress);
  if (got.sha256 !== rc.record.sha256 || got.size !== rc.record.size) fail('file', 'the file does not match the receipt');
  // Only the published key is trusted, and only for its own log.
  if (key.name !== rc.record.origin) fail('signature', 'the published key is not the key of the receipt\'s log');
  const cp = parseCheckpoint(openNote(rc.checkpoint, key));
  if (cp.origin !== key.name) fail('checkpoint', 'the checkpoint is of another log than the key');
  if (rc.record.origin !== cp.origin) fail('checkpoint', 'the entry belongs to another log than the checkpoint');
  const leaf = await recordHash(utf8(rc.entry));
  if (!(await checkRecord(rc.proof, cp.size, cp.root, BigInt(rc.index), leaf))) fail('proof', 'the inclusion proof does not prove the entry in the log');
  return { record: rc.record, index: rc.index, origin: cp.origin, size: cp.size, sha256: got.sha256 };
}

// text is the element's data-m-NAME message with {vars} filled in.
function text(el, name, vars) {
  const key = 'm' + name.replace(/(^|-)([a-z])/g, (_, d, c) => c.toUpperCase());
  let s = el.dataset[key] || name;
  for (const k in vars || {}) s = s.split('{' + k + '}').join(vars[k]);
  return s;
}

async function fetchText(url) {
  const resp = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!resp.ok) throw new Error(url + ': ' + resp.status);
  return resp.text();
}

// enhance offers the check in root (an element with data-receipt-check):
// a file chooser and a drop zone, and the verdict in its live region.
export function enhance(root) {
  const input = root.querySelector('input[type=file]');
  const result = root.querySelector('[data-check-result]');
  let receipt = null;
  const lang = document.documentElement.lang || 'nl';
  function show(verdict, step, lines) {
    result.dataset.verdict = verdict;
    result.dataset.step = step || '';
    result.className = 'utrecht-alert check-result' + (verdict === 'match' ? ' utrecht-alert--ok' : verdict === 'mismatch' ? ' utrecht-alert--error' : '');
    result.textContent = '';
    for (const line of lines) {
      const p = document.createElement('p');
      p.className = 'utrecht-paragraph';
      p.textContent = line;
      result.appendChild(p);
    }
  }
  async function check(file) {
    if (!file) return;
    root.setAttribute('aria-busy', 'true');
    input.disabled = true;
    show('busy', '', [text(root, 'busy', { name: file.name, p: 0 })]);
    let lastSaid = 0;
    try {
      receipt = receipt || await Promise.all([fetchText(root.dataset.receiptUrl), fetchText(root.dataset.keyUrl)]);
    } catch (_) {
      receipt = null;
      show('error', 'load', [text(root, 'load')]);
      root.removeAttribute('aria-busy');
      input.disabled = false;
      return;
    }
    try {
      const found = await checkReceipt(receipt[0], receipt[1], file, (done, total) => {
        const p = Math.floor((100 * done) / total);
        if (p - lastSaid >= 25) {
          lastSaid = p;
          show('busy', '', [text(root, 'busy', { name: file.name, p })]);
        }
      });
      show('match', '', [text(root, 'match', { name: file.name }), text(root, 'match-log', { n: String(found.index + 1), size: found.size.toLocaleString(lang) })]);
    } catch (e) {
      const step = e instanceof CheckError ? e.step : 'receipt';
      show('mismatch', step, [text(root, 'mismatch', { name: file.name }), text(root, 'step-' + step)]);
    } finally {
      root.removeAttribute('aria-busy');
      input.disabled = false;
      input.value = '';
    }
  }
  input.addEventListener('change', () => check(input.files[0]));
  root.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    root.classList.add('receipt-check--over');
  });
  root.addEventListener('dragleave', () => root.classList.remove('receipt-check--over'));
  root.addEventListener('drop', (ev) => {
    ev.preventDefault();
    root.classList.remove('receipt-check--over');
    check(ev.dataTransfer.files[0]);
  });
  root.hidden = false;
}

document.querySelectorAll('[data-receipt-check]').forEach(enhance);
