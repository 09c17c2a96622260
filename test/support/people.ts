import pg from 'pg';
import { dropRole, SERVER_URL } from './databases.js';

/** Login roles that stand for people of a team, on the test server, each with the URL to connect as it. */
export interface PeopleRoles {
  /** The role of each person id, e.g. { alice: 'midair_p_alice_4242' }: put it in team.people.<id>.roles. */
  role: Record<string, string>;
  /** The URL of `database` connecting as the person's role. */
  urlOf(person: string, database: string): string;
  drop(): Promise<void>;
}

/**
 * One superuser login role per person (roles are the server's: named by process so that test files
 * running side by side never share one); the person is verified by the role they connect as.
 */
export async function peopleRoles(people: readonly string[]): Promise<PeopleRoles> {
  const role = Object.fromEntries(people.map((p) => [p, `midair_p_${p.replace(/[^a-z0-9]/g, '_')}_${process.pid}`]));
  const admin = new pg.Client(SERVER_URL);
  await admin.connect();
  try {
    for (const name of Object.values(role)) await admin.query(`DROP ROLE IF EXISTS "${name}"; CREATE ROLE "${name}" LOGIN SUPERUSER`);
  } finally {
    await admin.end();
  }
  return {
    role,
    urlOf(person, database) {
      const url = new URL(SERVER_URL);
      url.username = role[person]!;
      url.pathname = '/' + database;
      return url.toString();
    },
    async drop() {
      for (const name of Object.values(role)) await dropRole(name);
    },
  };
}
