import type { Playbook } from './build.js';
import { playbookDocument } from './document.js';
import type { PlaybookFormat } from './formats.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** The playbook as Markdown or as one self-contained HTML page. */
export function renderPlaybook(playbook: Playbook, format: PlaybookFormat): string {
  const blocks = playbookDocument(playbook);
  return format === 'html' ? renderHtml(blocks, `Playbook: ${playbook.migration}`) : renderMarkdown(blocks);
}
