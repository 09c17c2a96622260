import { MidairError, MidairRefusal, MidairStepFailure } from '../../errors.js';
import type { AdvanceResult } from '../../lifecycle/advance.js';
import type { KillResult } from '../../lifecycle/kill.js';
import type { Alert } from './raise.js';

/**
 * A verb's failure as an alert. A refusal for approvals waits for an approver; a failure of the
 * work once it began (MidairStepFailure, or an unexpected error: a bug, a lost connection) is a
 * failed step. Every other MidairError is a check on the input (a wrong stage name, a missing
 * option): the one who typed it sees it, nobody is paged.
 */
export function alertOfError(verb: string, migration: string | null, error: unknown): Alert | null {
  if (error instanceof MidairRefusal) {
    if (error.reason !== 'approval') return null;
    return { event: 'approval waiting', level: 'warning', migration, stage: null, message: `\`midair ${verb}\`${migration ? ` of migration ${migration}` : ''} waits for approval: ${error.message}` };
  }
  if (error instanceof MidairError && !(error instanceof MidairStepFailure)) return null;
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

/** The budget guard paused a backfill or pulled the kill switch on a fast burn: nobody chose it, so it pages. */
export function budgetFired(enforced: { migration: string; stage: string; reason: string; paused: boolean; pulled: boolean }): Alert {
  const did = [
    ...(enforced.paused ? [`paused the backfill (resuming is a person's decision: \`midair backfill resume ${enforced.migration}\`)`] : []),
    ...(enforced.pulled ? [`pulled the kill switch, every record goes to the old shape until \`midair advance ${enforced.migration} live --force --reason "<why>"\``] : []),
  ];
  return { event: 'guard fired', level: 'critical', migration: enforced.migration, stage: enforced.stage, message: `${enforced.reason}: the budget guard ${did.join(' and ')}` };
}

/** An advance moves the migration on, or (to the stage it is in) releases the kill switch. */
export function advanced(r: AdvanceResult, by: string): Alert | null {
  if (r.from !== r.stage) return stageChanged(r.migration, r.from, r.stage, 'advance', by);
  if (!r.released) return null;
  return { event: 'kill switch', level: 'info', migration: r.migration, stage: r.stage, message: `migration ${r.migration}: the kill switch is released (\`midair advance\` by ${by})` };
}

/** An operator pulled the kill switch (a second pull changes nothing, and says nothing). */
export function killed(r: KillResult, by: string): Alert | null {
  if (r.alreadyKilled) return null;
  return { event: 'kill switch', level: 'info', migration: r.migration, stage: r.stage, message: `migration ${r.migration}: ${by} pulled the kill switch (${r.killed.reason}); every record goes to the old shape` };
}
