// What is typed into the report form stays in this tab until it is sent: a reload, a lost signal
// or a link tapped by mistake loses nothing (stop 59's teacher: a reload mid-form emptied it).
// sessionStorage only (this tab, gone when it closes; logging out clears it, login.html); the
// draft goes when the form is submitted (the server, or the offline queue, has it then). Leaving
// the page with something typed asks first. Loaded before the form's own script, which then
// shows the children's blocks filled in here.
(function () {
  'use strict';
  var form = document.querySelector('form[action="/report"]');
  if (!form) { return; }
  var KEY = 'report-draft:' + (form.getAttribute('data-user') || '');
  var SKIP = {csrf: true, idempotency_key: true};
  var sending = false;

  function typed() {
    return Array.prototype.some.call(form.querySelectorAll('input[type=text], input[type=tel], input[type=number], textarea'),
      function (f) { return f.value.trim(); });
  }
  function save() {
    if (!typed()) { sessionStorage.removeItem(KEY); return; }
    var d = {};
    new FormData(form).forEach(function (v, k) { if (!SKIP[k]) { (d[k] = d[k] || []).push(String(v)); } });
    try { sessionStorage.setItem(KEY, JSON.stringify(d)); } catch (e) { /* full or private: nothing kept */ }
  }
  function restore(d) {
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || SKIP[f.name]) { return; }
      // A draft is the whole form: a box it left unticked stays so (the family box is ticked by default).
      if (f.type === 'checkbox') { f.checked = (d[f.name] || []).indexOf(f.value) >= 0; return; }
      if (!(f.name in d)) { return; }
      if (f.type === 'radio') { f.checked = d[f.name].indexOf(f.value) >= 0; return; }
      f.value = d[f.name][0] || '';
    });
    document.querySelectorAll('[data-child]').forEach(function (block) {  // shown, not behind 再添加
      var filled = Array.prototype.some.call(block.querySelectorAll('input'), function (f) {
        return (f.type === 'text' || f.type === 'number') && f.value.trim();
      });
      if (filled) { block.setAttribute('data-filled', ''); }
    });
    var danger = document.getElementById('f-immediate_danger');
    if (danger) { document.getElementById('danger-notice').hidden = !danger.checked; }
    var place = document.getElementById('f-location-region_code');
    if (place) { place.dispatchEvent(new Event('place-refresh')); }
    var note = document.createElement('p');
    note.className = 'done'; note.id = 'draft-restored'; note.setAttribute('role', 'status');
    note.textContent = '已恢复您在本页填写但尚未提交的内容，请核对后点“提交报告”。';
    form.insertAdjacentElement('beforebegin', note);
  }

  // A fresh form only: a refused one comes back filled in by the server, and after a report was
  // filed (the receipt left its number) nothing is brought back.
  var kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { kept = null; }
  if (kept && form.hasAttribute('data-fresh') && !sessionStorage.getItem('filed:/report')) { restore(kept); }
  else if (!form.hasAttribute('data-fresh')) { save(); }
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  form.addEventListener('reset', function () { sending = false; setTimeout(save, 0); });
  form.addEventListener('submit', function () { sending = true; sessionStorage.removeItem(KEY); });
  window.addEventListener('beforeunload', function (e) {
    if (!sending && typed()) { e.preventDefault(); e.returnValue = ''; }
  });
})();
