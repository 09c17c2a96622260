import type { StatusResult } from '../../lifecycle/status.js';
import { formatCount } from './duration.js';
import { describeKilled, formatWindow } from './traffic.js';
import { formatLazyProgress } from './lazy.js';

export function formatStatus(s: StatusResult, database: string): string {
  const out = [`database: ${database}`, `schema: ${s.schema}`, `latest search_path: ${s.latestSearchPath}`];
  if (s.active.length === 0) out.push('active migration: none');
  for (const a of s.active) {
    out.push(`active migration: ${a.name} (${a.stage} since ${a.stageChangedAt}; started ${a.startedAt})`, `  version schema: ${a.versionSchema} (part of the latest search_path above, which clients set whole)`);
    for (const b of a.backfill) {
      out.push(`  backfill ${b.table}: ${formatCount(b.rowsDone)}/${formatCount(b.rowsTotal)} rows${b.done ? ', done' : ''} (updated ${b.updatedAt})`);
    }
    if (a.backfill.length === 0) out.push(a.lazy ? '  backfill: not run yet (lazy: rows move when written)' : '  backfill: not run yet');
    if (a.lazy) out.push(...formatLazyProgress(a.lazy));
    const v = a.lastVerification;
    out.push(v ? `  last verify: ${v.at}: ${formatCount(v.rowsChecked)} rows, ${formatCount(v.mismatches)} mismatches, ${formatCount(v.unsynced)} not backfilled` : '  last verify: never');
    const t = a.traffic;
    if (a.stage === 'live') out.push(`  ramp: ${t.rampPercent}% since ${t.rampChangedAt}`);
    if (t.killed) out.push(`  KILLED: every record on the old shape (${describeKilled(t.killed)}); \`midair advance ${a.name} ${a.stage}\` resumes`);
    const sets = Object.entries(t.canary);
    if (sets.length) out.push(`  canary sets: ${sets.map(([name, n]) => `${name}: ${formatCount(n)}`).join(', ')}`);
    for (const i of t.instances) {
      out.push(`  instance ${i.service} ${i.id}: ${i.stage}${i.stage === 'live' ? ` ${i.rampPercent}%` : ''}, last seen ${i.lastSeen}${i.oldUsedAt ? `, old shape used ${i.oldUsedAt}` : ''}`);
    }
    if (t.window.old.calls + t.window.new.calls + t.window.compares.compares + t.window.aa.compares > 0 || t.instances.length) out.push(...formatWindow(t.window));
    out.push(`  next: ${a.next}`);
  }
  if (s.migrations.length) {
    out.push('history:');
    for (const m of s.migrations) out.push(`  ${m.name}  ${m.stage}  started ${m.startedAt}${m.endedAt ? `, ended ${m.endedAt}` : ''}`);
  }
  return out.join('\n');
}
