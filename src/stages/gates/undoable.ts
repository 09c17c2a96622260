import { MidairRefusal } from '../../errors.js';
import { stepsWithoutUndo } from '../../migration/withoutUndo.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * Refuses a rollback that cannot undo every step (op.sql without `down`). Forceable: with
 * `--force --reason` rollback undoes everything else and leaves those steps' effect in place, and
 * the audit log records which.
 */
export const undoableGate: Gate = {
  name: 'undoable',
  forceable: true,
  async check({ record }) {
    const left = stepsWithoutUndo(record.definition);
    if (left.length === 0) return passed({ withoutUndo: 0 });
    return refused(
      new MidairRefusal(
        'irreversible',
        `rollback cannot undo ${left.join(', ')} of migration "${record.name}": op.sql without "down", so its effect would stay in place`,
        `run \`midair rollback ${record.name} --force --reason "<why>"\` (library: rollback(name, { force: { reason } })) to roll back everything else and leave it in place, recorded in the audit log; or undo it by hand after that`,
        { withoutUndo: left },
      ),
      { withoutUndo: left.length },
    );
  },
};
