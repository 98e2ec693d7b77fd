import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

const MAX_DATA_FILE = 64 * 1024 * 1024;

/** `-d` / `--data-binary`: the text itself, or @file (@- is stdin), bounded. */
export function readData(value: string, binary: boolean): Uint8Array<ArrayBuffer> | string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.byteLength > MAX_DATA_FILE) throw new UsageError(`${file} is larger than ${MAX_DATA_FILE} bytes`);
  // Like curl: -d strips newlines from a file, --data-binary sends it byte for byte.
  return binary ? (new Uint8Array(bytes) as Uint8Array<ArrayBuffer>) : bytes.toString('utf8').replace(/[\r\n]/g, '');
}

/** `-H 'Name: value'` lines (their shape was checked when parsed) as Headers. */
export function parseHeaders(lines: string[]): Headers {
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new UsageError(`-H "${line.slice(0, colon).trim()}: …" is not a valid header`);
    }
  }
  return headers;
}
