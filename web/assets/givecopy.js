// The client's side: a client hands over a copy of their own recording
// when the organisation asks for one (a form per request on the
// conversation's page), resumably, and sees its receipt at once. A module:
// the page loads it with type=module.
import { text, uploadForm } from './upload.js';

// A phone's connection breaks more often: smaller chunks lose less.
const CHUNK = 2 * 1024 * 1024;

for (const form of document.querySelectorAll('form[data-give-copy]')) {
  uploadForm(form, {
    endpoint: form.action,
    chunk: CHUNK,
    metadata: () => ({ request_id: form.dataset.giveCopy }),
    links: (rec) => [[text(form, 'receipt'), '/l/opnames/' + encodeURIComponent(rec.id)]],
    input: form.querySelector('input[type=file]'),
    button: form.querySelector('button[type=submit]'),
    box: form.querySelector('.upload-progress'),
    bar: form.querySelector('progress'),
    status: form.querySelector('[role=status]'),
  });
}
