/**
 * Where a migration is in its life cycle (see DESIGN.md's stage table); the -ing stages are
 * crash-resumable steps. Adding a stage: add it here with its hint, then its transitions in machine.ts.
 */
export type Stage = 'expanding' | 'expanded' | 'shadow' | 'live' | 'rampdown' | 'complete' | 'rolling_back' | 'rolled_back';

/** Stages in which a migration is over; in any other it is active. */
export const ENDED_STAGES: readonly Stage[] = ['complete', 'rolled_back'];

/** Stages in which application clients read or write the new shape for some records. */
export const TRAFFIC_STAGES: readonly Stage[] = ['shadow', 'live', 'rampdown'];

/** What to run to move a migration on from each stage: `status` shows it, and messages that refuse a command. */
export const NEXT_STEP: Record<Stage, string> = {
  expanding: 'run `midair start` again to finish expanding, or `midair rollback`',
  expanded: 'run `midair backfill` and `midair verify`, then `midair advance <migration> shadow` (or `midair complete`, or `midair rollback`)',
  shadow: 'watch the compares (`midair status`, `midair mismatches`), then `midair advance <migration> live --percent 10` (or `midair rollback`)',
  live: 'ramp with `midair ramp <migration> <percent>` up to 100, then `midair advance <migration> rampdown`; `midair kill <migration> --reason "..."` sends every record back to the old shape',
  rampdown: 'once no instance uses the old shape, `midair verify` and `midair complete` (or `midair rollback`)',
  complete: 'a complete migration cannot be rolled back: write a new migration that reverses it',
  rolling_back: 'run `midair rollback` to finish rolling back',
  rolled_back: 'start it again with `midair start <migration>`',
};

/** Work on a migration besides moving it. */
export type Work = 'backfill' | 'verify' | 'pause or resume backfill';

/** The stages that allow each kind of work (the others refuse it). A lazy migration backfills in any of them. */
const EXPANDED_ON: readonly Stage[] = ['expanded', 'shadow', 'live', 'rampdown'];
export const WORK_ALLOWED: Record<Work, readonly Stage[]> = {
  backfill: EXPANDED_ON,
  verify: EXPANDED_ON,
  'pause or resume backfill': EXPANDED_ON,
};
