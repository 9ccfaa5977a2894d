// The reporter's form without a network (contract §13). Offline, a submitted report waits in
// this browser's storage with its idempotency key; when the network returns (the `online` event,
// or the next time the page opens) it is sent with a form token fetched then, under the session
// of that moment. A 2xx, 409 or 422 answer removes it from the browser: a 2xx shows the receipt,
// a 409 or 422 posts it once more as the page itself so the server's form shows what to fix
// (nothing was stored, so the same key files nothing twice). A session run out keeps it and asks
// to log in again; the page sends it after the login brings the reporter back here.
(function () {
  'use strict';
  var STORE = 'hotline-report-queue';
  var form = document.querySelector('form[action="/report"]');
  var box = document.getElementById('offline-box');
  var text = document.getElementById('offline-text');
  var relogin = document.getElementById('offline-login');
  var receipts = document.getElementById('sent-receipts');
  if (!form || !box) { return; }
  var csrf = form.querySelector('input[name="csrf"]');
  var key = form.querySelector('input[name="idempotency_key"]');
  var sending = false, retry = null;

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/report-sw.js', {scope: '/report'}).catch(function () {});
  }

  function newKey() {  // as the server makes one: 18 random bytes, base64url
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_');
  }
  // A fresh form gets its own key here: a form page kept for offline use would otherwise give
  // every report typed on it the same key, and the second would be refused as a conflict.
  if (form.hasAttribute('data-fresh')) { key.value = newKey(); }

  function queued() {
    try { return JSON.parse(localStorage.getItem(STORE) || '[]'); } catch (e) { return []; }
  }
  function keep(list) {
    if (list.length) { localStorage.setItem(STORE, JSON.stringify(list)); } else { localStorage.removeItem(STORE); }
  }
  function drop(record) {
    keep(queued().filter(function (r) { return r.key !== record.key; }));
  }

  function say(message, login) {
    var count = queued().length;
    box.hidden = !count;
    relogin.hidden = !login;
    text.textContent = message + (count > 1 ? '（共 ' + count + ' 份）' : '');
  }
  var WAITING = '网络已断开：报告已保存在本机，联网后自动发送';
  var SENDING = '网络已恢复，正在发送本机保存的报告……';
  var RETRY = '报告仍保存在本机，暂未发送成功，稍后自动重试。';
  var EXPIRED = '登录已过期：报告仍保存在本机。请重新登录，登录后自动发送。';

  function queue() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== 'csrf' && name !== 'idempotency_key') { fields.push([name, String(value)]); }
    });
    var list = queued();
    list.push({key: key.value || newKey(), user: form.getAttribute('data-user') || '', fields: fields});
    keep(list);
    form.reset();  // what the form's script showed for the last one goes with it
    document.getElementById('danger-notice').hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll('.id-warning'), function (w) { w.hidden = true; });
    key.value = newKey();  // the next report is another report
    document.getElementById('submit').disabled = false;
    say(WAITING, false);
    box.focus();
    later();
  }

  function send() {  // the form's own submit: `form.submit` is the button with the id "submit"
    HTMLFormElement.prototype.submit.call(form);
  }

  // The browser may say it is online on a signal that carries nothing: a small request first,
  // and the form goes as before (the server's answer as the page) only if that one came back.
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!navigator.onLine) { queue(); return; }
    var stop = new AbortController(), timer = setTimeout(function () { stop.abort(); }, 8000);
    // A HEAD, which the service worker never answers from its copies.
    fetch('/report-sw.js', {method: 'HEAD', cache: 'no-store', signal: stop.signal}).then(function () {
      clearTimeout(timer);
      if (csrf.value) { send(); return; }
      // A form page kept for offline use has no form token: this session's first (a session
      // run out gets the login page, which keeps what was typed).
      return freshForm().then(function (page) {
        if (page) { csrf.value = page.csrf; }
        send();
      });
    }, function () {
      clearTimeout(timer);
      throw new Error('unreachable');
    }).catch(function () { queue(); });
  });

  // The form page as the server gives it now: its form token and whose session it is, or null
  // when the session has run out (the server sent the login page instead).
  function freshForm() {
    return fetch('/report', {credentials: 'same-origin', cache: 'no-store'}).then(function (r) {
      if (new URL(r.url).pathname === '/login') { return null; }
      if (!r.ok) { throw new Error('refused: ' + r.status); }  // another role, the store down
      return r.text().then(function (html) {
        var found = new DOMParser().parseFromString(html, 'text/html').querySelector('form[action="/report"]');
        return found && {csrf: found.querySelector('input[name="csrf"]').value, user: found.getAttribute('data-user')};
      });
    });
  }

  function body(record, token) {
    var data = new URLSearchParams();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append('csrf', token);
    data.append('idempotency_key', record.key);
    return data;
  }

  function showReceipt(html) {
    var main = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
    Array.prototype.forEach.call(main.children, function (node) {
      var copy = document.importNode(node, true);
      [copy].concat(Array.prototype.slice.call(copy.querySelectorAll('[id]'))).forEach(function (n) {
        if (n.id) { n.setAttribute('data-was', n.id); n.removeAttribute('id'); }
      });
      receipts.appendChild(copy);
    });
  }

  function postAsPage(record, token) {  // the server's own form, with its errors by the fields
    var page = document.createElement('form');
    page.method = 'post';
    page.action = '/report';
    page.hidden = true;
    body(record, token).forEach(function (value, name) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = name; input.value = value;
      page.appendChild(input);
    });
    document.body.appendChild(page);
    page.submit();
  }

  function sendNext(list, page) {
    var record = list.shift();
    if (!record) { return Promise.resolve(false); }
    if (record.user && page.user && record.user !== page.user) {
      say('本机保存的报告由账号“' + record.user + '”填写，请用该账号重新登录，登录后自动发送。', true);
      return Promise.resolve(true);
    }
    return fetch('/report', {method: 'POST', body: body(record, page.csrf), credentials: 'same-origin'})
      .then(function (r) {
        if (r.ok) {
          drop(record);
          return r.text().then(function (html) { showReceipt(html); return sendNext(list, page); });
        }
        if (r.status === 409 || r.status === 422) {
          drop(record);
          postAsPage(record, page.csrf);
          return true;
        }
        if (r.status === 401) {
          say(EXPIRED, true);
          return true;
        }
        say(RETRY, false);  // refused for now (busy, a stale token): kept, tried again later
        later();
        return true;
      });
  }

  function later() {  // the `online` event does not come when the browser never thought it was offline
    if (retry === null) { retry = setTimeout(function () { retry = null; sendAll(); }, 30000); }
  }

  function sendAll() {
    if (sending || !navigator.onLine || !queued().length) { return; }
    sending = true;
    say(SENDING, false);
    freshForm().then(function (page) {
      if (page === null) {
        say(EXPIRED, true);
        return true;
      }
      csrf.value = page.csrf;  // this page's own form can be sent again too
      return sendNext(queued(), page);
    }).then(function (stopped) {
      if (!stopped) { say('', false); }
    }, function (error) {  // the network went again, or the server is not ready: kept for the next try
      say(!navigator.onLine || error instanceof TypeError ? WAITING : RETRY, false);
      later();
    }).then(function () { sending = false; });
  }

  // A form page kept for offline use has no form token: fetch one once the network is here.
  function refreshToken() {
    freshForm().then(function (page) { if (page) { csrf.value = page.csrf; } }, function () {});
  }

  window.addEventListener('online', function () { if (queued().length) { sendAll(); } else { refreshToken(); } });
  window.addEventListener('offline', function () { if (queued().length) { say(WAITING, false); } });
  if (queued().length) {
    if (navigator.onLine) { sendAll(); } else { say(WAITING, false); }
  } else if (!csrf.value && navigator.onLine) {
    refreshToken();
  }
})();
