// The page the service worker shows for a link it cannot fetch offline (contract §13): how many
// reports wait in this browser, read here from the form's queue (the page itself holds nothing).
(function () {
  'use strict';
  var queued = document.getElementById('queued');
  var count = 0;
  try { count = JSON.parse(localStorage.getItem('hotline-report-queue') || '[]').length; } catch (e) { count = 0; }
  queued.hidden = !count;
  queued.textContent = count + ' 份报告保存在本机，联网后自动发送。';
  // Opened again once the server answers: the browser's `online` alone may come and go (a
  // navigation just begun would be cancelled by a reload on a signal that carries nothing).
  window.addEventListener('online', function () {
    fetch('/report-sw.js', {method: 'HEAD', cache: 'no-store'}).then(function () { location.reload(); }, function () {});
  });
})();
