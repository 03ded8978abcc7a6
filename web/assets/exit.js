// The quick exit: the Escape key leaves the page for the neutral site the
// "Snel weg" link leads to, as the link itself does without JavaScript.
// The page is emptied first, so that it does not stay on the screen while
// the other site loads.
(function () {
  'use strict';
  function leave(href) {
    document.body.textContent = '';
    document.title = '';
    window.location.replace(href);
  }
  document.addEventListener('keydown', function (e) {
    const exit = document.getElementById('snel-weg');
    if (exit && e.key === 'Escape') {
      e.preventDefault();
      leave(exit.href);
    }
  });
  document.addEventListener('click', function (e) {
    const exit = e.target.closest && e.target.closest('#snel-weg');
    if (exit) {
      e.preventDefault();
      leave(exit.href);
    }
  });
})();
