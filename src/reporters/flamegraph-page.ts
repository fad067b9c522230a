/**
 * The flamegraph page's own style and script, inlined by flamegraph.ts (a report must open with
 * no network). Plain ES5-ish JS with no template literals, so it can live in String.raw here. It
 * reads the JSON island #heapmark-data and writes frames as absolutely positioned divs, so zoom
 * is a re-layout, and capture strings only ever reach the DOM through textContent.
 */
export const FLAMEGRAPH_STYLE = String.raw`
:root { --row: 22px; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 16px 24px 12px; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-size: 12px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 4px 0 12px; font-size: 20px; font-weight: 600; word-break: break-word; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.fact { display: flex; flex-direction: column; }
.fact .label { font-size: 12px; color: var(--muted); }
.fact .value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.fact.muted .value { color: var(--muted); }
.fact.bad .value { color: #cf222e; }
.fact.good .value { color: #1a7f37; }
.note { margin: 10px 0 0; color: #9a6700; font-size: 13px; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; padding: 10px 24px; border-bottom: 1px solid var(--line); }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
#search { font: inherit; padding: 4px 10px; width: 260px; border: 1px solid var(--line); border-radius: 6px; }
#search-result { color: var(--muted); font-variant-numeric: tabular-nums; }
.legend { margin-left: auto; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin: 0 4px 0 10px; border-radius: 2px; vertical-align: -1px; }
.swatch.user { background: hsl(22, 85%, 62%); } .swatch.dependency { background: hsl(210, 14%, 78%); }
.swatch.node { background: hsl(0, 0%, 86%); } .swatch.match { background: hsl(285, 65%, 66%); }
main { padding: 12px 24px 8px; }
#chart { position: relative; width: 100%; min-height: var(--row); font: 12px/var(--row) ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.frame { position: absolute; height: calc(var(--row) - 1px); padding: 0 4px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;
  border-right: 1px solid #fff; border-radius: 2px; cursor: pointer; color: #1f1f1f; }
.frame:hover { filter: brightness(0.92); outline: 1px solid rgba(0,0,0,.35); z-index: 1; }
.frame.dependency { background: hsl(210, 14%, 80%); color: #3d4650; }
.frame.node { background: hsl(0, 0%, 87%); color: #555; }
.frame.ancestor { opacity: .75; }
.frame .size { opacity: .7; }
.frame.root { background: hsl(215, 20%, 90%); color: var(--ink); font-weight: 600; }
#chart.searching .frame { filter: saturate(.15) opacity(.55); }
#chart.searching .frame.match { filter: none; background: hsl(285, 60%, 62%) !important; color: #fff; }
#tooltip { position: fixed; z-index: 10; max-width: 520px; padding: 8px 10px; border-radius: 6px; background: #1f2328; color: #f0f3f6;
  font-size: 12px; line-height: 1.5; pointer-events: none; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
#tooltip .fn { font-weight: 600; font-size: 13px; word-break: break-all; }
#tooltip .where { color: #9ea7b3; word-break: break-all; }
#tooltip .hint { color: #9ea7b3; margin-top: 2px; }
footer { padding: 8px 24px 20px; color: var(--muted); font-size: 12px; }
code { font-size: 12px; }
`

export const FLAMEGRAPH_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('heapmark-data').textContent);
  var root = data.root;
  var total = root.v || 1;
  var chart = document.getElementById('chart');
  var tooltip = document.getElementById('tooltip');
  var search = document.getElementById('search');
  var searchResult = document.getElementById('search-result');
  var reset = document.getElementById('reset');
  var KINDS = ['user', 'dependency', 'node'];
  var ROW = 22;
  var nodes = [];
  var zoomed = root;
  var query = '';

  (function index(node, parent, depth) {
    node.p = parent; node.d = depth; node.i = nodes.length; nodes.push(node);
    for (var i = 0; i < node.c.length; i++) index(node.c[i], node, depth + 1);
  })(root, null, 0);

  function formatSize(bytes) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    if (bytes < 1024) return Math.round(bytes) + ' B';
    var u = 0;
    while (u < units.length - 1 && bytes >= 1023.95) { bytes /= 1024; u++; }
    return bytes.toFixed(1) + ' ' + units[u];
  }
  function percent(part) {
    var p = part / total * 100;
    return p > 0 && p < 0.05 ? '<0.1%' : p.toFixed(1) + '%';
  }
  /** Warm colours for user frames, stable per function name. */
  function userColour(name) {
    var hash = 0;
    for (var i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
    var h = Math.abs(hash);
    return 'hsl(' + (8 + h % 38) + ', ' + (72 + h % 18) + '%, ' + (58 + (h >> 4) % 12) + '%)';
  }
  function matches(node) {
    return query !== '' && (node.n.toLowerCase().indexOf(query) !== -1 || node.f.toLowerCase().indexOf(query) !== -1);
  }

  function frame(node, x, width, depth, extraClass) {
    var el = document.createElement('div');
    el.className = 'frame ' + (node === root ? 'root' : KINDS[node.k]) + (extraClass ? ' ' + extraClass : '') + (matches(node) ? ' match' : '');
    if (node.k === 0 && node !== root) el.style.background = userColour(node.n);
    el.style.left = x + 'px';
    el.style.width = Math.max(1, width) + 'px';
    el.style.top = depth * ROW + 'px';
    el.setAttribute('data-i', String(node.i));
    if (width > 28) {
      el.textContent = node === root ? node.n + ' · ' + formatSize(node.v) : node.n;
      // The size fits after the name on wide frames; a dim span, so names stay readable.
      if (node !== root && width > 7.5 * (node.n.length + 18)) {
        var size = document.createElement('span');
        size.className = 'size';
        size.textContent = ' ' + formatSize(node.v) + ' · ' + percent(node.v);
        el.appendChild(size);
      }
    } else {
      el.style.padding = '0';
    }
    return el;
  }

  function render() {
    var width = chart.clientWidth || 1000;
    var fragment = document.createDocumentFragment();
    var depthReached = 0;
    var ancestors = [];
    for (var n = zoomed.p; n; n = n.p) ancestors.unshift(n);
    for (var a = 0; a < ancestors.length; a++) fragment.appendChild(frame(ancestors[a], 0, width, a, 'ancestor'));
    var scale = width / (zoomed.v || 1);
    (function place(node, x, depth) {
      var w = node.v * scale;
      if (w < 0.5) return;
      fragment.appendChild(frame(node, x, w, depth, ''));
      if (depth > depthReached) depthReached = depth;
      var childX = x;
      for (var i = 0; i < node.c.length; i++) { place(node.c[i], childX, depth + 1); childX += node.c[i].v * scale; }
    })(zoomed, 0, ancestors.length);
    chart.textContent = '';
    chart.appendChild(fragment);
    chart.style.height = (depthReached + 1) * ROW + 'px';
    chart.className = query ? 'searching' : '';
    reset.disabled = zoomed === root;
  }

  function updateSearch() {
    query = search.value.trim().toLowerCase();
    if (!query) { searchResult.textContent = ''; render(); return; }
    var matched = 0;
    (function visit(node) {
      if (node !== root && matches(node)) { matched += node.v; return; }
      for (var i = 0; i < node.c.length; i++) visit(node.c[i]);
    })(root);
    searchResult.textContent = 'Matched ' + formatSize(matched) + ' (' + percent(matched) + ' of all)';
    render();
  }

  function nodeAt(target) {
    var el = target && target.closest ? target.closest('.frame') : null;
    return el ? nodes[Number(el.getAttribute('data-i'))] : null;
  }

  function line(className, text) {
    var div = document.createElement('div');
    div.className = className;
    div.textContent = text;
    return div;
  }

  function showTooltip(node, event) {
    tooltip.textContent = '';
    tooltip.appendChild(line('fn', node.n));
    if (node.f) tooltip.appendChild(line('where', node.f));
    tooltip.appendChild(line('', 'Total: ' + formatSize(node.v) + ' (' + percent(node.v) + ' of all)'));
    tooltip.appendChild(line('', 'Self: ' + formatSize(node.s) + ' (' + percent(node.s) + ')' + ' · ~' + node.a.toLocaleString('en-US') + ' allocations'));
    tooltip.appendChild(line('hint', node === zoomed && node !== root ? 'Click to zoom out' : 'Click to zoom in'));
    tooltip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var box = tooltip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) x = Math.max(8, event.clientX - box.width - 14);
    if (y + box.height > window.innerHeight - 8) y = Math.max(8, event.clientY - box.height - 14);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  chart.addEventListener('mousemove', function (event) {
    var node = nodeAt(event.target);
    if (node) showTooltip(node, event); else tooltip.hidden = true;
  });
  chart.addEventListener('mouseleave', function () { tooltip.hidden = true; });
  chart.addEventListener('click', function (event) {
    var node = nodeAt(event.target);
    if (!node) return;
    zoomed = node === zoomed && node.p ? node.p : node;
    render();
  });
  reset.addEventListener('click', function () { zoomed = root; render(); });
  search.addEventListener('input', updateSearch);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { zoomed = root; search.value = ''; updateSearch(); }
  });
  window.addEventListener('resize', render);
  // "#search=text" pre-fills the search box: shareable links, and a way to check highlighting headless.
  var preset = /(?:^#|&)search=([^&]*)/.exec(location.hash);
  if (preset) { search.value = decodeURIComponent(preset[1]); updateSearch(); } else render();
})();
`
