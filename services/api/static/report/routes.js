// What the concerns ticked on a form will reach, said beside the boxes before anything is sent:
// the referral matrix dispatch routes by (contract §3), given by the page in #routing. When
// 严重受伤 is ticked and nothing ticked reaches the police, the line asks what the knowledge base
// asks: was the child hurt by someone? (an injured child of domestic violence: hospital and police).
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
    var supplement = line.hasAttribute('data-new'), kinds = reach(ticked);
    var called110 = (scope.dataset && scope.dataset.transfers || '').indexOf('110') >= 0;
    var noPolice = kinds.indexOf('police') < 0;
    var said = [];
    if (!supplement) { said.push(ticked.length ? routing.text.reaches.replace('{units}', names(kinds)) : routing.text.none); }
    else if (ticked.length) { said.push(routing.text.reaches_new.replace('{units}', names(kinds))); }
    var warn = noPolice && (ticked.indexOf(routing.injury) >= 0 || (called110 && ticked.length));
    if (warn) { said.push(ticked.indexOf(routing.injury) >= 0 ? routing.text.injury : routing.text.called110); }
    line.textContent = said.join('');
    line.hidden = !said.length;
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
  window.HotlineRoutes = {render: renderIn};
  renderIn(document);
})();
