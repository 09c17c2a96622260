import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import { DEFAULT_CANARY_SET } from '../../lifecycle/canary.js';
import { readCanaryKeyFile } from '../../lifecycle/canaryKeyFile.js';
import { action } from '../action.js';
import { formatCanaryList } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

const VERBS = ['add', 'remove', 'list'] as const;

export function registerCanary(program: Command): void {
  addVerb(program, 'canary <migration> <add|remove|list> [keys...]', 'named sets of records (by routing key) that a live migration serves from the new shape whatever its ramp')
    .option('--set <name>', `the canary set (default "${DEFAULT_CANARY_SET}"; list: every set)`)
    .option('--file <path>', 'more keys: one per line (# starts a comment line), or a JSON array')
    .action(
      action(async ({ args, options, command }) => {
        const [migration, verb] = [args[0]!, args[1]!];
        const keys = (command.processedArgs as unknown[])[2] as string[] | undefined;
        const { set, file } = command.opts<{ set?: string; file?: string }>();
        if (!VERBS.includes(verb as (typeof VERBS)[number])) throw new MidairError(`canary ${verb}: unknown; use add, remove or list`, `e.g. \`midair canary ${migration} add 42 43\``);
        if (verb === 'list') {
          if (keys?.length || file) throw new MidairError('canary list takes no keys', `\`midair canary ${migration} list [--set <name>]\``);
          const result = await withMidair('canary', options, (midair) => midair.canaryList(migration, { set }));
          return { data: { ...result }, text: formatCanaryList(result) };
        }
        const all = [...(keys ?? []), ...(file ? readCanaryKeyFile(file) : [])];
        const result = await withMidair('canary', options, (midair) => (verb === 'add' ? midair.canaryAdd(migration, all, { set }) : midair.canaryRemove(migration, all, { set })));
        const text = `${verb === 'add' ? 'added' : 'removed'} ${result.changed} key(s) ${verb === 'add' ? 'to' : 'from'} canary set "${result.set}" of "${result.migration}" (${result.size} in the set)`;
        return { data: { ...result }, text };
      }),
    );
}
