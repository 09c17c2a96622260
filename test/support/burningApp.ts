/**
 * An application instance of a service whose every request fails, for the budget guard's tests:
 * `node --import tsx test/support/burningApp.ts <url> <service> <config JSON>` (services, team).
 * It tracks one failed request every few milliseconds through midair.track, prints {"tracking":true}
 * once it has, and runs until its stdin closes; the budget guard runs after its flushes.
 */
import { resolveConfig } from '../../src/config/load.js';
import { createMidair } from '../../src/index.js';

const [url, service, config] = process.argv.slice(2);
const resolved = resolveConfig({ database: url!, ...JSON.parse(config!) }, { baseDir: process.cwd(), env: {} });
const midair = await createMidair({ resolved, service: service!, logger: { warn: (message) => console.error(message) } });
const failing = setInterval(() => midair.track({ ok: false, latencyMs: 5 }), 5);
midair.track({ ok: false });
console.log(JSON.stringify({ tracking: true }));
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(failing);
  void midair.close().then(() => process.exit(0));
});
