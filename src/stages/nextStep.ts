import type { Stage } from './stage.js';

/** What decides a migration's next step, as `midair status` reads it. */
export interface NextStepInput {
  name: string;
  stage: Stage;
  lazy: boolean;
  /** Tables the backfill walks; how many it has begun and finished. */
  backfill: { tables: number; begun: number; done: number };
  /** The last verification: none yet, older than the last backfill progress, found differences, clean; or nothing to verify. */
  verification: 'none' | 'stale' | 'differences' | 'clean' | 'not needed';
  rampPercent: number;
  /** The kill switch, if pulled: the percentage it was pulled at, and the guard that pulled it (null: a person). */
  killed: { fromPercent: number; guard: string | null } | null;
  /** Shadow compares so far, and how many going live needs (traffic.minShadowCompares). */
  compares: number;
  minCompares: number;
}

/** The ramp steps `status` proposes; any percentage works with `midair ramp`. */
const RAMP_STEPS = [1, 5, 10, 25, 50, 100];

/**
 * The one command that moves a migration on from where it is now: start -> backfill -> verify ->
 * advance shadow -> advance live -> ramp ... 100 -> advance rampdown -> complete, each when the
 * step before it is done (the gates check the same things, and refuse with the reason).
 */
export function nextStep(s: NextStepInput): string {
  const m = s.name;
  const verify = () => (s.verification === 'differences' ? `fix the rows the last verify found (\`midair verify ${m}\` lists them), then \`midair verify ${m}\` again` : `\`midair verify ${m}\``);
  const verified = s.verification === 'clean' || s.verification === 'not needed';
  switch (s.stage) {
    case 'expanding':
      return `\`midair start ${m}\` again to finish expanding (or \`midair rollback ${m}\`)`;
    case 'expanded':
      if (!s.lazy && s.backfill.done < s.backfill.tables) {
        return s.backfill.begun > 0 ? `\`midair backfill ${m}\` to finish the backfill (it resumes where it stopped)` : `\`midair backfill ${m}\``;
      }
      if (!verified) return verify();
      return `\`midair advance ${m} shadow\` to compare reads of both shapes in your application (or \`midair complete ${m}\` without that)`;
    case 'shadow':
      if (s.killed) return `\`midair advance ${m} shadow\` releases the kill switch`;
      if (!verified) return verify();
      if (s.compares < s.minCompares) return `let the application clients compare reads (${s.compares} of the ${s.minCompares} compares going live needs), then \`midair advance ${m} live --percent 10\``;
      return `\`midair advance ${m} live --percent 10\``;
    case 'live':
      if (s.killed?.guard) return `find out why the guard "${s.killed.guard}" pulled the kill switch (\`midair mismatches ${m}\`), then \`midair advance ${m} live --percent ${s.killed.fromPercent} --force --reason "<what was fixed>"\``;
      if (s.killed) return `\`midair advance ${m} live --percent ${s.killed.fromPercent}\` releases the kill switch (or \`midair rollback ${m}\`)`;
      if (s.rampPercent < 100) return `\`midair ramp ${m} ${RAMP_STEPS.find((p) => p > s.rampPercent)}\` (now ${s.rampPercent}%)`;
      return `\`midair advance ${m} rampdown\``;
    case 'rampdown':
      if (s.killed) return `\`midair advance ${m} rampdown\` releases the kill switch`;
      if (!verified) return verify();
      return `once no instance uses the old shape (\`midair gates ${m}\`), \`midair complete ${m}\` (irreversible)`;
    case 'rolling_back':
      return `\`midair rollback ${m}\` to finish rolling back`;
    case 'complete':
    case 'rolled_back':
      return 'nothing: the migration is over';
  }
}
