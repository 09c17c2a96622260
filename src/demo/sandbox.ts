import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import { describeUrl } from '../db/postgres.js';
import { ident } from '../db/sql.js';
import { MidairError, explainDatabaseError } from '../errors.js';

/** Where the demo runs: a place of its own that it removes afterwards, never the user's tables. */
export interface Sandbox {
  db: Executor;
  /** The demo database's URL on a server; null for the embedded database. */
  url: string | null;
  /** For people: "embedded (PGlite) in /tmp/midair-demo-x" or "postgres host:5432/midair_demo_x". */
  description: string;
  /** Closes the database and removes it. */
  dispose(): Promise<void>;
}

/** A fresh embedded database in a temporary folder. */
export async function embeddedSandbox(): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'midair-demo-'));
  let db: Executor;
  try {
    db = await connect({ database: null, embeddedDir: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    db,
    url: null,
    description: `embedded (PGlite) in ${dir} (removed afterwards)`,
    async dispose() {
      await db.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the server at `url`, created for the demo and dropped afterwards. */
export async function serverSandbox(url: string): Promise<Sandbox> {
  const admin = new pg.Client({ connectionString: url, application_name: 'midair demo (setup)' });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (error) {
    throw explainDatabaseError(error, 'connecting to the database');
  }
  const name = `midair_demo_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  try {
    await admin.query(`CREATE DATABASE ${ident(name)}`);
  } catch (error) {
    await admin.end().catch(() => {});
    if ((error as { code?: string }).code === '42501') {
      throw new MidairError(`the demo needs to create a database of its own on ${describeUrl(url)}, and this role may not (${(error as Error).message})`, 'use a role with CREATEDB, or leave --database out to run the demo on the embedded database');
    }
    throw explainDatabaseError(error, 'creating the demo database');
  }
  const demoUrl = new URL(url);
  demoUrl.pathname = `/${name}`;
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
  };
  let db: Executor;
  try {
    db = await connect({ database: demoUrl.toString(), embeddedDir: '', applicationName: 'midair demo', poolSize: 4 });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    db,
    url: demoUrl.toString(),
    description: `${describeUrl(demoUrl.toString())} (a database of its own, dropped afterwards)`,
    async dispose() {
      await db.close().catch(() => {});
      await drop();
    },
  };
}
