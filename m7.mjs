import v8 from 'node:v8';
v8.setFlagsFromString('--liftoff-only');
const { PGlite } = await import('@electric-sql/pglite');
const t0 = performance.now();
const db = await PGlite.create(process.argv[2]);
console.log(process.argv[2], (performance.now() - t0) | 0, 'ms', process.cpuUsage());
await db.close();
