import { pageScript } from './html-page.js'

/**
 * The flamegraph page's own style and script, inlined by flamegraph.ts (a report must open with
 * no network) after the shared ones of html-page.ts. Plain ES5-ish JS with no template literals,
 * so it can live in String.raw here. It reads the JSON island #heapmark-data and writes frames as
 * absolutely positioned divs, so zoom is a re-layout, and capture strings only ever reach the DOM
 * through textContent.
 */
export const FLAMEGRAPH_STYLE = String.raw`
:root { --row: 22px; }
#search { font: inherit; padding: 4px 10px; width: 260px; border: 1px solid var(--line); border-radius: 6px; }
#search-result { color: var(--muted); font-variant-numeric: tabular-nums; }
.swatch.user { background: hsl(22, 85%, 62%); } .swatch.dependency { background: hsl(210, 14%, 78%); }
.swatch.node { background: hsl(0, 0%, 86%); } .swatch.match { background: hsl(285, 65%, 66%); }
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
`

export const FLAMEGRAPH_SCRIPT = pageScript(String.raw`
  var root = data.root;
  var total = root.v || 1;
  var chart = document.getElementById('chart');
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

  function showFrameTooltip(node, event) {
    var lines = [['fn', node.n]];
    if (node.f) lines.push(['where', node.f]);
    lines.push(['', 'Total: ' + formatSize(node.v) + ' (' + percent(node.v) + ' of all)']);
    lines.push(['', 'Self: ' + formatSize(node.s) + ' (' + percent(node.s) + ')' + ' · ~' + node.a.toLocaleString('en-US') + ' allocations']);
    lines.push(['hint', node === zoomed && node !== root ? 'Click to zoom out' : 'Click to zoom in']);
    showTooltip(lines, event);
  }

  chart.addEventListener('mousemove', function (event) {
    var node = nodeAt(event.target);
    if (node) showFrameTooltip(node, event); else hideTooltip();
  });
  chart.addEventListener('mouseleave', hideTooltip);
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
`)
