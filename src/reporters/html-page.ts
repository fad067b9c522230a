/**
 * What heapmark's self-contained HTML pages (flamegraph, timeline) share: the page skeleton with
 * its header of facts, the escaping rules, the JSON island the page script reads its data from,
 * the base style, and a few browser-side helpers. A page must open with no network, so style,
 * script and data are all inline.
 *
 * Safety: strings from reports and captures (test names, function names, paths) reach the HTML
 * only through escapeHtml (header) or the JSON island (jsonForScript), and page scripts put them
 * into the DOM only through textContent.
 */

export interface PageFact {
  label: string
  value: string
  tone?: 'bad' | 'good' | 'muted'
}

export interface PageParts {
  /** The kind of page, shown above the title and in the window title: "allocation flamegraph". */
  kind: string
  title: string
  facts: readonly PageFact[]
  note?: string | undefined
  /** The page's own style, after the shared one. */
  style: string
  /** HTML between the header and the footer; the caller escapes what it interpolates. */
  body: string
  /** Footer HTML; the caller escapes what it interpolates. */
  footer: string
  /** Becomes the JSON island #heapmark-data. */
  data: unknown
  /** The page's own script (see pageScript). */
  script: string
}

export function renderPage(parts: PageParts): string {
  const facts = parts.facts
    .map((fact) => `<div class="fact${fact.tone ? ` ${fact.tone}` : ''}"><span class="label">${escapeHtml(fact.label)}</span><span class="value">${escapeHtml(fact.value)}</span></div>`)
    .join('')
  const note = parts.note ? `<p class="note">${escapeHtml(parts.note)}</p>` : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heapmark ${escapeHtml(parts.kind)}: ${escapeHtml(parts.title)}</title>
<style>${PAGE_STYLE}${parts.style}</style>
</head>
<body>
<header>
<div class="brand">heapmark · ${escapeHtml(parts.kind)}</div>
<h1>${escapeHtml(parts.title)}</h1>
<div class="facts">${facts}</div>
${note}
</header>
${parts.body}
<div id="tooltip" role="tooltip" hidden></div>
<footer>${parts.footer}</footer>
<script type="application/json" id="heapmark-data">${jsonForScript(parts.data)}</script>
<script>${parts.script}</script>
</body>
</html>
`
}

/**
 * A page script: `body` runs inside one strict IIFE after the shared helpers (formatSize,
 * element, showTooltip, hideTooltip) and `data`, the parsed JSON island. Page scripts are plain
 * ES5-ish JS without template literals, so they can live in String.raw strings.
 */
export function pageScript(body: string): string {
  return `\n(function () {\n  'use strict';${PAGE_HELPERS}${body}})();\n`
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!)
}

/**
 * JSON that cannot end its <script> element: "<" becomes \u003c, so neither "</script>" nor
 * "<!--" can appear; U+2028/2029 are escaped for older parsers that treat them as line breaks.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

const PAGE_STYLE = String.raw`
:root { --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 16px 24px 12px; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-size: 12px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 4px 0 12px; font-size: 20px; font-weight: 600; word-break: break-word; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.fact { display: flex; flex-direction: column; min-width: 0; }
.fact .label { font-size: 12px; color: var(--muted); }
.fact .value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; word-break: break-word; }
.fact.muted .value { color: var(--muted); }
.fact.bad .value { color: #cf222e; }
.fact.good .value { color: #1a7f37; }
.note { margin: 10px 0 0; color: #9a6700; font-size: 13px; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; padding: 10px 24px; border-bottom: 1px solid var(--line); }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
.legend { margin-left: auto; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin: 0 4px 0 10px; border-radius: 2px; vertical-align: -1px; }
main { padding: 12px 24px 8px; }
#tooltip { position: fixed; z-index: 10; max-width: 520px; padding: 8px 10px; border-radius: 6px; background: #1f2328; color: #f0f3f6;
  font-size: 12px; line-height: 1.5; pointer-events: none; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
#tooltip .fn { font-weight: 600; font-size: 13px; word-break: break-all; }
#tooltip .where { color: #9ea7b3; word-break: break-all; }
#tooltip .hint { color: #9ea7b3; margin-top: 2px; }
footer { padding: 8px 24px 20px; color: var(--muted); font-size: 12px; }
code { font-size: 12px; }
`

const PAGE_HELPERS = String.raw`
  var data = JSON.parse(document.getElementById('heapmark-data').textContent);
  var tooltip = document.getElementById('tooltip');

  function formatSize(bytes) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var sign = bytes < 0 ? '-' : '';
    bytes = Math.abs(bytes);
    if (bytes < 1024) return sign + Math.round(bytes) + ' B';
    var u = 0;
    while (u < units.length - 1 && bytes >= 1023.95) { bytes /= 1024; u++; }
    return sign + bytes.toFixed(1) + ' ' + units[u];
  }
  /** An element with a class and text; report strings only ever enter the DOM this way. */
  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }
  /** Fills the tooltip with lines ([className, text]) and places it next to the pointer, inside the window. */
  function showTooltip(lines, event) {
    tooltip.textContent = '';
    for (var i = 0; i < lines.length; i++) tooltip.appendChild(element('div', lines[i][0], lines[i][1]));
    tooltip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var box = tooltip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) x = Math.max(8, event.clientX - box.width - 14);
    if (y + box.height > window.innerHeight - 8) y = Math.max(8, event.clientY - box.height - 14);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }
  function hideTooltip() { tooltip.hidden = true; }
`
