/**
 * A small document model the playbook is written in once and rendered twice (markdown.ts, html.ts),
 * so both formats always say the same thing.
 */

/** Text, or code (commands, values people type), or text to stress. */
export type Span = string | { code: string } | { strong: string };

export type Block =
  | { heading: 1 | 2 | 3; text: string }
  | { paragraph: Span[] }
  | { list: Span[][] }
  | { table: { head: string[]; rows: Span[][][] } }
  /** Lines to type, one command a line. */
  | { commands: string[] };

/** Text whose `backticked` parts are code: "see `midair status`" -> ["see ", { code: "midair status" }]. */
export function spans(text: string): Span[] {
  return text.split('`').flatMap((part, i): Span[] => (part === '' ? [] : i % 2 === 1 ? [{ code: part }] : [part]));
}
