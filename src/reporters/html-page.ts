import { PAGE_STYLE } from './client-bundles.js'

/**
 * What heapmark's self-contained HTML pages (flamegraph, timeline) share: the page skeleton with
 * its header of facts, the escaping rules, the JSON island the page script reads its data from,
 * the base style. A page must open with no network, so style, script and data are all inline: the
 * style and the page scripts are real files in client/, bundled into client-bundles.ts at build.
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
  /** The page's own bundled script (client-bundles.ts); it reads `data` back from the island. */
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
