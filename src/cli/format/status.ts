import type { StatusResult } from '../../lifecycle/status.js';
import { NEXT_STEP } from '../../stages/stage.js';
import { formatCount } from './duration.js';
import { formatLazyProgress } from './lazy.js';

export function formatStatus(s: StatusResult, database: string): string {
  const out = [`database: ${database}`, `schema: ${s.schema}`, `latest search_path: ${s.latestSearchPath}`];
  if (s.active.length === 0) out.push('active migration: none');
  for (const a of s.active) {
    out.push(`active migration: ${a.name} (${a.stage} since ${a.stageChangedAt}; started ${a.startedAt})`, `  version schema: ${a.versionSchema}`);
    for (const b of a.backfill) {
      out.push(`  backfill ${b.table}: ${formatCount(b.rowsDone)}/${formatCount(b.rowsTotal)} rows${b.done ? ', done' : ''} (updated ${b.updatedAt})`);
    }
    if (a.backfill.length === 0) out.push(a.lazy ? '  backfill: not run yet (lazy: rows move when written)' : '  backfill: not run yet');
    if (a.lazy) out.push(...formatLazyProgress(a.lazy));
    const v = a.lastVerification;
    out.push(v ? `  last verify: ${v.at}: ${formatCount(v.rowsChecked)} rows, ${formatCount(v.mismatches)} mismatches, ${formatCount(v.unsynced)} not backfilled` : '  last verify: never');
    out.push(`  next: ${NEXT_STEP[a.stage]}`);
  }
  if (s.migrations.length) {
    out.push('history:');
    for (const m of s.migrations) out.push(`  ${m.name}  ${m.stage}  started ${m.startedAt}${m.endedAt ? `, ended ${m.endedAt}` : ''}`);
  }
  return out.join('\n');
}
