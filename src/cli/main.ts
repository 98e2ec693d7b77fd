#!/usr/bin/env node
// Placeholder entry so the package's bin resolves; the full command lands with its own issue.
process.stderr.write('paying-fetch: the command-line interface is not built yet; use the library.\n');
process.exit(2);
