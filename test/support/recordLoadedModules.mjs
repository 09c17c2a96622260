// `NODE_OPTIONS=--import=<this file>` with MIDAIR_TEST_LOADED=<file>: appends the URL of every
// module the process loads through import to that file, one a line, and at exit the path of every
// module it loaded through require (createRequire included). Imported in the main thread it
// registers itself as the load hook, which Node runs in a thread of its own.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  register(import.meta.url);
  const required = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(process.env.MIDAIR_TEST_LOADED, Object.keys(required).map((path) => `${path}\n`).join('')));
}

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.MIDAIR_TEST_LOADED, `${url}\n`);
  return nextLoad(url, context);
}
