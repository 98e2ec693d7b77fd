import { describe, expect, it } from 'vitest';
import { BodyNotReplayableError } from '../../src/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

const BYTES = Uint8Array.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13, 0, 42]);

function stream(bytes: Uint8Array, chunk = 3): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

describe('request bodies replay byte-for-byte after a 402', () => {
  it('a Request object with a binary body', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const request = new Request(`${sb.sellerUrl}/echo`, { method: 'POST', body: BYTES, headers: { 'content-type': 'application/octet-stream', 'x-trace': 't1' } });
    const res = await pay(request);
    expect(res.status).toBe(200);
    const [unpaid, paid] = sb.sellerRequests;
    expect(unpaid?.body.equals(Buffer.from(BYTES))).toBe(true);
    expect(paid?.body.equals(Buffer.from(BYTES))).toBe(true);
    expect(paid?.method).toBe('POST');
    expect(paid?.headers['x-trace']).toBe('t1');
    expect(paid?.headers['content-type']).toBe('application/octet-stream');
  });

  it.each([
    ['a string', () => 'héllo wörld', Buffer.from('héllo wörld')],
    ['URLSearchParams', () => new URLSearchParams({ q: 'a b', n: '1' }), Buffer.from('q=a+b&n=1')],
    ['an ArrayBuffer', () => BYTES.buffer.slice(0), Buffer.from(BYTES)],
    ['a typed-array view', () => new DataView(BYTES.buffer, 2, 4), Buffer.from(BYTES.subarray(2, 6))],
    ['a one-shot stream', () => stream(BYTES), Buffer.from(BYTES)],
    ['a Blob', () => new Blob(['blob-body'], { type: 'text/x-blob' }), Buffer.from('blob-body')],
  ])('%s', async (_name, makeBody, expected) => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const body = makeBody();
    const res = await pay(`${sb.sellerUrl}/echo`, { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    const [unpaid, paid] = sb.sellerRequests;
    expect(unpaid?.body.equals(expected)).toBe(true);
    expect(paid?.body.equals(unpaid!.body)).toBe(true);
  });

  it('FormData keeps one multipart boundary across the replay', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const form = new FormData();
    form.set('field', 'value');
    form.set('file', new Blob(['file-bytes']), 'a.txt');
    expect((await pay(`${sb.sellerUrl}/echo`, { method: 'POST', body: form })).status).toBe(200);
    const [unpaid, paid] = sb.sellerRequests;
    expect(unpaid?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(paid?.headers['content-type']).toBe(unpaid?.headers['content-type']);
    expect(paid?.body.equals(unpaid!.body)).toBe(true);
    expect(paid?.body.toString()).toContain('file-bytes');
  });

  it('a stream over the replay limit is a typed error before anything is sent or minted', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { maxReplayBodyBytes: 1024 });
    const error = await pay(`${sb.sellerUrl}/echo`, { method: 'POST', body: stream(new Uint8Array(4096), 512), duplex: 'half' } as RequestInit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyNotReplayableError);
    expect(error).toMatchObject({ code: 'BODY_NOT_REPLAYABLE', limitBytes: 1024 });
    expect(sb.stats()).toMatchObject({ sellerRequests: 0, mints: 0 });
  });
});
