import pg from 'pg';

/**
 * The connections one test opens on one database: `connect()` is the old release (plain tables),
 * `connect(searchPath)` the new one. `endAll()` closes every one of them; a connection that broke
 * during the test does not hide the test's own failure.
 */
export class ReleaseClients {
  private readonly open: pg.Client[] = [];

  constructor(private readonly url: () => string) {}

  async connect(searchPath?: string): Promise<pg.Client> {
    const client = new pg.Client(this.url());
    await client.connect();
    if (searchPath) await client.query(`SET search_path = ${searchPath}`);
    this.open.push(client);
    return client;
  }

  async endAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.end().catch(() => {})));
  }
}
