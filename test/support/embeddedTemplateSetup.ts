import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's template embedded database is, once a test file has made it. */
    embeddedTemplate: string;
  }
}

/**
 * Global setup (it runs outside the test files, so it must not import 'vitest'): names a folder for
 * the run's template embedded database (see copyEmbeddedTemplate) and removes it after the run.
 */
export default function embeddedTemplateFolder(project: TestProject): () => void {
  const parent = mkdtempSync(join(tmpdir(), 'midair-embedded-template-'));
  project.provide('embeddedTemplate', join(parent, 'db'));
  return () => rmSync(parent, { recursive: true, force: true });
}
