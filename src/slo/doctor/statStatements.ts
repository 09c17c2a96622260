import type { DoctorCheck } from './finding.js';

/**
 * Warning: without pg_stat_statements nobody can see which queries still use the old shape of a
 * table, so the contract step (dropping the old column) is a guess.
 */
export const statStatements: DoctorCheck = {
  name: 'pg-stat-statements',
  async run({ db, server }) {
    if (!server) return { skipped: 'the embedded database has no pg_stat_statements' };
    const [row] = await db.query<{ installed: boolean; preload: string }>(
      `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
              current_setting('shared_preload_libraries') AS preload`,
    );
    const loaded = row!.preload.split(',').map((l) => l.trim().replace(/^"|"$/g, '')).includes('pg_stat_statements');
    if (row!.installed && loaded) return [];
    const evidence = [
      `extension pg_stat_statements: ${row!.installed ? 'installed' : 'not installed in this database'}`,
      `shared_preload_libraries = '${row!.preload}'${loaded ? '' : ' (pg_stat_statements not loaded)'}`,
    ];
    const steps = [
      ...(loaded ? [] : ["add pg_stat_statements to shared_preload_libraries (ALTER SYSTEM SET shared_preload_libraries = '...,pg_stat_statements') and restart the server"]),
      ...(row!.installed ? [] : ['CREATE EXTENSION pg_stat_statements in this database']),
    ];
    return [{ check: 'pg-stat-statements', severity: 'warning', title: 'pg_stat_statements is missing: who still uses an old shape cannot be seen', evidence, fix: steps.join(', then ') }];
  },
};
