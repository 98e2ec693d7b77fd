import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { portableSha256Hex, sha256Hex } from '../../src/util/sha256.js';
import { base64Bytes, bytesToBase64, portableBase64Bytes, portableBytesToBase64 } from '../../src/util/text-bytes.js';

// The portable entry hashes and decodes without node:crypto and Buffer: the portable code must
// give exactly what Node's gave, or fingerprints and replay keys would differ between runtimes.
describe('portable SHA-256 and base64', () => {
  const nodeHex = (...parts: Array<string | Uint8Array>) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');

  it('SHA-256 matches node:crypto on strings and bytes of every length around the block edges', () => {
    for (let n = 0; n <= 130; n += 1) expect(portableSha256Hex(['a'.repeat(n)])).toBe(nodeHex('a'.repeat(n)));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (text, bytes) => {
        expect(portableSha256Hex([text, bytes])).toBe(nodeHex(text, bytes));
        expect(sha256Hex(text, bytes)).toBe(nodeHex(text, bytes));
      }),
    );
  });

  it('base64 and base64url decode as Buffer does, whitespace and missing padding included', () => {
    const portable = { bytesToBase64: portableBytesToBase64, base64Bytes: portableBase64Bytes };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.nat(3), (bytes, url, spaces) => {
        const encoded = bytesToBase64(bytes, url);
        expect(portable.bytesToBase64(bytes, url)).toBe(encoded);
        const sloppy = encoded.replace(/=+$/, '').replace(/(.{4})/g, `$1${' '.repeat(spaces)}`);
        expect([...portable.base64Bytes(sloppy)]).toEqual([...Buffer.from(sloppy, 'base64')]);
        expect([...base64Bytes(encoded)]).toEqual([...bytes]);
      }),
    );
  });
});
