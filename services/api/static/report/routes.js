// What the concerns ticked on a form will reach, said beside the boxes before anything is sent:
// the referral matrix dispatch routes by (contract §3), given by the page in #routing. When
// nothing ticked reaches the police, the line asks what the knowledge base asks: after 严重受伤,
// was the child hurt by someone? (an injured child of domestic violence: hospital and police);
// after 失学 or 监护缺失, is the child's whereabouts known? With the child in danger now (a box
// marked data-danger is ticked) or a 110 transfer made, it asks in amber.
// Each <p class="routes" data-boxes="NAME"> reads the boxes of that name in its [data-routes-scope];
// data-new says they are a supplement's new concerns, which add only units not yet referred.
// The console also says on the scope which transfers it recorded (data-transfers="110 120").
(function () {
  'use strict';
  var source = document.getElementById('routing');
  if (!source) { return; }
  var routing = JSON.parse(source.textContent);

  function reach(concerns) {
    var wanted = {};
    concerns.forEach(function (c) { (routing.concerns[c] || []).forEach(function (k) { wanted[k] = true; }); });
    if (!concerns.length) { routing.no_concern.forEach(function (k) { wanted[k] = true; }); }
    return routing.order.filter(function (k) { return wanted[k]; });
  }
  function names(kinds) { return kinds.map(function (k) { return routing.kinds[k]; }).join('、'); }
  function render(line) {
    var scope = line.closest('[data-routes-scope]') || document;
    var ticked = Array.prototype.filter.call(scope.querySelectorAll('input[name="' + line.dataset.boxes + '"]'),
      function (b) { return b.checked; }).map(function (b) { return b.value; });
    var has = function (c) { return ticked.indexOf(c) >= 0; };
    var supplement = line.hasAttribute('data-new'), kinds = reach(ticked), t = routing.text;
    var called110 = ((scope.dataset && scope.dataset.transfers) || '').indexOf('110') >= 0;
    var danger = Boolean(scope.querySelector('input[data-danger]:checked'));
    var noPolice = kinds.indexOf('police') < 0;
    var said = [];
    if (!supplement) {
      said.push(ticked.length ? t.reaches.replace('{units}', names(kinds)) : t.none);
      if (kinds.indexOf('civil_affairs') < 0) { said.push(t.follow_up); }
    } else if (ticked.length) { said.push(t.reaches_new.replace('{units}', names(kinds))); }
    if (has(routing.injury) && (routing.reporter || noPolice)) { said.push(t.injury_call); }  // who calls 120
    if (has(routing.abduction) && !supplement) { said.push(t.abduction_call); }  // 110 now, not after the report
    // In danger now, or put through to 110, and nothing ticked reaches the police: asked plainly;
    // an injury's own lines (120 first, then who hurt the child) answer danger without alarm.
    var warn = noPolice && (called110 || (danger && !has(routing.injury))) && (ticked.length > 0 || !supplement);
    if (warn) { said.push(called110 ? t.called110 : (ticked.length ? t.danger : t.danger_none)); }
    else if (noPolice && has(routing.injury)) { said.push(t.injury); }
    if (noPolice && routing.missing.some(has)) { said.push(t.missing); }
    if (routing.harm.some(has) && kinds.indexOf(routing.hospital) < 0 && !supplement) { said.push(t.treat); }
    if (noPolice && has(routing.early_marriage)) { said.push(t.early_marriage); }
    line.replaceChildren.apply(line, said.filter(Boolean).map(function (text) {  // a line each
      var part = document.createElement('span'); part.textContent = text; return part;
    }));
    line.hidden = !line.textContent;
    line.classList.toggle('routes-warn', warn);
  }
  function renderIn(root) { (root || document).querySelectorAll('p.routes[data-boxes]').forEach(render); }
  document.addEventListener('change', function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('input[type=checkbox]')) { return; }
    var scope = box.closest('[data-routes-scope]');
    if (scope) { renderIn(scope); }
  });
  document.addEventListener('reset', function (event) {  // after the form clears its boxes
    setTimeout(function () { renderIn(event.target.closest('[data-routes-scope]') || event.target); }, 0);
  }, true);
  window.HotlineRoutes = {render: renderIn, units: function (concerns) { return names(reach(concerns)); }};
  renderIn(document);
})();
