import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import { PLAYBOOK_FORMATS, type PlaybookFormat } from '../../people/playbook/formats.js';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

function formatOf(value: string | undefined): PlaybookFormat {
  const format = value ?? 'md';
  if ((PLAYBOOK_FORMATS as readonly string[]).includes(format)) return format as PlaybookFormat;
  throw new MidairError(`--format "${format}" is not a playbook format`, 'use --format md (Markdown, the default) or --format html (one self-contained page)');
}

export function registerPlaybook(program: Command): void {
  addVerb(program, 'playbook <migration>', 'the runbook of a migration from its plan, the team and the last rehearsal: who is on the call, and for each step the command, lock, expected duration, gates, what to watch and the rollback')
    .option('--format <format>', 'md (Markdown, the default) or html (one self-contained page)')
    .option('--out <file>', 'write the playbook to this file instead of stdout')
    .action(
      action(async ({ args, options, command }) => {
        const o = command.opts<{ format?: string; out?: string }>();
        const format = formatOf(o.format);
        const { renderPlaybook } = await import('../../people/playbook/render.js');
        const playbook = await withMidair('playbook', options, (midair) => midair.playbook(args[0]!));
        for (const warning of playbook.warnings) process.stderr.write(`warning: ${warning}\n`);
        const document = renderPlaybook(playbook, format);
        if (!o.out) return { data: { playbook, format, document }, text: document };
        writeFileSync(o.out, document);
        return { data: { playbook, format, out: o.out }, text: `wrote the playbook of "${playbook.migration}" to ${o.out}` };
      }),
    );
}
