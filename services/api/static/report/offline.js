// The reporter's form without a network (contract §13). Offline, a report that passes the form's
// own checks (checks.js) waits in this browser's storage with its idempotency key; when the
// network returns (the `online` event, every 30 s, or the next time the page opens) it is sent
// with a form token fetched then, under the session of that moment. Only the server's acceptance
// (2xx) removes it from the browser, and its receipt is shown with what it was. A report the
// server refuses (422, 409) stays kept and comes back into the form, one at a time, with the
// server's messages by the fields; sent again, it is the same report (the same key). A session
// run out keeps every report and asks to log in again. Requests the page makes by itself carry
// X-Hotline-Background, so retries keep no idle session alive (services/api/web.py).
(function () {
  'use strict';
  var form = document.querySelector('form[action="/report"]');
  var box = document.getElementById('offline-box');
  if (!form || !box) { return; }
  var el = function (id) { return document.getElementById(id); };
  var text = el('offline-text'), relogin = el('offline-login'), receipts = el('sent-receipts');
  var fixBox = el('fix-box'), checks = window.reportChecks;
  var csrf = form.querySelector('input[name="csrf"]'), key = form.querySelector('input[name="idempotency_key"]');
  var banner = el('net-banner'), detail = el('offline-detail');
  // Set by a report just kept, until the form is touched again: a second tap on the emptied form
  // does nothing (it would only have shown the empty form's errors under the saved-notice).
  var sending = false, retry = null, fixing = null, justKept = false, justOnline = false;

  if ('serviceWorker' in navigator) {  // the whole site, so a link it cannot fetch gets its page
    navigator.serviceWorker.register('/report-sw.js', {scope: '/'}).then(function () {
      return navigator.serviceWorker.getRegistrations();
    }).then(function (all) {  // the form's own scope of the first release
      all.forEach(function (r) { if (r.scope === location.origin + '/report') { r.unregister(); } });
    }).catch(function () {});
  }

  var store = window.reportQueue, newKey = store.newKey, queued = store.queued, keep = store.keep;
  var change = store.change, drop = store.drop, toMend = store.toMend, who = store.who;
  var written = store.written, body = store.body, refusal = store.refusal, shown = store.shown;
  // A fresh form gets its own key here: a form page kept for offline use would otherwise give
  // every report typed on it the same key, and the second would be refused as a conflict.
  if (form.hasAttribute('data-fresh')) { key.value = newKey(); }

  function say(message, login) {
    var count = queued().filter(function (r) { return !r.fix; }).length;
    box.hidden = !count && !login;
    relogin.hidden = !login;
    detail.hidden = false;
    text.textContent = message + (count > 1 ? '（共 ' + count + ' 份）' : '');
    if (banner) { banner.hidden = navigator.onLine || !box.hidden; }  // one notice at a time
  }
  // The form filled again: the saved-notice gives way to a count of what still waits.
  function quieter() {
    justKept = false;
    if (box.hidden || text.textContent.indexOf(WAITING) !== 0) { return; }
    text.textContent = queued().filter(function (r) { return !r.fix; }).length + ' 份报告保存在本机，联网后自动发送。';
    detail.hidden = true;
  }
  form.addEventListener('input', quieter);
  form.addEventListener('change', quieter);
  var WAITING = '网络已断开：报告已保存在本机，联网后自动发送';
  var SENDING = '网络已恢复，正在发送本机保存的报告……';
  var RETRY = '报告仍保存在本机，暂未发送成功，稍后自动重试。';
  var EXPIRED = '登录已过期：报告仍保存在本机。请重新登录，登录后自动发送。';

  function fields() {
    var list = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== 'csrf' && name !== 'idempotency_key') { list.push([name, String(value)]); }
    });
    return list;
  }
  function clean() {  // the form empty again, for another report
    form.reset();  // the place's 已选择 goes with it (the picker listens)
    checks.clear();
    el('danger-notice').hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll('.id-warning'), function (w) { w.hidden = true; });
    key.value = newKey();  // the next report is another report
    el('submit').disabled = false;
  }

  function queue() {  // kept only when the form's own checks pass, as the server would refuse it
    var errors = checks.check();
    if (Object.keys(errors).length) { checks.show(errors); el('submit').disabled = false; return; }
    var list = queued(), record = {key: key.value || newKey(), user: form.getAttribute('data-user') || '',
      fields: fields(), written: new Date().toISOString()};
    if (fixing) {  // the mended one goes back in its place, under its own key and time
      Object.assign(record, {key: fixing.key, written: fixing.written});
      fixing = null; fixBox.hidden = true;
    }
    var at = list.map(function (r) { return r.key; }).indexOf(record.key);
    if (at >= 0) { list[at] = record; } else { list.push(record); }
    keep(list);
    clean();
    justKept = true;
    if (navigator.onLine) { sendAll(true); } else { say(WAITING, false); box.focus(); later(); }
  }

  function send() {  // the form's own submit: `form.submit` is the button with the id "submit"
    HTMLFormElement.prototype.submit.call(form);
  }

  // The browser may say it is online on a signal that carries nothing: a small request first,
  // and the form goes as before (the server's answer as the page) only if that one came back.
  // A report taken back from the browser's storage is sent from here, never as the page.
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (justKept && blank()) { el('submit').disabled = false; return; }  // a double tap: kept already
    if (!navigator.onLine || fixing) { queue(); return; }
    var stop = new AbortController(), timer = setTimeout(function () { stop.abort(); }, 8000);
    // A HEAD, which the service worker never answers from its copies.
    fetch('/report-sw.js', {method: 'HEAD', cache: 'no-store', signal: stop.signal}).then(function () {
      clearTimeout(timer);
      if (csrf.value) { send(); return; }
      // A form page kept for offline use has no form token: this session's first (a session
      // run out gets the login page, which keeps what was typed).
      return freshForm(true).then(function (page) {
        if (page) { csrf.value = page.csrf; }
        send();
      });
    }, function () {
      clearTimeout(timer);
      throw new Error('unreachable');
    }).catch(function () { queue(); });
  });

  function headers(person) { return person ? {} : {'X-Hotline-Background': '1'}; }

  // The form page as the server gives it now: its form token and whose session it is, or null
  // when the session has run out (the server sent the login page instead).
  function freshForm(person) {
    return fetch('/report', {credentials: 'same-origin', cache: 'no-store', headers: headers(person)}).then(function (r) {
      if (new URL(r.url).pathname === '/login') { return null; }
      if (!r.ok) { throw new Error('refused: ' + r.status); }  // another role, the store down
      return r.text().then(function (html) {
        var found = new DOMParser().parseFromString(html, 'text/html').querySelector('form[action="/report"]');
        return found && {csrf: found.querySelector('input[name="csrf"]').value, user: found.getAttribute('data-user')};
      });
    });
  }

  function sendNext(list, page, person) {
    var record = list.shift();
    if (!record) { return Promise.resolve(false); }
    if (record.fix) { return sendNext(list, page, person); }  // waits for the person to mend it
    if (record.user && page.user && record.user !== page.user) {
      say('本机保存的报告由账号“' + record.user + '”填写，请用该账号重新登录，登录后自动发送。', true);
      return Promise.resolve(true);
    }
    return fetch('/report', {method: 'POST', body: body(record, page.csrf), credentials: 'same-origin',
                             headers: headers(person)})
      .then(function (r) {
        if (r.ok) {
          drop(record);
          return r.text().then(function (html) { shown(html, record, receipts); return sendNext(list, page, person); });
        }
        if (r.status === 409 || r.status === 422) {  // kept, to be mended (409: the key was another's)
          return r.text().then(function (html) {
            change(record, {fix: refusal(html), key: r.status === 409 ? newKey() : record.key});
            return sendNext(list, page, person);
          });
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
    // Just back online, the first try may fail before the connection settles: soon again, once.
    if (retry === null) { retry = setTimeout(function () { retry = null; sendAll(false); }, justOnline ? 3000 : 30000); }
    justOnline = false;
  }

  function sendAll(person) {
    if (sending || !navigator.onLine || !queued().some(function (r) { return !r.fix; })) { offerMend(); return; }
    sending = true;
    say(SENDING, false);
    freshForm(person).then(function (page) {
      if (page === null) {
        say(EXPIRED, true);
        return true;
      }
      csrf.value = page.csrf;  // this page's own form can be sent again too
      return sendNext(queued(), page, person);
    }).then(function (stopped) {
      if (!stopped) { say('', false); }
    }, function (error) {  // the network went again, or the server is not ready: kept for the next try
      say(!navigator.onLine || error instanceof TypeError ? WAITING : RETRY, false);
      later();
    }).then(function () { sending = false; offerMend(); });
  }

  // A refused report back in the form, when the form holds nothing typed: one at a time.
  function blank() {
    // What the form holds before anything is typed: the relation, genders, the family box ticked.
    return !fields().some(function (p) { return p[1] && !/^reporter\.(relation|confidential)$/.test(p[0]) && !/\.gender$/.test(p[0]); });
  }
  function offerMend() {
    var waiting = toMend().filter(function (r) { return !r.user || r.user === form.getAttribute('data-user'); });
    if (fixing || !waiting.length) { return; }
    var others = waiting.slice(1).map(who);
    fixBox.hidden = false;
    el('fix-more').textContent = others.length ? '另有 ' + others.length + ' 份等待修改：' + others.join('；') + '。' : '';
    if (!blank()) {
      el('fix-text').textContent = '本机保存的 ' + waiting.length + ' 份报告未能发送，需要修改：提交或清空当前表单后，将逐份放回表单。';
      return;
    }
    mend(waiting[0]);
  }
  function mend(record) {
    fixing = record;
    clean();
    key.value = record.key;
    // A kept report is the whole form: a box it left unticked stays so (the family box is ticked
    // by default, stop 64).
    Array.prototype.forEach.call(form.querySelectorAll('input[type=checkbox]'), function (c) { c.checked = false; });
    var more = el('add-child');
    record.fields.forEach(function (pair) {
      var input = form.querySelector('[name="' + pair[0] + '"]' + (/^(concerns|immediate_danger|child_died|channel|reporter\.anonymous)$/.test(pair[0]) ? '[value="' + pair[1] + '"]' : ''));
      if (!input) { return; }
      if (input.type === 'checkbox') { input.checked = true; } else { input.value = pair[1]; }
      var row = input.closest('[data-child]');
      while (pair[1] && row && row.hidden && !more.hidden) { more.click(); }
      input.dispatchEvent(new Event('change', {bubbles: true}));
    });
    form.elements.namedItem('location.region_code').dispatchEvent(new Event('place-refresh'));
    el('fix-text').textContent = '这份本机保存的报告（' + who(record) + (record.written ? '，' + written(record) : '') +
      '）未能发送：' + (record.fix.notice || '请按提示修改后点“提交报告”。');
    checks.show(record.fix.errors);
    if (!Object.keys(record.fix.errors).length) { fixBox.focus(); }
  }

  window.addEventListener('online', function () {
    justOnline = true;
    if (queued().length) { sendAll(false); } else { refreshToken(); }
  });
  window.addEventListener('offline', function () { if (queued().length) { say(WAITING, false); } });

  // A form page kept for offline use has no form token: fetch one once the network is here.
  function refreshToken() {
    freshForm(false).then(function (page) { if (page) { csrf.value = page.csrf; } }, function () {});
  }

  if (queued().some(function (r) { return !r.fix; })) {
    if (navigator.onLine) { sendAll(false); } else { say(WAITING, false); }
  } else {
    offerMend();
    if (!csrf.value && navigator.onLine) { refreshToken(); }
  }
})();
