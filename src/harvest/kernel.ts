// Node-only: the kernel a harvest boots (a bzImage and its module tree, by default the cached
// Debian kernel of `npm run kernel:fetch`), its identity for the result cache, and its modules
// decompressed on demand.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseElf64 } from "../elf/elf64.js";
import { HarvestError, requireTool } from "./tools.js";

export interface HarvestKernel {
  readonly image: string;
  /** lib/modules/<release>/kernel (modules possibly .ko.xz / .ko.zst). */
  readonly modulesDir: string;
  /** Where decompressed modules are kept (same relative paths). */
  readonly decompressedDir: string;
  readonly release: string;
  /** The cached kernel's vmlinux (extracted from the image), or null for a given image. */
  readonly vmlinux: string | null;
  /** The cached kernel's real System.map (from its -dbg package), or null. */
  readonly systemMap: string | null;
  /** The vmlinux's GNU build-id when known (the cached kernel's extracted vmlinux), else a hash of the image. */
  readonly id: string;
}

interface Manifest { release: string; vmlinux: string; vmlinuz: string; modulesDir: string; modulesDecompressedDir: string; systemMap: string | null }

function cacheRoot(): string {
  return process.env.VE_MMIO_KERNEL_CACHE ?? path.join(os.homedir(), ".cache/ve-mmio/kernels");
}

/** The newest cached 6.12 kernel with its image (falls back to the newest of any series). */
function cachedKernel(): Manifest | null {
  const root = cacheRoot();
  if (!existsSync(root)) return null;
  const all = readdirSync(root)
    .map((d) => path.join(root, d, "kernel.json"))
    .filter((p) => existsSync(p))
    .map((p) => JSON.parse(readFileSync(p, "utf8")) as Manifest)
    .filter((m) => typeof m.vmlinuz === "string" && existsSync(m.vmlinuz) && existsSync(m.modulesDir))
    .sort((a, b) => Number(b.release.startsWith("6.12")) - Number(a.release.startsWith("6.12")) || b.release.localeCompare(a.release, undefined, { numeric: true }));
  return all[0] ?? null;
}

/** The GNU build-id (hex) from an ELF file's note sections, or null. */
export function gnuBuildId(elf: Uint8Array): string | null {
  for (const section of parseElf64(elf).sections) {
    if (section.type !== SHT_NOTE) continue;
    const notes = section.bytes();
    const view = new DataView(notes.buffer, notes.byteOffset, notes.length);
    for (let at = 0; at + 12 <= notes.length; ) {
      const namesz = view.getUint32(at, true);
      const descsz = view.getUint32(at + 4, true);
      const type = view.getUint32(at + 8, true);
      const desc = at + 12 + align4(namesz);
      if (desc + descsz > notes.length) break;
      const name = new TextDecoder().decode(notes.subarray(at + 12, at + 12 + namesz));
      if (type === NT_GNU_BUILD_ID && name === "GNU\0") return Buffer.from(notes.subarray(desc, desc + descsz)).toString("hex");
      at = desc + align4(descsz);
    }
  }
  return null;
}

const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
const align4 = (n: number) => (n + 3) & ~3;

/** Resolves `--kernel-image` / `--modules`, or the cached kernel. */
export function resolveKernel(image?: string, modulesDir?: string): HarvestKernel {
  const cached = image === undefined ? cachedKernel() : null;
  if (image === undefined && cached === null) {
    throw new HarvestError("bad_input", "no kernel: give --kernel-image and --modules, or run `npm run kernel:fetch -- --version 6.12 --modules` first");
  }
  const img = image ?? cached!.vmlinuz;
  const mods = modulesDir ?? cached?.modulesDir;
  if (!existsSync(img) || !statSync(img).isFile()) throw new HarvestError("bad_input", `kernel image ${img} not found`);
  if (!mods || !existsSync(mods) || !statSync(mods).isDirectory()) throw new HarvestError("bad_input", `module tree ${mods ?? "(none)"} not found: give --modules lib/modules/<release>/kernel`);
  let id: string | null = null;
  if (cached && existsSync(cached.vmlinux)) id = gnuBuildId(new Uint8Array(readFileSync(cached.vmlinux)));
  id ??= "sha256-" + createHash("sha256").update(readFileSync(img)).digest("hex").slice(0, 40);
  const release = cached?.release ?? path.basename(path.dirname(mods));
  const decompressedDir = cached?.modulesDecompressedDir ?? path.join(os.homedir(), ".cache/ve-mmio/harvest/modules", id);
  const systemMap = cached?.systemMap && existsSync(cached.systemMap) && statSync(cached.systemMap).size > 4096 ? cached.systemMap : null;
  const vmlinux = cached && existsSync(cached.vmlinux) ? cached.vmlinux : null;
  return { image: img, modulesDir: mods, decompressedDir, release, id, systemMap, vmlinux };
}

const SUFFIXES = [".ko", ".ko.xz", ".ko.zst"];

/** Module name (with _ for -) -> path relative to the module tree. */
export function indexModules(modulesDir: string): Map<string, string> {
  const index = new Map<string, string>();
  for (const e of readdirSync(modulesDir, { recursive: true, withFileTypes: true })) {
    const suffix = SUFFIXES.find((s) => e.name.endsWith(s));
    if (!e.isFile() || !suffix) continue;
    const name = e.name.slice(0, -suffix.length).replace(/-/g, "_");
    if (!index.has(name)) index.set(name, path.relative(modulesDir, path.join(e.parentPath ?? e.path, e.name)));
  }
  return index;
}

/** A module's plain .ko bytes, decompressing it once into the kernel's decompressed folder. */
export function moduleBytes(kernel: HarvestKernel, rel: string): Uint8Array {
  const src = path.join(kernel.modulesDir, rel);
  if (rel.endsWith(".ko")) return new Uint8Array(readFileSync(src));
  const plain = path.join(kernel.decompressedDir, rel.replace(/\.(xz|zst)$/, ""));
  if (!existsSync(plain)) {
    const tool = requireTool(rel.endsWith(".xz") ? "xz" : "zstd");
    const r = spawnSync(tool, ["-dc", src], { maxBuffer: 1 << 30 });
    if (r.status !== 0 || !r.stdout?.length) throw new HarvestError("bad_input", `cannot decompress ${src}`);
    mkdirSync(path.dirname(plain), { recursive: true });
    const tmp = `${plain}.tmp-${process.pid}`;
    writeFileSync(tmp, r.stdout);
    renameSync(tmp, plain);
  }
  return new Uint8Array(readFileSync(plain));
}
