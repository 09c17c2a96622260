import { MidairRefusal } from '../../errors.js';
import type { Alert } from './raise.js';

/** A verb's failure as an alert: a refusal for approvals waits for an approver; any other non-refusal is a failed step. */
export function alertOfError(verb: string, migration: string | null, error: unknown): Alert | null {
  if (error instanceof MidairRefusal) {
    if (error.reason !== 'approval') return null;
    return { event: 'approval waiting', level: 'warning', migration, stage: null, message: `\`midair ${verb}\`${migration ? ` of migration ${migration}` : ''} waits for approval: ${error.message}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { event: 'step failed', level: 'critical', migration, stage: null, message: `\`midair ${verb}\`${migration ? ` of migration ${migration}` : ''} failed: ${message}` };
}

/** A stage change an operator made: it informs the owners, it pages nobody. */
export function stageChanged(migration: string, from: string | null, to: string, verb: string, by: string): Alert {
  return { event: 'stage changed', level: 'info', migration, stage: to, message: `migration ${migration} ${from ? `moved from ${from} to ${to}` : `is ${to}`} (\`midair ${verb}\` by ${by})` };
}

/** A guard pulled the kill switch: nobody chose it, so it pages. */
export function guardFired(breach: { migration: string; reason: string }): Alert {
  return { event: 'guard fired', level: 'critical', migration: breach.migration, stage: 'live', message: `${breach.reason}: the guard pulled the kill switch, every record goes to the old shape until \`midair advance ${breach.migration} live\`` };
}
