// The demo: an agent pays for API calls through paying-fetch, against the built-in sandbox
// (a local Nevermined backend and a protected seller on 127.0.0.1). No network, no keys.
//   npm run demo            (the same as `paying-fetch demo`)
import { runDemo } from 'paying-fetch/sandbox';

await runDemo();
