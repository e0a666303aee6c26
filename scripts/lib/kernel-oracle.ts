// The kernel's own MMIO decode as a test oracle: fetches Debian's linux-source package for a kernel
// profile, extracts only the instruction-decoder files, generates the inat tables the way the
// kernel's Makefile does (awk over x86-opcode-map.txt), and compiles insn.c, inat.c and insn-eval.c
// unmodified against our shim (test/oracle/include) with our driver (test/oracle/driver.c).
// Everything fetched or built lives under ~/.cache/ve-mmio/oracle/<profile>/, never in the repository.
//
// Node-only test tooling (child processes, files): not part of the library.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Kernel profiles with an oracle: Debian's source package for each. */
export const ORACLE_PACKAGES = { "6.12": "linux-source-6.12", "6.1": "linux-source-6.1" } as const;
export type OracleProfile = keyof typeof ORACLE_PACKAGES;

/** Bytes per input window: 15 instruction bytes + the register-file index. */
export const ORACLE_WINDOW = 16;
/** Bytes per output record (test/oracle/driver.c struct record). */
export const ORACLE_RECORD = 32;
/** u64 words per register file: RAX..R15 (slot order), RIP, FS base, GS base. */
export const REGFILE_WORDS = 19;

/** Offsets in an output record. */
export const OR = {
  DECODED: 0, LENGTH: 1, MMIO: 2, SIZE: 3, SLOT: 4, OUTCOME: 5, OPND_BYTES: 6, WARNINGS: 7,
  VADDR: 8, IMM: 16, ADDR_BYTES: 24, SPLIT: 25,
} as const;

/** handle_mmio()'s result as the driver reports it. */
export const OUTCOME = { emulated: 0, decode_failed: 1, not_mmio: 2, bad_register: 3, page_split: 4, movs: 5 } as const;
/** Slot byte values that are not a register. */
export const SLOT_NONE = 0xff, SLOT_FAILED = 0xfe;

/** Kernel decoder files, relative to the source tree; the asm headers go to the include dir. */
const LIB_FILES = ["arch/x86/lib/insn.c", "arch/x86/lib/inat.c", "arch/x86/lib/insn-eval.c", "arch/x86/lib/x86-opcode-map.txt"];
const ASM_HEADERS = ["insn.h", "inat.h", "inat_types.h", "insn-eval.h", "emulate_prefix.h"];
const AWK_SCRIPT = "arch/x86/tools/gen-insn-attr-x86.awk";
/** Read by people checking a profile (port I/O, gla check), not compiled. */
const TDX_SOURCE = "arch/x86/coco/tdx/tdx.c";

export class OracleUnavailable extends Error {
  override readonly name = "OracleUnavailable";
}

export interface Oracle {
  profile: OracleProfile;
  /** Debian package version the oracle was built from, e.g. 6.12.117-1~deb12u1. */
  version: string;
  binary: string;
  /** The extracted arch/x86/coco/tdx/tdx.c of that kernel. */
  tdxSource: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, from scripts/lib (source) or dist/scripts/lib (compiled). */
function repoRoot(): string {
  for (let d = here; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, "test", "oracle", "driver.c"))) return d;
  throw new OracleUnavailable("test/oracle/driver.c not found above " + here);
}

export function oracleCacheRoot(env = process.env): string {
  return env.VE_MMIO_ORACLE_CACHE ?? join(homedir(), ".cache", "ve-mmio", "oracle");
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer; shell?: boolean } = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30, shell: opts.shell });
  if (r.error) throw new OracleUnavailable(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new OracleUnavailable(`${cmd} ${args.join(" ")} failed: ${r.stderr.toString().trim().split("\n").slice(-3).join(" | ")}`);
  return r.stdout;
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** Hash of our shim and driver: the binary is rebuilt when they change. */
function shimHash(root: string): string {
  const h = createHash("sha256");
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(e.name)) h.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  walk(join(root, "test", "oracle"));
  return h.digest("hex").slice(0, 16);
}

/** Downloads the source package (apt-get download) and extracts the decoder files into `src`. */
function fetchSources(profile: OracleProfile, dir: string, log: (s: string) => void): string {
  const pkg = ORACLE_PACKAGES[profile];
  const dl = join(dir, "dl");
  mkdirSync(dl, { recursive: true });
  let deb = readdirSync(dl).find((f) => f.startsWith(pkg + "_") && f.endsWith(".deb"));
  if (!deb) {
    if (!hasCommand("apt-get")) throw new OracleUnavailable("apt-get not available to download " + pkg);
    log(`oracle: apt-get download ${pkg}`);
    run("apt-get", ["download", "-q", pkg], { cwd: dl });
    deb = readdirSync(dl).find((f) => f.startsWith(pkg + "_") && f.endsWith(".deb"));
    if (!deb) throw new OracleUnavailable(`apt-get download ${pkg} left no .deb`);
  }
  const version = run("dpkg-deb", ["-f", join(dl, deb), "Version"]).toString().trim();
  const src = join(dir, "src");
  const stage = join(dir, "src.tmp");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const top = `linux-source-${profile}`;
  const members = [...LIB_FILES, ...ASM_HEADERS.map((h) => `arch/x86/include/asm/${h}`), AWK_SCRIPT, TDX_SOURCE].map((m) => `${top}/${m}`);
  log(`oracle: extracting ${members.length} decoder files from ${deb}`);
  // The inner tarball must be streamed whole (xz), but only the named members are written.
  run("sh", ["-c", `deb="$0"; dest="$1"; shift; dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/${top}.tar.xz | xz -dc | tar -x -C "$dest" "$@"`,
    join(dl, deb), stage, ...members]);
  rmSync(src, { recursive: true, force: true });
  renameSync(join(stage, top), src);
  rmSync(stage, { recursive: true, force: true });
  return version;
}

/**
 * Builds (or finds in the cache) the oracle for a kernel profile. Throws OracleUnavailable with the
 * reason when it cannot (no gcc, no apt, no network...).
 */
export function buildOracle(profile: OracleProfile, log: (s: string) => void = () => {}): Oracle {
  const root = repoRoot();
  const dir = join(oracleCacheRoot(), profile);
  const manifestPath = join(dir, "oracle.json");
  const hash = shimHash(root);
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, "utf8")) as Oracle & { shim: string };
    if (m.shim === hash && existsSync(m.binary)) return { profile, version: m.version, binary: m.binary, tdxSource: m.tdxSource };
  }
  for (const c of ["gcc", "awk", "xz", "tar", "dpkg-deb"]) if (!hasCommand(c)) throw new OracleUnavailable(`${c} not installed`);
  mkdirSync(dir, { recursive: true });
  const src = join(dir, "src");
  let version = existsSync(join(dir, "version")) && existsSync(join(src, LIB_FILES[0])) ? readFileSync(join(dir, "version"), "utf8").trim() : "";
  if (!version) {
    version = fetchSources(profile, dir, log);
    writeFileSync(join(dir, "version"), version + "\n");
  }
  const build = join(dir, "build");
  rmSync(build, { recursive: true, force: true });
  mkdirSync(join(build, "include", "asm"), { recursive: true });
  for (const h of ASM_HEADERS) copyFileSync(join(src, "arch/x86/include/asm", h), join(build, "include", "asm", h));
  // As arch/x86/lib/Makefile does: inat-tables.c = awk -f gen-insn-attr-x86.awk x86-opcode-map.txt
  writeFileSync(join(build, "inat-tables.c"), run("awk", ["-f", join(src, AWK_SCRIPT), join(src, "arch/x86/lib/x86-opcode-map.txt")]));
  log(`oracle: compiling the ${profile} decoder (${version})`);
  const objects: string[] = [];
  const units = [...LIB_FILES.filter((f) => f.endsWith(".c")).map((f) => join(src, f)), join(root, "test", "oracle", "driver.c")];
  for (const unit of units) {
    const obj = join(build, unit.split("/").pop()!.replace(/\.c$/, ".o"));
    run("gcc", ["-O2", "-std=gnu11", "-w", "-c", "-I", join(root, "test", "oracle", "include"), "-I", join(build, "include"),
      "-I", build, unit, "-o", obj]);
    objects.push(obj);
  }
  const binary = join(dir, "oracle");
  run("gcc", ["-o", binary, ...objects]);
  const oracle: Oracle = { profile, version, binary, tdxSource: join(src, TDX_SOURCE) };
  writeFileSync(manifestPath, JSON.stringify({ ...oracle, shim: hash }, null, 2) + "\n");
  return oracle;
}

/** Builds the oracle, or returns why it cannot be built. */
export function tryOracle(profile: OracleProfile, log?: (s: string) => void): Oracle | string {
  try {
    return buildOracle(profile, log);
  } catch (e) {
    if (e instanceof OracleUnavailable) return e.message;
    throw e;
  }
}

/**
 * Runs the oracle over `windows` (ORACLE_WINDOW bytes each) with the given register files (each
 * REGFILE_WORDS u64s); returns ORACLE_RECORD bytes per window.
 */
export function runOracle(oracle: Oracle, files: BigUint64Array, windows: Uint8Array): Uint8Array {
  const nFiles = files.length / REGFILE_WORDS;
  if (!Number.isInteger(nFiles) || nFiles < 1 || nFiles > 256) throw new RangeError("1-256 register files expected");
  if (windows.length % ORACLE_WINDOW !== 0) throw new RangeError("input is not whole windows");
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x524f4556, 0);
  head.writeUInt32LE(nFiles, 4);
  const input = Buffer.concat([head, Buffer.from(files.buffer, files.byteOffset, files.byteLength), Buffer.from(windows.buffer, windows.byteOffset, windows.byteLength)]);
  const out = run(oracle.binary, [], { input });
  if (out.length !== (windows.length / ORACLE_WINDOW) * ORACLE_RECORD) throw new Error(`oracle wrote ${out.length} bytes for ${windows.length / ORACLE_WINDOW} windows`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

