import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '../../sandbox/index.js';
import { EXIT } from '../exit-codes.js';

/** Runs the sandbox until Ctrl-C, printing the environment that points paying-fetch at it. */
export async function sandboxCommand(flags: { port?: number }): Promise<number> {
  // A state of its own: sandbox spending must not land in the real ~/.paying-fetch.
  const home = join(mkdtempSync(join(tmpdir(), 'paying-fetch-sandbox-')), 'state');
  const sandbox = await createSandbox({ ...(flags.port ? { port: flags.port } : {}), home });
  process.stdout.write('# paying-fetch sandbox is running. In another shell:\n');
  for (const [name, value] of Object.entries(sandbox.env())) process.stdout.write(`export ${name}='${value}'\n`);
  process.stdout.write(`# then: paying-fetch "$PAYING_FETCH_SELLER_URL/weather"\n# Ctrl-C stops it.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  process.stderr.write('paying-fetch: sandbox stopped\n');
  return EXIT.OK;
}
