// `NODE_OPTIONS=--import=<this file>` with MIDAIR_TEST_LOADED=<file>: appends the URL of every
// module the process loads through import (not require) to that file, one a line. Imported in the
// main thread it registers itself as the load hook, which Node runs in a thread of its own.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.MIDAIR_TEST_LOADED, `${url}\n`);
  return nextLoad(url, context);
}
