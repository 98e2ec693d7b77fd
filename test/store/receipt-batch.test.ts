import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flushAllReceipts, ReceiptBatch, type ReceiptRow } from '../../src/store/receipt-batch.js';

const row = (id: string): ReceiptRow => [id, 1, 'https://a', null, `{"id":"${id}"}`];

describe('receipts committed in groups', () => {
  it('writes what waits in one group, at the latest after the delay', async () => {
    const groups: string[][] = [];
    const batch = new ReceiptBatch((rows) => groups.push(rows.map((r) => r[0])), 5);
    batch.append(row('a'));
    batch.append(row('b'));
    expect(groups).toEqual([]);
    await new Promise((r) => setTimeout(r, 30));
    expect(groups).toEqual([['a', 'b']]);
  });

  it('writes at once when the group is full', () => {
    const groups: string[][] = [];
    const batch = new ReceiptBatch((rows) => groups.push(rows.map((r) => r[0])), 1_000, 3);
    for (const id of ['a', 'b', 'c']) batch.append(row(id));
    expect(groups).toEqual([['a', 'b', 'c']]);
    batch.flush(); // nothing left waiting: no timer keeps the process up
    expect(groups).toHaveLength(1);
  });

  it('a failed write loses nothing: the error reaches the next caller, the rows are written once it works', async () => {
    const written: string[] = [];
    let failing = true;
    const batch = new ReceiptBatch((rows) => {
      if (failing) throw new Error('disk I/O error');
      written.push(...rows.map((r) => r[0]));
    }, 5);
    batch.append(row('a'));
    await new Promise((r) => setTimeout(r, 30)); // the timed write failed quietly
    expect(() => batch.append(row('b'))).toThrow('disk I/O error');
    expect(() => batch.flush()).toThrow('disk I/O error');
    failing = false;
    batch.flush();
    expect(written).toEqual(['a', 'b']);
  });

  it('a group whose timed write failed is written by the next read of receipts once writing works', async () => {
    const written: string[] = [];
    let failing = true;
    const batch = new ReceiptBatch((rows) => {
      if (failing) throw new Error('SQLITE_FULL');
      written.push(...rows.map((r) => r[0]));
    }, 5);
    batch.append(row('a'));
    await new Promise((r) => setTimeout(r, 30)); // the timed write failed quietly
    failing = false;
    flushAllReceipts(); // what every store's receipts() and updateReceipt() do first
    expect(written).toEqual(['a']);
  });

  it('a group whose timed write failed is written at exit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pf-batch-')), 'written.txt');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/batch-exit.ts', file], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').toBe('r1\n');
  });
});
