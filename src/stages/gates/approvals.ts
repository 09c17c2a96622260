import { MidairRefusal } from '../../errors.js';
import { approvalRefusal } from '../../people/approvals.js';
import type { ApprovableStep } from '../../people/team.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * The people gate of a step: the approvals its rule needs, from people other than the one who runs
 * it (docs/people.md, "Approvals"). Never forceable: --force is the runner's own word.
 */
export function approvalsGate(step: ApprovableStep): Gate {
  return {
    name: `approvals of ${step}`,
    forceable: false,
    people: true,
    async check({ db, record, asker }) {
      try {
        const { refusal, numbers } = await approvalRefusal(db, asker, { name: record.name, id: record.id, definition: record.definition, checksum: record.checksum, stage: record.stage }, step);
        return refusal ? refused(refusal, numbers) : passed(numbers);
      } catch (error) {
        // The migration's people fields are wrong (peopleOf): `midair gates` shows that as this gate's answer.
        if (error instanceof MidairRefusal) return refused(error);
        throw error;
      }
    },
  };
}
