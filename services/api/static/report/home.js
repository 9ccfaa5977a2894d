// The form page's two quiet notes: no network now (the form works all the same), and how to put
// the form on the phone's home screen (the browser's own offer as a button, when it makes one).
(function () {
  'use strict';
  var el = function (id) { return document.getElementById(id); };
  var banner = el('net-banner');
  if (!banner) { return; }
  function network() { banner.hidden = navigator.onLine; }
  window.addEventListener('online', network);
  window.addEventListener('offline', network);
  network();

  // To the home screen: the browser's own offer when it makes one, else the hint's words.
  var offer = null, install = el('install');
  window.addEventListener('beforeinstallprompt', function (e) { e.preventDefault(); offer = e; install.hidden = false; });
  install.addEventListener('click', function () {
    if (!offer) { return; }
    offer.prompt();
    offer.userChoice.then(function () { offer = null; install.hidden = true; });
  });
  if (window.matchMedia && window.matchMedia('(display-mode: standalone)').matches) { el('install-hint').hidden = true; }
  window.addEventListener('appinstalled', function () { el('install-hint').hidden = true; });
})();
