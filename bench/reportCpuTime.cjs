// Preloaded (node --require) into each process the start-up bench runs: at exit it writes the
// process's CPU time, user and system, of all its threads, in microseconds, to file descriptor 3.
// CPU time is what a busy machine changes least; wall-clock time includes waiting for a core.
const { writeSync } = require('node:fs');

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(3, `${usage.userCPUTime + usage.systemCPUTime}\n`);
});
