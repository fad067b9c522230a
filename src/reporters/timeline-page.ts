import { pageScript } from './html-page.js'

/**
 * The timeline page's own style and script, inlined by timeline.ts after the shared ones of
 * html-page.ts. Plain ES5-ish JS with no template literals, so it can live in String.raw here.
 *
 * One SVG chart per worker, drawn from the JSON island (see TimelineData in timeline.ts): x is the
 * worker's points in run order, evenly spaced; y is live memory. A chart is redrawn as a whole on
 * resize or when the y axis changes, with one circle per point, so 5,000 points make 5,000
 * elements and no per-point listeners: hover and click find the point from the pointer's x.
 * Report strings reach the DOM only through textContent.
 */
export const TIMELINE_STYLE = String.raw`
.toolbar label { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; cursor: pointer; }
.legend .dot { display: inline-block; width: 9px; height: 9px; margin: 0 4px 0 12px; border-radius: 50%; vertical-align: 0; }
.dot.exact { background: #0969da; } .dot.bound { border: 1.5px solid rgba(9,105,218,.55); background: #fff; }
.dot.hot { background: #cf222e; } .dot.unknown { border: 1.5px solid #8c959f; background: #fff; }
.legend .bar { display: inline-block; width: 0; height: 11px; margin: 0 4px 0 12px; border-left: 1px dashed #57606a; vertical-align: -1px; }
.legend .cross { margin: 0 4px 0 12px; color: #cf222e; }
.worker { margin: 0 0 26px; }
.worker h2 { margin: 8px 0 4px; font-size: 16px; font-weight: 600; }
.worker h2 .sub { margin-left: 10px; font-size: 13px; font-weight: 400; color: var(--muted); }
.incident { margin: 6px 0; padding: 6px 10px; border-left: 3px solid #cf222e; background: #ffebe9; font-size: 13px; word-break: break-word; }
.incident.near { border-color: #bf8700; background: #fff8c5; }
.chart svg { display: block; width: 100%; height: 280px; cursor: crosshair; outline: none; }
.chart svg:focus-visible { box-shadow: 0 0 0 2px rgba(130,80,223,.35); border-radius: 4px; }
.chart text { font: 11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; fill: #57606a; }
.chart .band { fill: #f6f8fa; } .chart .band.odd { fill: #fff; }
.chart .grid { stroke: #eaeef2; } .chart .axis { stroke: #8c959f; }
.chart .boundary { stroke: #57606a; stroke-opacity: .55; stroke-dasharray: 3 3; }
.chart .line { fill: none; stroke: #0969da; stroke-opacity: .45; stroke-linejoin: round; }
.chart .pt.exact { fill: #0969da; }
.chart .pt.bound { fill: #fff; stroke: #0969da; stroke-opacity: .5; stroke-width: 1.2; }
.chart .pt.unknown { fill: #fff; stroke: #8c959f; stroke-width: 1.2; }
.chart .pt.hot { fill: #cf222e; stroke: #fff; stroke-width: 1.5; stroke-opacity: 1; }
.chart .pt.hot.bound { fill: #fff; stroke: #cf222e; stroke-width: 2; }
.chart .hot-label { fill: #cf222e; font-weight: 600; }
.chart .limit { stroke: #cf222e; stroke-opacity: .6; stroke-dasharray: 6 4; } .chart .limit-label { fill: #cf222e; }
.chart .x-mark { stroke: #cf222e; stroke-width: 2.5; stroke-linecap: round; }
.chart .x-mark.near { stroke: #bf8700; }
.chart .incident-label { fill: #cf222e; font-weight: 600; } .chart .incident-label.near { fill: #9a6700; }
.chart .guide { stroke: #1f2328; stroke-opacity: .25; }
.chart .focus { fill: none; stroke: #1f2328; stroke-width: 1.5; }
.chart .selected { fill: none; stroke: #8250df; stroke-width: 2.5; }
.kept { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 6px 0 0; font-size: 13px; color: var(--muted); }
.chip { max-width: 100%; padding: 2px 9px; overflow: hidden; font-size: 12px; white-space: nowrap; text-overflow: ellipsis;
  border-color: #ffcecb; border-radius: 12px; background: #ffebe9; color: #82071e; }
.chip.active { outline: 2px solid #8250df; }
.details { margin-top: 10px; padding: 10px 14px; border: 1px solid var(--line); border-radius: 6px; }
.details.empty { color: var(--muted); font-size: 13px; background: var(--panel); }
.details h3 { margin: 0 0 8px; font-size: 15px; word-break: break-word; }
.details .facts { gap: 6px 26px; }
.details .fact .value { font-size: 15px; }
.details h4 { margin: 14px 0 4px; font-size: 13px; }
.details h4 span, .details p { font-weight: 400; color: var(--muted); font-size: 13px; }
.details p { margin: 10px 0 0; }
table.sites { width: 100%; border-collapse: collapse; font-size: 12px; }
table.sites th { padding: 3px 10px 3px 0; border-bottom: 1px solid var(--line); color: var(--muted); font-weight: 400; text-align: left; }
table.sites td { padding: 4px 10px 4px 0; border-bottom: 1px solid #eaeef2; vertical-align: top; }
table.sites td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.sites th.num { text-align: right; }
table.sites .num { width: 1%; }
.frame-line { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.frame-line .loc { margin-left: 10px; color: var(--muted); }
.frame-line.user .fn { font-weight: 600; } .frame-line.user .loc { color: #0550ae; }
.frame-line.dependency, .frame-line.node { color: var(--muted); }
.frames summary { color: var(--muted); cursor: pointer; font-size: 12px; }
`

export const TIMELINE_SCRIPT = pageScript(String.raw`
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var MiB = 1024 * 1024;
  var HEIGHT = 280;
  var MARGIN = { left: 62, right: 18, top: 24, bottom: 36 };
  var KINDS = ['user', 'dependency', 'node'];
  var STATES = { passed: 'passed', failed: 'failed', skipped: 'skipped', unknown: 'unknown', running: 'running when the worker died', lost: 'results lost (from the worker journal)' };
  var files = data.files, frames = data.frames, tests = data.tests;
  var main = document.getElementById('workers');
  var fit = document.getElementById('fit');
  var views = [];

  function svg(tag, attrs, className) {
    var el = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) el.setAttribute(key, String(attrs[key]));
    if (className) el.setAttribute('class', className);
    return el;
  }
  function svgText(x, y, text, className, anchor) {
    var el = svg('text', { x: x, y: y, 'text-anchor': anchor || 'start' }, className);
    el.textContent = text;
    return el;
  }
  function isHot(test) { return test.r !== null && test.r >= data.hot; }
  function retainedText(test) {
    if (test.r === null) {
      if (test.s === 'running') return 'n/a (still running)';
      if (test.s === 'lost') return 'unknown';
      return 'under ' + formatSize(data.hot) + ' (no full GC was needed)';
    }
    return (test.r >= 0 ? '+' : '') + formatSize(test.r) + (test.x ? ' (exact)' : ' (at least)');
  }
  function liveText(w, i) {
    var bytes = w.b[i];
    if (bytes === null) return 'not recorded (the worker died before its file reported)';
    return w.e[i] ? formatSize(bytes) + ' (exact: right after a full GC)' : 'at most ' + formatSize(bytes) + ' (upper bound: garbage included)';
  }
  function isRunning(w, i) { return !!w.incident && w.incident.running !== null && i === w.b.length - 1; }
  /** "…end/of/a/long/path.ts" within roughly maxWidth pixels of 11px monospace text. */
  function fitText(text, maxWidth, fromEnd) {
    var chars = Math.floor(maxWidth / 6.7);
    if (text.length <= chars) return text;
    if (chars < 4) return '';
    return fromEnd ? '…' + text.slice(text.length - chars + 1) : text.slice(0, chars - 1) + '…';
  }
  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  function setUp(w) {
    var n = w.b.length;
    var view = { w: w, selected: -1, ordinal: [], runs: [], hot: [] };
    var tested = 0;
    for (var i = 0; i < n; i++) {
      if (w.t[i] >= 0) tested++;
      view.ordinal.push(tested);
      if (i === 0 || w.t[i] < 0 || w.f[i] !== w.f[i - 1]) view.runs.push({ start: i, end: i, file: w.f[i] });
      else view.runs[view.runs.length - 1].end = i;
      if (w.t[i] >= 0 && isHot(tests[w.t[i]])) view.hot.push(i);
    }
    view.hot.sort(function (a, b) { return tests[w.t[b]].r - tests[w.t[a]].r; });
    view.tested = tested;

    var section = element('section', 'worker');
    var title = element('h2', '', 'Worker ' + w.id);
    var known = [], exact = [];
    for (var k = 0; k < n; k++) if (w.b[k] !== null && !isRunning(w, k)) { known.push(w.b[k]); if (w.e[k]) exact.push(w.b[k]); }
    var ends = exact.length >= 2 ? exact : known;
    var fileCount = {};
    for (var r = 0; r < view.runs.length; r++) fileCount[view.runs[r].file] = true;
    var sub = tested + (tested === 1 ? ' test' : ' tests') + ' in ' + Object.keys(fileCount).length + (Object.keys(fileCount).length === 1 ? ' file' : ' files');
    if (ends.length >= 2) sub += ' · live memory ' + formatSize(ends[0]) + ' → ' + formatSize(ends[ends.length - 1]) + (ends === exact ? ' (exact points)' : '');
    title.appendChild(element('span', 'sub', sub));
    section.appendChild(title);
    if (w.incident) section.appendChild(incidentBanner(w));
    view.chart = element('div', 'chart');
    section.appendChild(view.chart);
    if (view.hot.length > 0) {
      var kept = element('div', 'kept', 'Kept ≥ ' + formatSize(data.hot) + ':');
      view.chips = [];
      for (var h = 0; h < Math.min(6, view.hot.length); h++) {
        var chip = element('button', 'chip', '+' + formatSize(tests[w.t[view.hot[h]]].r) + '  ' + tests[w.t[view.hot[h]]].n);
        chip.type = 'button';
        chip.setAttribute('data-i', String(view.hot[h]));
        chip.addEventListener('click', function (event) { select(view, Number(event.currentTarget.getAttribute('data-i')), true); });
        view.chips.push(chip);
        kept.appendChild(chip);
      }
      if (view.hot.length > 6) kept.appendChild(element('span', '', 'and ' + (view.hot.length - 6) + ' more (red in the chart)'));
      section.appendChild(kept);
    }
    view.details = element('div', 'details empty', 'Click a point to see that test’s peak, retained memory and allocation sites.');
    section.appendChild(view.details);
    main.appendChild(section);
    view.section = section;
    return view;
  }

  function incidentBanner(w) {
    var incident = w.incident;
    var text;
    if (incident.kind === 'died') {
      text = '✕ This worker died';
      if (incident.running !== null) {
        var running = tests[incident.running];
        text += ' while running ' + running.n + ' (live memory when that test started: at most ' + formatSize(w.b[w.b.length - 1]) + ')';
      }
      text += '. Heap limit ' + formatSize(incident.heapLimitBytes) + '.';
      if (incident.resultsLost > 0) text += ' ' + incident.resultsLost + ' finished test(s) never reached the report; their peaks come from the worker’s journal.';
    } else {
      text = '⚠ This worker’s live memory reached ' + formatSize(incident.maxLive.bytes) + ' (before ' + incident.maxLive.beforeTest + '), within 85% of its heap limit of ' + formatSize(incident.heapLimitBytes) + '.';
    }
    return element('div', 'incident' + (incident.kind === 'died' ? '' : ' near'), text);
  }

  function render(view) {
    var w = view.w, n = w.b.length;
    var width = Math.max(320, view.chart.clientWidth || 1000);
    var plotW = width - MARGIN.left - MARGIN.right;
    var top = MARGIN.top, bottom = HEIGHT - MARGIN.bottom;
    var step = plotW / n;
    function x(i) { return MARGIN.left + (i + 0.5) * step; }

    var max = 0, min = Infinity;
    for (var i = 0; i < n; i++) if (w.b[i] !== null) { max = Math.max(max, w.b[i]); min = Math.min(min, w.b[i]); }
    if (min === Infinity) min = 0;
    var limit = w.incident && w.incident.heapLimitBytes > 0 && w.incident.heapLimitBytes <= max * 1.6 ? w.incident.heapLimitBytes : 0;
    var high = Math.max(max, limit, MiB);
    var low = fit.checked ? min : 0;
    var tick = niceStep(Math.max(high - low, MiB / 2) / MiB, 5) * MiB;
    var y0 = Math.floor(low / tick) * tick;
    var y1 = Math.ceil(high / tick) * tick;
    if (y1 - high < tick * 0.15) y1 += tick; // room above the highest point for its label
    function y(bytes) { return bytes === null ? bottom : bottom - (bytes - y0) / (y1 - y0) * (bottom - top); }

    var root = svg('svg', { width: width, height: HEIGHT, viewBox: '0 0 ' + width + ' ' + HEIGHT, tabindex: 0, role: 'img' });
    root.setAttribute('aria-label', 'Live memory of worker ' + w.id + ' after each test');
    // File bands and boundaries, labelled where there is room.
    for (var r = 0; r < view.runs.length; r++) {
      var run = view.runs[r];
      var bx = MARGIN.left + run.start * step, bw = (run.end - run.start + 1) * step;
      root.appendChild(svg('rect', { x: bx, y: top, width: bw, height: bottom - top }, 'band' + (r % 2 ? ' odd' : '')));
      if (r > 0 && bw >= 4) root.appendChild(svg('line', { x1: bx, x2: bx, y1: top - 4, y2: bottom }, 'boundary'));
      var fileLabel = fitText(files[run.file], bw - 6, true);
      if (fileLabel) root.appendChild(svgText(bx + 3, top - 8, fileLabel, 'file-label'));
    }
    // The y axis: MiB gridlines.
    for (var v = y0; v <= y1 + tick / 2; v += tick) {
      root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v) }, 'grid'));
      root.appendChild(svgText(MARGIN.left - 6, y(v) + 4, formatMiB(v, tick), '', 'end'));
    }
    root.appendChild(svgText(4, top - 8, 'MiB', ''));
    root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: bottom, y2: bottom }, 'axis'));
    // The x axis: test numbers in run order.
    var every = niceStep(Math.max(1, view.tested), Math.max(2, Math.floor(plotW / 70)));
    every = Math.max(1, Math.round(every));
    var next = every === 1 ? 1 : every;
    for (var t = 0; t < n; t++) {
      if (w.t[t] < 0 || view.ordinal[t] < next) continue;
      root.appendChild(svg('line', { x1: x(t), x2: x(t), y1: bottom, y2: bottom + 4 }, 'axis'));
      root.appendChild(svgText(x(t), bottom + 15, String(view.ordinal[t]), '', 'middle'));
      next = (Math.floor(view.ordinal[t] / every) + 1) * every;
    }
    root.appendChild(svgText(width - MARGIN.right, HEIGHT - 4, 'tests in run order →', '', 'end'));
    if (limit) {
      root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(limit), y2: y(limit) }, 'limit'));
      root.appendChild(svgText(MARGIN.left + 4, y(limit) - 4, 'heap limit ' + formatSize(limit), 'limit-label'));
    }
    // The line through the recorded points, then the points.
    var d = '', pen = false;
    for (var p = 0; p < n; p++) {
      if (w.b[p] === null) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + x(p).toFixed(1) + ' ' + y(w.b[p]).toFixed(1);
      pen = true;
    }
    if (d) root.appendChild(svg('path', { d: d, 'stroke-width': step < 3 ? 1 : 1.5 }, 'line'));
    var radius = Math.max(1.2, Math.min(3.5, step * 0.35));
    var points = svg('g', {}, 'points');
    for (var q = 0; q < n; q++) {
      var hot = w.t[q] >= 0 && isHot(tests[w.t[q]]);
      var kind = w.b[q] === null ? 'unknown' : w.e[q] ? 'exact' : 'bound';
      points.appendChild(svg('circle', { cx: x(q).toFixed(1), cy: y(w.b[q]).toFixed(1), r: hot ? Math.max(4.5, radius + 2) : radius }, 'pt ' + kind + (hot ? ' hot' : '')));
    }
    root.appendChild(points);
    // Labels that would overlap one placed before them are left out: the incident's first, then
    // the biggest retainers' figures, biggest first.
    var placed = [];
    function label(lx, ly, text, className, anchor) {
      var textWidth = text.length * 6.7;
      var x1 = anchor === 'end' ? lx - textWidth : anchor === 'middle' ? lx - textWidth / 2 : lx;
      var box = [x1 - 3, x1 + textWidth + 3, ly - 11, ly + 3];
      for (var b = 0; b < placed.length; b++) {
        var other = placed[b];
        if (box[0] < other[1] && other[0] < box[1] && box[2] < other[3] && other[2] < box[3]) return;
      }
      placed.push(box);
      root.appendChild(svgText(lx, ly, text, className, anchor));
    }
    if (w.incident) drawIncident(root, view, x, y, label);
    for (var h = 0; h < Math.min(12, view.hot.length); h++) {
      var at = view.hot[h];
      var lx = Math.min(Math.max(x(at), MARGIN.left + 30), width - MARGIN.right - 30);
      label(lx, Math.max(top + 10, y(w.b[at]) - 9), '+' + formatSize(tests[w.t[at]].r), 'hot-label', 'middle');
    }
    view.guide = root.appendChild(svg('line', { x1: 0, x2: 0, y1: top, y2: bottom, visibility: 'hidden' }, 'guide'));
    view.focus = root.appendChild(svg('circle', { cx: 0, cy: 0, r: radius + 3, visibility: 'hidden' }, 'focus'));
    view.ring = root.appendChild(svg('circle', { cx: 0, cy: 0, r: radius + 5, visibility: 'hidden' }, 'selected'));
    view.x = x; view.y = y; view.step = step; view.svg = root;
    root.addEventListener('mousemove', function (event) { hover(view, event); });
    root.addEventListener('mouseleave', function () { view.guide.setAttribute('visibility', 'hidden'); view.focus.setAttribute('visibility', 'hidden'); hideTooltip(); });
    root.addEventListener('click', function (event) { var i = indexAt(view, event); if (i >= 0) select(view, i, false); });
    root.addEventListener('keydown', function (event) {
      var move = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!move) return;
      event.preventDefault();
      select(view, Math.min(n - 1, Math.max(0, (view.selected < 0 ? (move > 0 ? -1 : n) : view.selected) + move)), false);
    });
    view.chart.textContent = '';
    view.chart.appendChild(root);
    placeRing(view);
  }

  function formatMiB(bytes, tick) {
    var mib = bytes / MiB, step = tick / MiB;
    return mib.toFixed(step === Math.round(step) ? 0 : step * 10 === Math.round(step * 10) ? 1 : 2);
  }

  function drawIncident(root, view, x, y, label) {
    var w = view.w, incident = w.incident, last = w.b.length - 1;
    var cx = x(last), cy = y(w.b[last]);
    var near = incident.kind !== 'died';
    var s = 6;
    root.appendChild(svg('path', { d: 'M' + (cx - s) + ' ' + (cy - s) + 'L' + (cx + s) + ' ' + (cy + s) + 'M' + (cx + s) + ' ' + (cy - s) + 'L' + (cx - s) + ' ' + (cy + s) }, 'x-mark' + (near ? ' near' : '')));
    var text = near ? 'came within 85% of its heap limit'
      : incident.running !== null ? 'died while running ' + tests[incident.running].n
      : 'died';
    var room = Math.max(cx - MARGIN.left - 12, 120);
    label(cx - 10, Math.max(MARGIN.top + 12, cy - 10), fitText(text, room, false), 'incident-label' + (near ? ' near' : ''), 'end');
  }

  function indexAt(view, event) {
    var box = view.svg.getBoundingClientRect();
    var i = Math.floor((event.clientX - box.left - MARGIN.left) / view.step);
    return Math.min(view.w.b.length - 1, Math.max(0, i));
  }

  function describe(view, i) {
    var w = view.w, lines;
    if (w.t[i] < 0) {
      return [['fn', 'Start of ' + files[w.f[i]]], ['', 'Live memory: ' + liveText(w, i)], ['hint', 'The level the file’s first test starts from']];
    }
    var test = tests[w.t[i]];
    lines = [['fn', test.n], ['where', files[test.f]]];
    if (isRunning(w, i)) lines.push(['', 'Running when the worker died; live memory when it started: at most ' + formatSize(w.b[i])]);
    else lines.push(['', 'Live memory after it: ' + liveText(w, i)]);
    lines.push(['', 'Retained: ' + retainedText(test)]);
    if (test.p !== null) lines.push(['', 'Peak: ' + formatSize(test.p)]);
    lines.push(['hint', 'Test ' + view.ordinal[i] + ' of ' + view.tested + ' in this worker · click for its allocation sites']);
    return lines;
  }

  function hover(view, event) {
    var i = indexAt(view, event);
    var cx = view.x(i), cy = view.y(view.w.b[i]);
    view.guide.setAttribute('x1', cx); view.guide.setAttribute('x2', cx); view.guide.setAttribute('visibility', 'visible');
    view.focus.setAttribute('cx', cx); view.focus.setAttribute('cy', cy); view.focus.setAttribute('visibility', 'visible');
    showTooltip(describe(view, i), event);
  }

  function placeRing(view) {
    if (view.selected < 0) { view.ring.setAttribute('visibility', 'hidden'); return; }
    view.ring.setAttribute('cx', view.x(view.selected));
    view.ring.setAttribute('cy', view.y(view.w.b[view.selected]));
    view.ring.setAttribute('visibility', 'visible');
  }

  function fact(label, value) {
    var el = element('div', 'fact');
    el.appendChild(element('span', 'label', label));
    el.appendChild(element('span', 'value', value));
    return el;
  }

  function frameLine(index) {
    var frame = frames[index];
    var el = element('div', 'frame-line ' + KINDS[frame[2]]);
    el.appendChild(element('span', 'fn', frame[0]));
    if (frame[1]) el.appendChild(element('span', 'loc', frame[1]));
    return el;
  }

  function sitesTable(test) {
    var table = element('table', 'sites');
    var head = element('tr');
    head.appendChild(element('th', 'num', 'Allocated'));
    head.appendChild(element('th', 'num', 'Allocations'));
    head.appendChild(element('th', '', 'Where (allocating function first, then its callers)'));
    table.appendChild(head);
    for (var s = 0; s < test.a.length; s++) {
      var site = test.a[s];
      var row = element('tr');
      row.appendChild(element('td', 'num', formatSize(site[0])));
      row.appendChild(element('td', 'num', '~' + Math.round(site[1]).toLocaleString('en-US')));
      var cell = element('td', 'frames');
      var shown = 4;
      for (var f = 0; f < Math.min(shown, site[2].length); f++) cell.appendChild(frameLine(site[2][f]));
      if (site[2].length > shown) {
        var more = element('details');
        more.appendChild(element('summary', '', (site[2].length - shown) + ' more frames'));
        for (var g = shown; g < site[2].length; g++) more.appendChild(frameLine(site[2][g]));
        cell.appendChild(more);
      }
      row.appendChild(cell);
      table.appendChild(row);
    }
    return table;
  }

  function select(view, i, scroll) {
    var w = view.w;
    view.selected = i;
    placeRing(view);
    if (view.chips) for (var c = 0; c < view.chips.length; c++) view.chips[c].classList.toggle('active', Number(view.chips[c].getAttribute('data-i')) === i);
    var details = view.details;
    details.textContent = '';
    details.className = 'details';
    if (w.t[i] < 0) {
      details.appendChild(element('h3', '', 'Start of ' + files[w.f[i]]));
      details.appendChild(element('p', '', 'Live memory: ' + liveText(w, i) + '. The level before the file’s first test.'));
    } else {
      var test = tests[w.t[i]];
      details.appendChild(element('h3', '', test.n));
      var facts = element('div', 'facts');
      facts.appendChild(fact('File', files[test.f]));
      facts.appendChild(fact('State', STATES[test.s] || test.s));
      facts.appendChild(fact('Peak', test.p === null ? 'unknown' : formatSize(test.p)));
      var retained = fact('Retained', retainedText(test));
      if (isHot(test)) retained.classList.add('bad');
      facts.appendChild(retained);
      facts.appendChild(fact(isRunning(w, i) ? 'Live memory at its start' : 'Live memory after it', w.b[i] === null ? 'not recorded' : (w.e[i] ? '' : '≤ ') + formatSize(w.b[i])));
      facts.appendChild(fact('Position', 'test ' + view.ordinal[i] + ' of ' + view.tested + ' in worker ' + w.id));
      details.appendChild(facts);
      if (test.a.length > 0) {
        var heading = element('h4', '', 'Biggest allocation sites during the test ');
        heading.appendChild(element('span', '', '(sampled: what it allocated, kept or not)'));
        details.appendChild(heading);
        details.appendChild(sitesTable(test));
      } else if (test.s === 'running') {
        details.appendChild(element('p', '', 'No allocation sites: the worker died while this test ran.'));
      } else if (test.s === 'lost' || w.b[i] === null) {
        details.appendChild(element('p', '', 'No allocation sites: its worker died before the file’s results reached the report. ' + (test.s === 'lost' ? 'Peak and retained memory come' : 'Retained memory comes') + ' from the worker’s journal.'));
      } else if (!test.m) {
        details.appendChild(element('p', '', 'Allocation sites were not read for this test: no test in its file peaked at 1 MiB or allocated 4 MiB (see docs/measuring.md).'));
      } else {
        details.appendChild(element('p', '', 'No allocation sites were recorded for this test.'));
      }
    }
    if (scroll) view.section.scrollIntoView({ block: 'nearest' });
  }

  for (var v = 0; v < data.workers.length; v++) views.push(setUp(data.workers[v]));
  function renderAll() { for (var i = 0; i < views.length; i++) render(views[i]); }
  renderAll();
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; renderAll(); });
  });
  fit.addEventListener('change', renderAll);
  // "#test=<name>" selects that test: shareable links, and a way to check the details headless.
  var preset = /(?:^#|&)test=([^&]*)/.exec(location.hash);
  if (preset) {
    var wanted = decodeURIComponent(preset[1]);
    for (var s = 0; s < views.length; s++) {
      var found = -1;
      for (var i = 0; i < views[s].w.t.length; i++) if (views[s].w.t[i] >= 0 && tests[views[s].w.t[i]].n === wanted) { found = i; break; }
      if (found >= 0) { select(views[s], found, true); break; }
    }
  }
`)
