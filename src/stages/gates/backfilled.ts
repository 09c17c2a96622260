import { unsyncedRows } from '../../backfill/run.js';
import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * Shadow reads the new shape: a row not backfilled yet would read there without its new values and
 * show up as a mismatch. A lazy migration upcasts such rows on read, so it needs no backfill first.
 */
export const backfilledGate: Gate = {
  name: 'backfilled',
  forceable: true,
  async check({ db, record, plan }) {
    if (record.definition.lazy === true) return passed({ lazy: true });
    const unsynced = await unsyncedRows(db, plan);
    if (unsynced === 0) return passed({ unsynced });
    return refused(
      new MidairRefusal('unsynced', `${unsynced} rows of migration "${record.name}" are not backfilled yet, so the new shape would read them without their new values`, `run \`midair backfill ${record.name}\`, then advance again`, { unsynced }),
      { unsynced },
    );
  },
};
