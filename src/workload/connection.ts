import { ident } from '../db/sql.js';
import type { Release, Session } from './types.js';

/** Where each release resolves table names; `new` is known once start has created the version schema. */
export interface SearchPaths {
  /** The application's schema, e.g. "public". */
  old: string;
  /** The version schema, e.g. "public_split". */
  new: string | null;
}

/** The search_path of a release: the version schema comes first, the plain schema stays for everything else. */
export function searchPathOf(release: Release, paths: SearchPaths): string {
  if (release === 'old') return ident(paths.old);
  if (!paths.new) throw new Error('no new-release client can run before start has created the version schema');
  return `${ident(paths.new)}, ${ident(paths.old)}`;
}

/** One simulated client's hold on the database. */
export interface ClientConnection {
  /** The client's session as the given release uses it (switching its search_path if needed). */
  session(release: Release): Promise<Session>;
  close(): Promise<void>;
}

export type Connector = () => Promise<ClientConnection>;
