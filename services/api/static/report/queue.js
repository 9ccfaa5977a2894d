// The reports this browser keeps until the server accepts them (localStorage, one list), and
// how the page names one to the person who wrote it (on the page only, never stored):
// window.reportQueue for offline.js.
(function () {
  'use strict';
  var STORE = 'hotline-report-queue';  // read by offline-page.js too

  function newKey() {  // as the server makes one: 18 random bytes, base64url
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_');
  }

  function queued() {
    try { return JSON.parse(localStorage.getItem(STORE) || '[]'); } catch (e) { return []; }
  }
  function keep(list) {
    if (list.length) { localStorage.setItem(STORE, JSON.stringify(list)); } else { localStorage.removeItem(STORE); }
  }
  function change(record, fix) {  // the record again, under its key, with what must be mended
    keep(queued().map(function (r) { return r.key === record.key ? Object.assign({}, r, fix) : r; }));
  }
  function drop(record) { keep(queued().filter(function (r) { return r.key !== record.key; })); }
  function toMend() { return queued().filter(function (r) { return r.fix; }); }

  // Which report it is, for the person who wrote it (on the page only): the children's names or
  // the first words of the description, and when it was written here.
  function field(record, name) {
    var pair = record.fields.filter(function (p) { return p[0] === name; })[0];
    return pair ? pair[1].trim() : '';
  }
  function who(record) {
    var names = [0, 1, 2].map(function (i) { return field(record, 'children.' + i + '.name'); }).filter(Boolean);
    var words = field(record, 'narrative').slice(0, 16);
    return (names.length ? '儿童' + names.join('、') : '未填写儿童姓名') + (words ? '，“' + words + '……”' : '');
  }
  function beijing(date) {
    var t = new Date(date.getTime() + 8 * 3600 * 1000), two = function (n) { return (n < 10 ? '0' : '') + n; };
    return (t.getUTCMonth() + 1) + '月' + t.getUTCDate() + '日 ' + two(t.getUTCHours()) + ':' + two(t.getUTCMinutes());
  }
  function written(record) { return record.written ? '本机填写于 ' + beijing(new Date(record.written)) : ''; }

  // A kept report as the form posts it, under this session's form token and its own key.
  function body(record, token) {
    var data = new URLSearchParams();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append('csrf', token);
    data.append('idempotency_key', record.key);
    return data;
  }

  // The server's messages by the fields of its answer, kept with the report until it is mended.
  function refusal(html) {
    var page = new DOMParser().parseFromString(html, 'text/html'), errors = {};
    Array.prototype.forEach.call(page.querySelectorAll('form[action="/report"] .error[id^="error-"]'), function (p) {
      errors[p.id.slice(6).replace(/-/g, '.')] = p.textContent.trim();
    });
    var notice = page.querySelector('.summary[role=alert]:not(#error-summary)');
    return {errors: errors, notice: notice ? notice.textContent.trim() : ''};
  }

  // The server's receipt for a kept report, its ids made data-was (the form's page has its own),
  // its line naming the report completed with when it was written here and sent.
  function shown(html, record, into) {
    var main = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
    Array.prototype.forEach.call(main.children, function (node) {
      var copy = document.importNode(node, true);
      [copy].concat(Array.prototype.slice.call(copy.querySelectorAll('[id]'))).forEach(function (n) {
        if (n.id) { n.setAttribute('data-was', n.id); n.removeAttribute('id'); }
      });
      var title = copy.querySelector('h1'), what = copy.querySelector('.sent-what');
      if (title) {  // the receipt's own line naming the report, with when it was written and sent
        if (!what) {
          what = document.createElement('p');
          what.className = 'sent-what';
          what.textContent = who(record);
          title.insertAdjacentElement('afterend', what);
        }
        what.textContent += '。' + (record.written ? written(record) + '，' : '') +
          '发送于 ' + beijing(new Date()) + '（北京时间）';
      }
      into.appendChild(copy);
    });
  }

  window.reportQueue = {newKey: newKey, queued: queued, keep: keep, change: change, drop: drop,
    toMend: toMend, who: who, beijing: beijing, written: written, body: body, refusal: refusal, shown: shown};
})();
