import type { Block, Span } from './blocks.js';

/** Characters markdown would read as formatting, escaped so names and addresses show as written. */
const escapeText = (text: string) => text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ` ${text} ` : text}${fence}`;
}

function inline(spans: Span[]): string {
  return spans.map((s) => (typeof s === 'string' ? escapeText(s) : 'code' in s ? code(s.code) : `**${escapeText(s.strong)}**`)).join('');
}

function block(b: Block): string {
  if ('heading' in b) return `${'#'.repeat(b.heading)} ${escapeText(b.text)}`;
  if ('paragraph' in b) return inline(b.paragraph);
  if ('list' in b) return b.list.map((item) => `- ${inline(item)}`).join('\n');
  if ('commands' in b) return ['```sh', ...b.commands, '```'].join('\n');
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [row(b.table.head.map(escapeText)), row(b.table.head.map(() => '---')), ...b.table.rows.map((r) => row(r.map(inline)))].join('\n');
}

/** The document as Markdown (GitHub flavour: tables, fenced code). */
export function renderMarkdown(blocks: Block[]): string {
  return blocks.map(block).join('\n\n') + '\n';
}
