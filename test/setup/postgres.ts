import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres-server.js';

// Starts a real PostgreSQL on 127.0.0.1 for the Postgres store tests (CI installs the Debian
// package). With POSTGRES_URL set, that server is used instead. Without either, they skip, loudly.

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.POSTGRES_URL) {
    project.provide('postgresUrl', process.env.POSTGRES_URL);
    return () => {};
  }
  const server = await startPostgres();
  if (!server) console.warn('\n!!! PostgreSQL is not installed: the Postgres store tests are SKIPPED (apt-get install -y postgresql, or set POSTGRES_URL) !!!\n');
  project.provide('postgresUrl', server?.url ?? '');
  return () => server?.stop();
}
