// The reporter's form without a network (contract §13): served at /report-sw.js, registered for
// the whole site. It keeps the last form page /report gave this browser (network first, the
// copy only when the network fails) and the files that page uses; any other page it cannot
// fetch is answered by a small page that says the network is gone and links back to the form.
// It keeps no report: a report typed offline waits in the page's own storage (offline.js) and
// leaves it once sent.
'use strict';

var CACHE = 'hotline-report-v4';
var SHELL = '/report';
var OFFLINE = '/static/report/offline.html';
var ASSETS = ['/static/report/offline.js', '/static/report/checks.js', '/static/report/queue.js',
  '/static/report/home.js', '/static/report/manifest.webmanifest',
  '/static/report/icon.svg', '/static/report/icon-192.png', '/favicon.svg', OFFLINE,
  '/static/report/offline-page.js', '/static/report/routes.js', '/static/report/draft.js'];

// Only the form itself, signed in as a reporter: not a login page the server sent instead.
function isForm(response) {
  return response.status === 200 && !response.redirected && new URL(response.url).pathname === SHELL;
}

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () {  // the form of the visit that installs it: offline from the next visit on
      return fetch(SHELL, {credentials: 'same-origin', cache: 'no-store'}).then(function (response) {
        return isForm(response) ? keepShell(response) : null;
      }, function () { return null; });
    })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// The copy keeps no form token: the token belongs to a session that will have ended by the time
// the copy is shown; the page fetches a fresh one before anything is sent.
function keepShell(response) {
  return response.text().then(function (html) {
    var blank = html.replace(/(name="csrf" value=")[^"]*"/, '$1"');
    var headers = new Headers(response.headers);
    headers.delete('Content-Length');  // the body is shorter by the token
    return caches.open(CACHE).then(function (cache) {
      return cache.put(SHELL, new Response(blank, {status: 200, headers: headers}));
    });
  });
}

function networkFirst(request, key, keep) {
  return fetch(request).then(function (response) {
    if (keep(response)) {
      var copy = response.clone();
      return (key === SHELL ? keepShell(copy) : caches.open(CACHE).then(function (cache) {
        return cache.put(key, copy);
      })).then(function () { return response; }, function () { return response; });
    }
    return response;
  }, function () {
    return caches.match(key).then(function (found) { return found || offlinePage(request); });
  });
}

// A page it cannot fetch: the small offline page for a navigation, an error for anything else.
function offlinePage(request) {
  if (request.mode !== 'navigate') { return Response.error(); }
  return caches.match(OFFLINE).then(function (found) { return found || Response.error(); });
}

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== 'GET') {
    return;  // a report sent, a login: always the network
  }
  if (request.mode === 'navigate' && url.pathname === SHELL) {
    event.respondWith(networkFirst(request, SHELL, isForm));
  } else if (request.mode === 'navigate') {  // 我提交的报告, 查询处理进度…: the network, or that page
    event.respondWith(fetch(request).catch(function () { return offlinePage(request); }));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(networkFirst(request, url.pathname, function (response) { return response.ok; }));
  }
});
