/** What paying-fetch reads from a URL: where it goes (origin) and which route (pathname). */
export interface UrlParts {
  readonly origin: string;
  readonly pathname: string;
}

const MAX_REMEMBERED = 256;
const remembered = new Map<string, UrlParts>();

/**
 * Origin and pathname of an absolute URL, parsed once: agents call the same few URLs over and over,
 * and a paid call needs the origin several times (credential binding, receipts, caps). Throws
 * fetch's TypeError on an invalid URL, like `new URL`.
 */
export function urlParts(url: string): UrlParts {
  let parts = remembered.get(url);
  if (parts === undefined) {
    const { origin, pathname } = new URL(url);
    parts = { origin, pathname };
    // Bounded: an agent crawling many URLs starts over rather than growing without end.
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(url, parts);
  }
  return parts;
}

export const originOf = (url: string): string => urlParts(url).origin;
