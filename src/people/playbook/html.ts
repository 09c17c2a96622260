import type { Block, Span } from './blocks.js';

/** Every character HTML gives a meaning to in text and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function inline(spans: Span[]): string {
  return spans.map((s) => (typeof s === 'string' ? escapeHtml(s) : 'code' in s ? `<code>${escapeHtml(s.code)}</code>` : `<strong>${escapeHtml(s.strong)}</strong>`)).join('');
}

function block(b: Block): string {
  if ('heading' in b) return `<h${b.heading}>${escapeHtml(b.text)}</h${b.heading}>`;
  if ('paragraph' in b) return `<p>${inline(b.paragraph)}</p>`;
  if ('list' in b) return `<ul>\n${b.list.map((item) => `<li>${inline(item)}</li>`).join('\n')}\n</ul>`;
  if ('commands' in b) return `<pre><code>${b.commands.map(escapeHtml).join('\n')}</code></pre>`;
  const head = `<tr>${b.table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = b.table.rows.map((r) => `<tr>${r.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`);
  return `<table>\n${[head, ...rows].join('\n')}\n</table>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font-family:ui-monospace,monospace;background:#f3f3f3;border-radius:3px}code{padding:0 .2em}pre{padding:.6em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
h3{margin-top:2em}li{margin:.2em 0}`;

/** The document as one self-contained HTML page (styles inline, nothing loaded), every text escaped. */
export function renderHtml(blocks: Block[], title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
${blocks.map(block).join('\n')}
</body>
</html>
`;
}
