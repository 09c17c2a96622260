import { unsyncedRows } from '../../backfill/run.js';
import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/** Completing with rows not backfilled would lose their new values: never overridden. */
export const syncedGate: Gate = {
  name: 'synced',
  forceable: false,
  async check({ db, plan }) {
    const unsynced = await unsyncedRows(db, plan);
    if (unsynced === 0) return passed({ unsynced });
    return refused(new MidairRefusal('unsynced', `${unsynced} rows are not backfilled yet; completing now would lose their new values`, 'run `midair backfill`, then `midair verify`, then complete', { unsynced }), { unsynced });
  },
};
