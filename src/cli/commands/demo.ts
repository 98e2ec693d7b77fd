import { runDemo } from '../demo.js';
import { EXIT } from '../exit-codes.js';

/** `paying-fetch demo`: a sandbox and a state of its own, so it runs the same in any home. */
export async function demoCommand(): Promise<number> {
  await runDemo();
  return EXIT.OK;
}
