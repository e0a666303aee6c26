// The guest's dump on the second serial port (see init-script.ts): kallsyms text symbols,
// /proc/iomem, and each PCI device's resource file and config bytes.
import { gunzipSync } from "node:zlib";
import { DUMP } from "./init-script.js";

export interface PciDump {
  readonly address: string; // 0000:00:1f.2
  readonly resource: string;
  readonly config: Uint8Array;
}

export interface GuestDump {
  readonly kallsyms: string;
  readonly iomem: string;
  readonly pci: readonly PciDump[];
}

export class DumpError extends Error {
  override readonly name = "DumpError";
}

/** Splits the dump; a dump without its end line (the guest died mid-way) is a DumpError. */
export function parseDump(text: string): GuestDump {
  const lines = text.replace(/\r/g, "").split("\n");
  const at = (header: string) => lines.indexOf(header);
  const k = at(DUMP.kallsyms);
  const io = at(DUMP.iomem);
  const end = at(DUMP.end);
  if (k < 0 || io < k || end < io) throw new DumpError("the guest's dump is incomplete (no kallsyms, iomem or end line): the boot did not finish");
  const pci: PciDump[] = [];
  let i = lines.findIndex((l, n) => n > io && l.startsWith(DUMP.pci));
  const iomemEnd = i < 0 ? end : i;
  while (i >= 0 && i < end) {
    const address = lines[i].slice(DUMP.pci.length).trim();
    const cfg = lines.indexOf(DUMP.config, i);
    let next = lines.findIndex((l, n) => n > i && (l.startsWith(DUMP.pci) || l === DUMP.end));
    if (cfg < 0 || next < 0 || cfg > next) throw new DumpError(`PCI dump of ${address} is malformed`);
    const bytes = lines.slice(cfg + 1, next).join(" ").trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16));
    pci.push({ address, resource: lines.slice(i + 1, cfg).join("\n"), config: Uint8Array.from(bytes) });
    i = next === end ? -1 : next;
  }
  let kallsyms: string;
  try {
    kallsyms = gunzipSync(Buffer.from(lines.slice(k + 1, io).join(""), "base64")).toString("utf8");
  } catch (e) {
    throw new DumpError(`the kallsyms dump does not decompress: ${(e as Error).message}`);
  }
  return { kallsyms, iomem: lines.slice(io + 1, iomemEnd).join("\n"), pci };
}
