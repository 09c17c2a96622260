import pg from 'pg';
import { resolveConfig } from '../../src/config/load.js';
import { connect } from '../../src/db/connect.js';
import type { DatabaseKind, Executor } from '../../src/db/executor.js';
import { ident } from '../../src/db/sql.js';
import { silentReporter } from '../../src/lifecycle/context.js';
import { Midair } from '../../src/midair.js';
import { copyEmbeddedTemplate } from './embeddedTemplate.js';
import { catalogSnapshot, schemaDump, type Snapshot } from './snapshot.js';
import { freshDatabase, tempDir } from './databases.js';

/** An application's connection: the old release (plain tables) or the new one (version schema). */
export interface Shape {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * One database under test, reused by the cases of a test file: `reset` empties it between cases.
 * On the server every shape is a connection of its own; PGlite has one connection, so the new
 * shape is a transaction with `SET LOCAL search_path`.
 */
export interface Target {
  db: Executor;
  /** A fresh Midair handle on the database (after reset, the control schema is installed anew). */
  midair(): Midair;
  /** The old release: default search_path, plain tables. */
  old(): Promise<Shape>;
  /** The new release: search_path set to a version schema. */
  shape(searchPath: string): Promise<Shape>;
  snapshot(): Promise<Snapshot>;
  /** Drops every schema (the control schema too) and closes the shapes' connections. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export const DRIVERS: DatabaseKind[] = ['postgres', 'embedded'];

async function dropEverything(db: Executor): Promise<void> {
  const schemas = await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
  );
  await db.exec(`${schemas.map((s) => `DROP SCHEMA ${ident(s.name)} CASCADE;`).join(' ')} CREATE SCHEMA public;`);
}

function settings(dir: string, database: string | null) {
  return resolveConfig({ embeddedDir: dir }, { baseDir: dir, database: database ?? undefined, env: {} });
}

async function openServer(label: string): Promise<Target> {
  const database = await freshDatabase(label);
  const folder = tempDir(label);
  const config = settings(folder.path, database.url);
  const db = await connect({ database: database.url, embeddedDir: config.embeddedDir, applicationName: 'midair-test' });
  let clients: pg.Client[] = [];
  const client = async (searchPath: string | null, name: string): Promise<Shape> => {
    const c = new pg.Client({ connectionString: database.url, application_name: name });
    await c.connect();
    clients.push(c);
    if (searchPath) await c.query(`SET search_path TO ${searchPath.split(',').map(ident).join(', ')}`);
    return { query: async (sql, params) => (await c.query(sql, params)).rows };
  };
  const closeClients = async () => {
    await Promise.all(clients.map((c) => c.end()));
    clients = [];
  };
  return {
    db,
    midair: () => new Midair(db, config, silentReporter),
    old: () => client(null, 'old-release'),
    shape: (searchPath) => client(searchPath, 'new-release'),
    snapshot: async () => ({ catalog: await catalogSnapshot(db), dump: await schemaDump(database.url) }),
    async reset() {
      await closeClients();
      await dropEverything(db);
    },
    async close() {
      await closeClients();
      await db.close();
      await database.drop();
      folder.remove();
    },
  };
}

async function openEmbedded(label: string): Promise<Target> {
  const folder = tempDir(label);
  await copyEmbeddedTemplate(folder.path);
  const config = settings(folder.path, null);
  const db = await connect({ database: null, embeddedDir: config.embeddedDir });
  return {
    db,
    midair: () => new Midair(db, config, silentReporter),
    old: async () => ({ query: (sql, params) => db.query(sql, params) }),
    shape: async (searchPath) => ({
      query: (sql, params) =>
        db.transaction(async (tx) => {
          await tx.exec(`SET LOCAL search_path TO ${searchPath.split(',').map(ident).join(', ')}`);
          return tx.query(sql, params);
        }),
    }),
    snapshot: async () => ({ catalog: await catalogSnapshot(db), dump: null }),
    reset: () => dropEverything(db),
    async close() {
      await db.close();
      folder.remove();
    },
  };
}

export function openTarget(kind: DatabaseKind, label: string): Promise<Target> {
  return kind === 'postgres' ? openServer(label) : openEmbedded(label);
}
