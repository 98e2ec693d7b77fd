import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// A real `Payments` must be accepted where paying-fetch takes one, under `tsc --strict`, with no
// cast (issue 16 item 3). The SDK cannot be installed here, so its public type shapes are
// replicated in sdk-types/payments-sdk-1.11.d.ts and compiled against PaymentsLike.
describe('PaymentsLike and the real SDK types', () => {
  it('a 1.7-1.11 Payments type-checks as PaymentsLike and in PayingFetchOptions under --strict', () => {
    const file = fileURLToPath(new URL('./sdk-types/assign-real-payments.ts', import.meta.url));
    // The project's own compiler options (strict, NodeNext), on this one file.
    const configPath = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
    const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, fileURLToPath(new URL('../..', import.meta.url)));
    expect(config.options.strict).toBe(true);
    const program = ts.createProgram([file], config.options);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  }, 60_000);
});
