import type { Context } from '../lifecycle/context.js';
import { audit } from '../state/store.js';
import { approvableStep, approvalsOf, giveApproval, neededOf, type Approval, type Approved, type Needed } from './approvals.js';
import type { MigrationTarget } from './migrationTarget.js';
import { requireTeam } from './requireTeam.js';

/** The migration an approval is about: the active one of that name, else the file, not started yet. */
export function approvedOf({ migration, checksum, record }: MigrationTarget): Approved {
  return { name: migration.name, id: record?.id ?? null, definition: migration, checksum, stage: record?.stage ?? 'planned' };
}

export interface ApproveResult {
  migration: string;
  step: string;
  /** The stage and definition the approval holds for; it expires when either changes. */
  stage: string;
  checksum: string;
  approvalId: number;
  person: string;
  comment: string | null;
}

/** Records an approval of one step by the verified person acting, audited. */
export async function approveStep(ctx: Context, target: Approved, stepValue: string, comment: string | null): Promise<ApproveResult> {
  const team = requireTeam(ctx.settings.team, 'approve');
  const step = approvableStep(stepValue, target, team);
  return ctx.db.transaction(async (tx) => {
    const approvalId = await giveApproval(tx, ctx.actor, team, target, step, comment, ctx.now());
    // The stage goes in details, not to_stage: gates read to_stage as the moves the migration made.
    await audit(tx, ctx.actor, { action: 'approve', migration: target.name, details: { step, stage: target.stage, checksum: target.checksum, approvalId, ...(comment ? { comment } : {}) } });
    return { migration: target.name, step, stage: target.stage, checksum: target.checksum, approvalId, person: ctx.actor.person!, comment };
  });
}

export interface ApprovalsResult {
  migration: string;
  stage: string;
  checksum: string;
  /** Each step that needs approval, with who approved it so far. */
  needed: Needed[];
  /** Every approval given for the migration, each saying whether it still holds. */
  approvals: Approval[];
}

export async function listApprovals(ctx: Context, target: Approved): Promise<ApprovalsResult> {
  const team = requireTeam(ctx.settings.team, 'approvals');
  const approvals = await approvalsOf(ctx.db, target, team);
  return { migration: target.name, stage: target.stage, checksum: target.checksum, needed: neededOf(team, target, approvals), approvals };
}
