// Code pieces laid end to end in one buffer, one [start, end) range each: the shape batch() takes.

export interface Concatenated {
  bytes: Uint8Array;
  ranges: [number, number][];
}

export function concatenate(parts: readonly Uint8Array[]): Concatenated {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const ranges: [number, number][] = [];
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    ranges.push([at, at + p.length]);
    at += p.length;
  }
  return { bytes, ranges };
}
