// A form that changes something is sent once: while it is on its way, its
// buttons are disabled and a second click sends nothing. Without this
// script the forms work the same, and the server takes a form sent twice
// as once; the script only keeps people from waiting for it.
(() => {
  'use strict';
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented || form.method !== 'post') return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = 'true';
    form.setAttribute('aria-busy', 'true');
    // Disabled after the browser took the form's fields, so that the
    // button that sent it still counts.
    setTimeout(() => {
      for (const button of form.querySelectorAll('button, input[type="submit"]')) {
        if (!button.disabled) {
          button.disabled = true;
          button.dataset.sending = 'true';
        }
      }
    }, 0);
  });
  // A page shown again from the browser's history can send its forms again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    for (const form of document.querySelectorAll('form[data-sending]')) {
      delete form.dataset.sending;
      form.removeAttribute('aria-busy');
      for (const button of form.querySelectorAll('[data-sending]')) {
        button.disabled = false;
        delete button.dataset.sending;
      }
    }
  });
})();
