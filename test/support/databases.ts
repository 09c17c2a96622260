import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The PostgreSQL server the tests use; CI starts it (a missing server fails the suite). */
export const SERVER_URL = process.env.MIDAIR_TEST_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = '/' + database;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A name no other test file or process uses (databases are the server's, shared by every worker). */
function uniqueName(label: string): string {
  return `midair_t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`.slice(0, 63);
}

async function createDatabase(name: string, template: string | null): Promise<TestDatabase> {
  const admin = new pg.Client(SERVER_URL);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlFor(name),
    name,
    async drop() {
      const c = new pg.Client(SERVER_URL);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A new, empty database on the test server, dropped by the returned function. */
export function freshDatabase(label: string): Promise<TestDatabase> {
  return createDatabase(uniqueName(label), null);
}

/**
 * A copy of `template` (tables, rows, control schema), dropped by the returned function: a fixture
 * built once per file gives each test a database of its own in a fraction of the time it took to
 * build. Nothing may be connected to the template while it is copied.
 */
export function copyOfDatabase(template: TestDatabase, label: string): Promise<TestDatabase> {
  return createDatabase(uniqueName(label), template.name);
}

/** Drops a login role a test made (roles are the server's, not a database's: name them by process). */
export async function dropRole(role: string): Promise<void> {
  const admin = new pg.Client(SERVER_URL);
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  } finally {
    await admin.end();
  }
}

/** A temporary folder, removed by the returned function. */
export function tempDir(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `midair-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
