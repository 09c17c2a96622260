/** The formats a playbook is written in: Markdown, or one self-contained HTML page. */
export const PLAYBOOK_FORMATS = ['md', 'html'] as const;
export type PlaybookFormat = (typeof PLAYBOOK_FORMATS)[number];
