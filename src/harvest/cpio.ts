// A cpio "newc" archive writer: the format the kernel unpacks as an initramfs. Pure.

export interface CpioEntry {
  readonly path: string; // without leading "/"
  readonly mode: number; // full st_mode, e.g. 0o100755 for an executable file
  readonly data?: Uint8Array; // file contents or symlink target
}

export const DIR = 0o040755;
export const FILE = 0o100644;
export const EXEC = 0o100755;
export const SYMLINK = 0o120777;

const encoder = new TextEncoder();

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The archive of `entries` in order, ended by the TRAILER!!! record. */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  const record = (ino: number, path: string, mode: number, data: Uint8Array) => {
    const name = encoder.encode(path + "\0");
    const header = "070701" + [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0].map(hex8).join("");
    push(encoder.encode(header));
    push(name);
    push(new Uint8Array(pad4(110 + name.length)));
    push(data);
    push(new Uint8Array(pad4(data.length)));
  };
  entries.forEach((e, i) => record(i + 1, e.path.replace(/^\/+/, ""), e.mode, e.data ?? new Uint8Array(0)));
  record(0, "TRAILER!!!", 0, new Uint8Array(0));
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
