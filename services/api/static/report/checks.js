// The checks of the report form that need no server (required fields, lengths, the id number's
// check character, the age, the place), made before a report is kept in this browser, with the
// server's own messages (the page carries them, #report-messages) shown as the server shows
// them: by the field, and counted in a summary at the top. window.reportChecks for offline.js.
(function () {
  'use strict';
  var form = document.querySelector('form[action="/report"]');
  var source = document.getElementById('report-messages');
  if (!form || !source) { return; }
  var say = JSON.parse(source.textContent);
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], CHECK = '10X98765432';
  var PHONE = /^\+?[0-9][0-9\- ]{4,19}$/, REGION = /^([0-9]{6}|[0-9]{9}|[0-9]{12})$/;
  // As services/intake/schemas.py: an id number in the address, a mobile number not of 11 digits.
  var ID_IN_TEXT = /(^|[^0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])/, MOBILE = /^1[3-9][0-9]{4,}$/;

  function value(name) {  // folded as the server folds what people type (fullwidth digits)
    var field = form.elements.namedItem(name);
    return field && field.value ? field.value.normalize('NFKC').trim() : '';
  }
  // An age as services/common/numbers.py typed_age reads it: 七, 十二, 岁 after it.
  var AGES = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七'];
  function typedAge(v) {
    var plain = v.replace(/\s+/g, '').replace(/周?岁$/, '').replace(/^两$/, '二');
    return AGES.indexOf(plain) >= 0 ? String(AGES.indexOf(plain)) : /^[0-9]+$/.test(plain) ? plain : v;
  }
  function idProblem(v) {  // GB 11643, as services/common/numbers.py
    if (!/^[0-9]{17}[0-9X]$/.test(v)) { return 'id_number_format'; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += WEIGHTS[i] * +v[i]; }
    return CHECK[sum % 11] === v[17] ? '' : 'id_number_check';
  }
  function place(errors) {
    var input = form.elements.namedItem('location.region_code'), text = value('location.region_code');
    var key = 'location.region_code';
    if (!text) { errors[key] = say['place:missing']; return; }
    if (/^[0-9]+$/.test(text)) {
      if (!REGION.test(text)) { errors[key] = say[key]; }
      return;
    }
    if (input.dataset.code) { return; }
    var count = +(input.dataset.matches || 0);
    errors[key] = !count ? say['place:unknown'].replace('{text}', text.slice(0, 30))
      : say['place:ambiguous'].replace('{count}', count).replace('{text}', text.slice(0, 30))
        .replace('{examples}', input.dataset.examples || '');
  }

  function check() {
    var errors = {}, any = false;
    for (var i = 0; i < 3; i++) {
      var p = 'children.' + i + '.', name = value(p + 'name'), age = typedAge(value(p + 'age'));
      var id = value(p + 'id_number').toUpperCase();
      if (!name && !age && !id) { continue; }
      any = true;
      if (name.length > 100) { errors[p + 'name'] = say['children.N.name']; }
      if (age && !(/^[0-9]{1,2}$/.test(age) && +age <= 17)) { errors[p + 'age'] = say['children.N.age']; }
      var problem = id && idProblem(id);
      if (problem) { errors[p + 'id_number'] = say['children.N.id_number:' + problem]; }
    }
    if (!any) { errors.children = say.children; }
    var narrative = value('narrative');
    if (!narrative || narrative.length > 5000) { errors.narrative = say.narrative; }
    place(errors);
    var address = value('location.address');
    if (address.length > 500) { errors['location.address'] = say['location.address']; }
    else if (ID_IN_TEXT.test(address)) { errors['location.address'] = say['location.address:id_number_in_text']; }
    if (value('reporter.name').length > 100) { errors['reporter.name'] = say['reporter.name']; }
    var phone = value('reporter.phone');
    if (phone && !(phone.length <= 20 && PHONE.test(phone))) { errors['reporter.phone'] = say['reporter.phone']; }
    else if (phone && MOBILE.test(phone.replace(/[ -]/g, '')) && phone.replace(/[ -]/g, '').length !== 11) {
      errors['reporter.phone'] = say['reporter.phone:mobile_length'];
    }
    return errors;
  }

  function where(key) {  // the field, or (for the children as a whole) the first row
    return document.getElementById('f-' + key.replace(/\./g, '-')) || document.getElementById('child-0');
  }
  function clearAll() {
    Array.prototype.forEach.call(form.querySelectorAll('.error[id^="error-"]'), function (p) { p.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('.invalid'), function (field) {
      field.classList.remove('invalid'); field.removeAttribute('aria-invalid');
      var rest = (field.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x.indexOf('error-') !== 0; });
      if (rest.length) { field.setAttribute('aria-describedby', rest.join(' ')); } else { field.removeAttribute('aria-describedby'); }
    });
    var old = document.getElementById('error-summary');
    if (old) { old.remove(); }
  }

  function show(errors) {  // as the server's form shows them; the summary gets the focus
    clearAll();
    var keys = Object.keys(errors);
    if (!keys.length) { return; }
    keys.forEach(function (key) {
      var id = key.replace(/\./g, '-'), field = where(key), line = document.createElement('p');
      line.className = 'error'; line.id = 'error-' + id; line.textContent = errors[key];
      if (key === 'children') { field.insertAdjacentElement('beforebegin', line); return; }
      var after = key === 'location.region_code' ? field.parentNode.querySelector('.place-status') : field;
      after.insertAdjacentElement('afterend', line);
      field.classList.add('invalid'); field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', ((field.getAttribute('aria-describedby') || '') + ' ' + line.id).trim());
    });
    keys.sort(function (x, y) {
      var a = document.getElementById('error-' + x.replace(/\./g, '-')), b = document.getElementById('error-' + y.replace(/\./g, '-'));
      return a.compareDocumentPosition(b) & 4 ? -1 : 1;
    });
    var summary = document.createElement('div'), count = document.createElement('strong'), list = document.createElement('ul');
    summary.className = 'summary'; summary.id = 'error-summary'; summary.tabIndex = -1;
    summary.setAttribute('role', 'alert');
    count.id = 'error-count'; count.textContent = '有 ' + keys.length + ' 处需要修改：';
    keys.forEach(function (key) {
      var item = document.createElement('li'), link = document.createElement('a'), part = key.split('.');
      link.href = '#f-' + key.replace(/\./g, '-');
      link.textContent = (part[0] === 'children' && part.length > 2 ? '儿童' + (+part[1] + 1) + '：' : '') + errors[key];
      item.appendChild(link); list.appendChild(item);
    });
    summary.appendChild(count); summary.appendChild(list);
    document.querySelector('h1').insertAdjacentElement('beforebegin', summary);
    summary.focus();
  }

  // An error goes once its field is changed (the form's script removes the line): the summary follows.
  function follow() {
    var summary = document.getElementById('error-summary');
    if (!summary) { return; }
    Array.prototype.forEach.call(summary.querySelectorAll('a[href^="#f-"]'), function (a) {
      if (!document.getElementById('error-' + a.getAttribute('href').slice(3))) { a.parentNode.remove(); }
    });
    var left = summary.querySelectorAll('li').length;
    document.getElementById('error-count').textContent = '有 ' + left + ' 处需要修改：';
    summary.hidden = !left;
  }
  form.addEventListener('input', follow);
  form.addEventListener('change', follow);

  window.reportChecks = {check: check, show: show, clear: clearAll};
})();
