/**
 * Where a migration is in its life cycle (see DESIGN.md); the -ing stages are crash-resumable
 * steps. Adding a stage: add it here with its hint, then its transitions in machine.ts.
 */
export type Stage = 'expanding' | 'expanded' | 'complete' | 'rolling_back' | 'rolled_back';

/** Stages in which a migration is over; in any other it is its schema's one active migration. */
export const ENDED_STAGES: readonly Stage[] = ['complete', 'rolled_back'];

/** What to run to move a migration on from each stage: `status` shows it, and messages that refuse a command. */
export const NEXT_STEP: Record<Stage, string> = {
  expanding: 'run `midair start` again to finish expanding, or `midair rollback`',
  expanded: 'run `midair backfill` and `midair verify`, then `midair complete` (or `midair rollback`)',
  complete: 'a complete migration cannot be rolled back: write a new migration that reverses it',
  rolling_back: 'run `midair rollback` to finish rolling back',
  rolled_back: 'start it again with `midair start <migration>`',
};

/** Work on a migration besides moving it. */
export type Work = 'backfill' | 'verify' | 'pause or resume backfill';

/** The stages that allow each kind of work (the others refuse it). */
export const WORK_ALLOWED: Record<Work, readonly Stage[]> = {
  backfill: ['expanded'],
  verify: ['expanded'],
  'pause or resume backfill': ['expanded'],
};
