import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { inject } from 'vitest';
import { connectEmbedded } from '../../src/db/embedded.js';

/**
 * Fills the empty folder `into` with a copy of the run's template embedded database. Creating a
 * PGlite folder runs initdb in WebAssembly (seconds; tens of seconds on a busy 2-core machine);
 * copying a created one takes a fraction of that. The first file to need the template creates it,
 * aside and then renamed, so files running side by side never see half of it.
 */
export async function copyEmbeddedTemplate(into: string): Promise<void> {
  const template = inject('embeddedTemplate');
  if (!existsSync(template)) {
    const made = mkdtempSync(`${template}-making-`);
    const db = await connectEmbedded(made);
    await db.close();
    try {
      renameSync(made, template);
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      rmSync(made, { recursive: true, force: true }); // another file made it first
    }
  }
  cpSync(template, into, { recursive: true });
}
