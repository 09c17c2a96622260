import type { VerifyResult } from '../../verify/run.js';
import { formatCount, formatSeconds } from './duration.js';

function show(value: string | null): string {
  return value === null ? 'NULL' : JSON.stringify(value);
}

export function formatVerify(r: VerifyResult): string {
  const out = [`verified "${r.migration}": ${formatCount(r.rowsChecked)} rows checked in ${formatSeconds(r.seconds)}, ${formatCount(r.mismatches)} mismatches, ${formatCount(r.unsynced)} not backfilled`];
  if (r.samples.length) {
    out.push(`first differing rows (of ${formatCount(r.mismatches)}):`);
    for (const s of r.samples) {
      const rule = s.direction === 'up' ? 'up(old row)' : 'down(new row)';
      if (s.volatile) out.push(`  ${s.table} ${s.key}: column "${s.column}" is NULL where ${rule} is due (volatile: ${s.volatile.join(', ')})`);
      else out.push(`  ${s.table} ${s.key}: column "${s.column}" is ${show(s.actual)}, ${rule} gives ${show(s.expected)}`);
    }
  }
  if (r.unchecked.length) out.push('not recomputed:', ...r.unchecked.map((u) => `  ${u}`));
  if (r.mismatches > 0) out.push(r.unsynced > 0 ? 'run `midair backfill`, then verify again' : 'fix "up"/"down" or the data, or roll back');
  else if (r.unsynced > 0) out.push('run `midair backfill` before complete');
  else out.push('old and new agree; `midair complete` may go ahead');
  return out.join('\n');
}
