// The form page's two quiet notes: no network now (the form works all the same; not while the
// saved-notice of offline.js says it already), and a short line near the top on putting the form
// on the phone's home screen (the browser's own offer as a button, when it makes one), closed for
// good with 知道了: a flag in this browser, nothing else.
(function () {
  'use strict';
  var el = function (id) { return document.getElementById(id); };
  var banner = el('net-banner'), box = el('offline-box');
  if (!banner) { return; }
  function network() { banner.hidden = navigator.onLine || (box !== null && !box.hidden); }
  window.addEventListener('online', network);
  window.addEventListener('offline', network);
  network();

  var CLOSED = 'hotline-install-hint-closed';
  var hint = el('install-hint'), offer = null, install = el('install');
  function closed() { try { return localStorage.getItem(CLOSED) === '1'; } catch (e) { return false; } }
  var standalone = window.matchMedia && window.matchMedia('(display-mode: standalone)').matches;
  // A phone's home screen: a PC in a school office has none (stop 64's teacher).
  var phone = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
  hint.hidden = closed() || standalone || !phone;
  el('install-close').addEventListener('click', function () {
    try { localStorage.setItem(CLOSED, '1'); } catch (e) { /* private mode: closed for this page */ }
    hint.hidden = true;
    el('f-immediate_danger').focus();  // the focus stays on the form, not lost with the button
  });
  window.addEventListener('beforeinstallprompt', function (e) { e.preventDefault(); offer = e; install.hidden = false; });
  install.addEventListener('click', function () {
    if (!offer) { return; }
    offer.prompt();
    offer.userChoice.then(function () { offer = null; install.hidden = true; });
  });
  window.addEventListener('appinstalled', function () { hint.hidden = true; });
})();
