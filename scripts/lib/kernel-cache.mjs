/**
 * A cache of real Debian kernels for scanning: download with apt, unpack,
 * extract `vmlinux` from the bzImage, decompress modules on demand.
 *
 * Layout (outside the repository):
 *
 *   $VE_MMIO_KERNEL_CACHE (default ~/.cache/ve-mmio/kernels)/
 *     <release>/                 e.g. 6.12.95+deb12-amd64 (what `uname -r` says)
 *       kernel.json              manifest, written last: the cache entry is complete
 *       vmlinux                  extracted from boot/vmlinuz-<release> (stripped)
 *       root/boot/...            the unpacked linux-image-<release>-unsigned package
 *       root/lib/modules/<release>/kernel/...   modules (.ko, .ko.xz or .ko.zst)
 *       modules/...              decompressed modules, same relative paths, `.ko`
 *       dbg/usr/lib/debug/boot/  vmlinux-<release> (unstripped) and System.map-<release>
 *
 * `findCachedKernel()` only reads the filesystem, so other scripts can find a
 * kernel without downloading anything. Everything that touches apt or
 * decompresses is in `fetchKernel()` and the module helpers.
 *
 * The bzImage payload search and the ELF check use the compiled TypeScript
 * modules in dist/src/elf/ (run `npm run build:ts` first).
 */

import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";

/** The kernel flavour fetched: Debian's generic 64-bit PC kernel. */
export const FLAVOUR = "amd64";

/**
 * Module folders (relative to lib/modules/<release>/kernel) decompressed by every fetch unless
 * `--modules` names others: they hold the modules of `ve-mmio scan`'s default sites (libahci in
 * drivers/ata, iTCO_wdt's update_no_reboot_bit_mem in drivers/watchdog) and the TDX guest's drivers.
 */
export const DEFAULT_MODULE_GROUPS = Object.freeze([
  "arch/x86",
  "drivers/ata",
  "drivers/pci",
  "drivers/virt",
  "drivers/virtio",
  "drivers/block",
  "drivers/nvme",
  "drivers/watchdog",
]);

const MANIFEST = "kernel.json";
const MODULE_SUFFIXES = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"];
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST_ELF = join(REPO_ROOT, "dist", "src", "elf");

/** A failure of the kernel cache, with a short machine-readable code. */
export class KernelCacheError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = "KernelCacheError";
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Paths and versions (pure)
// ---------------------------------------------------------------------------

/** The cache root: $VE_MMIO_KERNEL_CACHE, else ~/.cache/ve-mmio/kernels. */
export function cacheRoot(env = process.env) {
  return env.VE_MMIO_KERNEL_CACHE || join(homedir(), ".cache", "ve-mmio", "kernels");
}

/** `6.12.95+deb12` → `6.12.95+deb12-amd64` (the `uname -r` string and cache folder name). */
export function releaseOf(abi) {
  return `${abi}-${FLAVOUR}`;
}

/** The package holding the kernel image and modules for an ABI name. */
export function imagePackage(abi) {
  return `linux-image-${releaseOf(abi)}-unsigned`;
}

/** The package holding the unstripped vmlinux and the real System.map. */
export function dbgPackage(abi) {
  return `linux-image-${releaseOf(abi)}-dbg`;
}

/** The ABI name in a `linux-image-<abi>-amd64-unsigned` package name, or null (other flavours too). */
export function abiOfPackage(name) {
  const m = /^linux-image-(\d+\.\d+[^\s]*?)-amd64-unsigned$/.exec(name);
  if (m === null || /-(cloud|rt)$/.test(m[1])) return null;
  return m[1];
}

/** Compares ABI names by their numbers: 6.1.0-56 < 6.12.9+deb12 < 6.12.95+deb12. */
export function compareAbi(a, b) {
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `major.minor` series of an ABI name: `6.12.95+deb12` → `6.12`. */
export function seriesOf(abi) {
  return /^(\d+\.\d+)/.exec(abi)?.[1] ?? abi;
}

/**
 * True when an ABI name matches a user's version spec: a series (`6.12`, `6.1`),
 * an exact ABI (`6.1.0-56`, `6.12.95+deb12`) or a release (`6.12.95+deb12-amd64`).
 */
export function matchesSpec(abi, spec) {
  if (spec === undefined || spec === null || spec === "") return true;
  if (/^\d+\.\d+$/.test(spec)) return seriesOf(abi) === spec;
  return spec === abi || spec === releaseOf(abi);
}

/**
 * Picks the default among ABI names: the newest 6.12 (Debian's 6.12 kernels
 * enable the TDX guest), else the newest of all. Returns null for none.
 */
export function pickDefault(abis) {
  const sorted = [...abis].sort(compareAbi);
  const preferred = sorted.filter((a) => seriesOf(a) === "6.12");
  return (preferred.length > 0 ? preferred : sorted).at(-1) ?? null;
}

// ---------------------------------------------------------------------------
// Finding a cached kernel (filesystem only)
// ---------------------------------------------------------------------------

/**
 * @typedef {object} KernelPaths
 * @property {string} release     `uname -r` string, e.g. 6.12.95+deb12-amd64
 * @property {string} abi         e.g. 6.12.95+deb12
 * @property {string} package     the image package name
 * @property {string} packageVersion  its Debian version
 * @property {string} dir         the cache folder of this kernel
 * @property {string} vmlinux     the vmlinux extracted from vmlinuz (normally stripped)
 * @property {string} vmlinuz     the bzImage
 * @property {string|null} config the kernel .config
 * @property {string|null} systemMap     the real System.map (from the -dbg package), or null
 * @property {string|null} vmlinuxDebug  the unstripped vmlinux (from the -dbg package), or null
 * @property {string} modulesDir  lib/modules/<release>/kernel (modules possibly compressed)
 * @property {string} modulesDecompressedDir  where decompressed modules go
 */

/** Reads and checks one cache entry's manifest; null if absent, incomplete or stale. */
function readManifest(dir) {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  let paths;
  try {
    paths = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  if (typeof paths?.vmlinux !== "string" || !existsSync(paths.vmlinux) || !existsSync(paths.modulesDir)) return null;
  for (const key of ["systemMap", "vmlinuxDebug", "config"]) {
    if (paths[key] !== null && !existsSync(paths[key])) paths[key] = null;
  }
  return paths;
}

/**
 * The paths of a kernel already in the cache, without downloading anything:
 * the one matching `version` (a series like `6.12`, an ABI like `6.1.0-56`,
 * or a release like `6.12.95+deb12-amd64`), else the default choice among
 * cached kernels (newest 6.12, else newest). Returns null if none is cached.
 *
 * @param {{ version?: string, root?: string }} [options]
 * @returns {KernelPaths | null}
 */
export function findCachedKernel(options = {}) {
  const root = options.root ?? cacheRoot();
  if (!existsSync(root)) return null;
  const entries = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => readManifest(join(root, e.name)))
    .filter((p) => p !== null && matchesSpec(p.abi, options.version));
  const abi = pickDefault(entries.map((p) => p.abi));
  return entries.find((p) => p.abi === abi) ?? null;
}

// ---------------------------------------------------------------------------
// Running tools
// ---------------------------------------------------------------------------

/** Runs a command; returns its stdout (as a string unless `binary`). Throws on failure. */
function run(cmd, args, { cwd, input, binary = false, allowFail = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    input,
    encoding: binary ? undefined : "utf8",
    maxBuffer: 2 * 1024 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (r.error) throw new KernelCacheError("tool_failed", `${cmd}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) {
    const err = String(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
    throw new KernelCacheError("tool_failed", `${cmd} ${args.join(" ")} exited with ${r.status}: ${err}`);
  }
  return r;
}

function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * Installs the Debian packages providing missing commands (xz, zstd).
 * @param {Record<string,string>} commands command → package, e.g. { xz: "xz-utils" }
 */
export function ensureCommands(commands, log = defaultLog) {
  const missing = Object.entries(commands).filter(([cmd]) => !hasCommand(cmd));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  log(`installing ${pkgs.join(" ")} (missing: ${missing.map(([c]) => c).join(", ")})`);
  const install = () => run("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], { allowFail: true });
  if (install().status !== 0) {
    run("apt-get", ["update"]);
    run("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs]);
  }
}

function defaultLog(message) {
  process.stderr.write(`[kernel-cache] ${message}\n`);
}

// ---------------------------------------------------------------------------
// apt
// ---------------------------------------------------------------------------

/** ABI names of the amd64 kernel images that `apt-cache` knows. */
function searchImages() {
  const r = run("apt-cache", ["search", "--names-only", "^linux-image-.*-amd64-unsigned$"], { allowFail: true });
  if (r.status !== 0) return [];
  return r.stdout
    .split("\n")
    .map((line) => abiOfPackage(line.split(" - ")[0].trim()))
    .filter((abi) => abi !== null);
}

/** The candidate Debian version of a package, or null. */
function candidateVersion(pkg) {
  const r = run("apt-cache", ["policy", pkg], { allowFail: true });
  const v = /Candidate:\s*(\S+)/.exec(r.stdout ?? "")?.[1];
  return v && v !== "(none)" ? v : null;
}

/**
 * Every amd64 kernel apt can fetch (running `apt-get update` once if apt
 * lists none), oldest first.
 *
 * @returns {{ abi: string, packageVersion: string | null }[]}
 */
export function availableKernels({ log = defaultLog } = {}) {
  let abis = searchImages();
  if (abis.length === 0) {
    log("apt-get update");
    run("apt-get", ["update"], { allowFail: true });
    abis = searchImages();
  }
  return [...new Set(abis)]
    .sort(compareAbi)
    .map((abi) => ({ abi, packageVersion: candidateVersion(imagePackage(abi)) }));
}

/** Downloads a package's .deb into `dir` with `apt-get download`; returns its path. */
function aptDownload(pkg, dir, log) {
  mkdirSync(dir, { recursive: true });
  const existing = findDeb(dir, pkg);
  if (existing !== null) return existing;
  log(`apt-get download ${pkg}`);
  const started = Date.now();
  // Download into a scratch folder so that an interrupted download never looks complete.
  const partial = join(dir, `.partial-${process.pid}`);
  mkdirSync(partial, { recursive: true });
  const args = ["-o", "APT::Sandbox::User=root", "download", pkg];
  if (run("apt-get", args, { cwd: partial, allowFail: true }).status !== 0) {
    log("apt-get update");
    run("apt-get", ["update"], { allowFail: true });
    run("apt-get", args, { cwd: partial });
  }
  const downloaded = findDeb(partial, pkg);
  if (downloaded === null) throw new KernelCacheError("download_failed", `apt-get download ${pkg} left no .deb`);
  const deb = join(dir, downloaded.split("/").at(-1));
  renameSync(downloaded, deb);
  rmSync(partial, { recursive: true, force: true });
  log(`downloaded ${relative(dir, deb)}: ${mib(statSync(deb).size)} in ${seconds(started)}`);
  return deb;
}

function findDeb(dir, pkg) {
  if (!existsSync(dir)) return null;
  const name = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  return name === undefined ? null : join(dir, name);
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------
// Decompression
// ---------------------------------------------------------------------------

/** Loads a compiled module from dist/src/elf/, with a clear error if it is not built. */
async function loadDistElf(name) {
  const file = join(DIST_ELF, `${name}.js`);
  if (!existsSync(file)) {
    throw new KernelCacheError("not_built", `${relative(REPO_ROOT, file)} is missing: run \`npm run build:ts\` first`);
  }
  return import(pathToFileURL(file).href);
}

/**
 * Decompresses a buffer with the format's tool: zlib for gzip, `xz -dc`
 * (first stream only, trailing data ignored) or `zstd -dc`. Returns null if
 * the tool fails and produced nothing.
 */
export function decompressBuffer(format, data) {
  if (format === "gzip") {
    try {
      return gunzipSync(data);
    } catch {
      return null;
    }
  }
  const [cmd, args] = format === "xz" ? ["xz", ["-dc", "--single-stream"]] : ["zstd", ["-dc"]];
  const r = run(cmd, args, { input: data, binary: true, allowFail: true });
  return r.stdout && r.stdout.length > 0 ? r.stdout : null;
}

/**
 * Extracts vmlinux from a bzImage: tries each payload candidate of
 * `findCompressedPayloads` (best first) until one decompresses to an ELF
 * file that the ELF reader accepts. Writes it to `outPath` atomically.
 *
 * @returns {Promise<{ format: string, offset: number, size: number }>}
 */
export async function extractVmlinux(vmlinuzPath, outPath, log = defaultLog) {
  const { findCompressedPayloads } = await loadDistElf("vmlinuz");
  const { parseElf64 } = await loadDistElf("elf64");
  const image = new Uint8Array(readFileSync(vmlinuzPath));
  const candidates = findCompressedPayloads(image);
  for (const c of candidates) {
    const end = c.length === undefined ? image.length : c.offset + c.length;
    const out = decompressBuffer(c.format, image.subarray(c.offset, end));
    if (out === null || out.length < 64 || out.readUInt32BE(0) !== 0x7f454c46) continue;
    try {
      parseElf64(new Uint8Array(out.buffer, out.byteOffset, out.length));
    } catch (e) {
      log(`payload at ${c.offset} (${c.format}) decompressed but is not a valid x86-64 ELF: ${e.message}`);
      continue;
    }
    writeAtomic(outPath, out);
    log(`vmlinux: ${c.format} payload at offset ${c.offset} (${c.source}) → ${mib(out.length)}`);
    return { format: c.format, offset: c.offset, size: out.length };
  }
  throw new KernelCacheError("no_payload", `no compressed vmlinux found in ${vmlinuzPath} (${candidates.length} candidates tried)`);
}

function writeAtomic(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** The module path without its compression suffix: `a/b.ko.xz` → `a/b.ko`. */
function plainModulePath(rel) {
  return rel.replace(/\.ko\.(xz|zst|gz)$/, ".ko");
}

/** Finds a module file under `modulesDir` from a path given with or without `kernel/` and compression suffix. */
function resolveModule(modulesDir, rel) {
  const base = plainModulePath(rel.replace(/^\/+/, "").replace(/^kernel\//, "")).replace(/\.ko$/, "");
  for (const suffix of MODULE_SUFFIXES) {
    const path = join(modulesDir, base + suffix);
    if (existsSync(path)) return { path, rel: base + suffix };
  }
  throw new KernelCacheError("no_module", `module ${rel} not found under ${modulesDir}`);
}

/**
 * Returns the path of a decompressed module, decompressing it (once) into
 * `modulesDecompressedDir` if it is `.ko.xz`, `.ko.zst` or `.ko.gz`. `rel`
 * is relative to the modules dir, e.g. `drivers/ata/libahci.ko.xz` (the
 * `kernel/` prefix and the compression suffix are optional).
 *
 * @param {KernelPaths} kernel
 * @param {string} rel
 * @returns {string}
 */
export function decompressModule(kernel, rel) {
  const found = resolveModule(kernel.modulesDir, rel);
  if (found.rel.endsWith(".ko")) return found.path;
  const out = join(kernel.modulesDecompressedDir, plainModulePath(found.rel));
  if (existsSync(out)) return out;
  const format = found.rel.endsWith(".xz") ? "xz" : found.rel.endsWith(".zst") ? "zstd" : "gzip";
  const data = decompressBuffer(format, readFileSync(found.path));
  if (data === null) throw new KernelCacheError("decompress_failed", `could not decompress ${found.path}`);
  writeAtomic(out, data);
  return out;
}

/** Every module file under `dir`, as paths relative to it. */
function listModules(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && MODULE_SUFFIXES.some((s) => e.name.endsWith(s)))
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

/**
 * Decompresses the modules under the given folders (relative to the modules
 * dir, e.g. `drivers/ata`), or all modules when `groups` is `"all"`.
 *
 * @param {KernelPaths} kernel
 * @param {readonly string[] | "all"} groups
 * @returns {string[]} paths of the decompressed modules
 */
export function decompressModules(kernel, groups = DEFAULT_MODULE_GROUPS, log = defaultLog) {
  const all = listModules(kernel.modulesDir);
  const wanted =
    groups === "all" ? all : all.filter((rel) => groups.some((g) => rel === g || rel.startsWith(g.replace(/\/?$/, "/"))));
  const started = Date.now();
  const paths = wanted.map((rel) => decompressModule(kernel, rel));
  log(`modules: ${paths.length} of ${all.length} ready in ${relative(kernel.dir, kernel.modulesDecompressedDir)}/ (${seconds(started)})`);
  return paths;
}

// ---------------------------------------------------------------------------
// Fetching
// ---------------------------------------------------------------------------

/** The first file in `dir` whose name starts with `prefix`, or null. */
function fileStartingWith(dir, prefix) {
  if (!existsSync(dir)) return null;
  const name = readdirSync(dir).find((f) => f.startsWith(prefix));
  return name === undefined ? null : join(dir, name);
}

/** Unpacks a .deb into `target` (atomically: via a temporary folder). */
function unpackDeb(deb, target, log) {
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const started = Date.now();
  run("dpkg-deb", ["-x", deb, tmp]);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
  log(`unpacked ${deb.split("/").at(-1)} (${seconds(started)})`);
}

/** True when a System.map file lists real symbols (Debian's image package ships a 1-line stub). */
function isRealSystemMap(path) {
  return path !== null && existsSync(path) && statSync(path).size > 4096;
}

/**
 * Extracts the unstripped vmlinux and System.map from the -dbg package into
 * `<dir>/dbg`. Asks tar for just those two members (stopping once both are
 * out); falls back to extracting usr/lib/debug/boot/ whole.
 */
function extractDbgFiles(deb, dbgDir, release, log) {
  const members = [`./usr/lib/debug/boot/vmlinux-${release}`, `./usr/lib/debug/boot/System.map-${release}`];
  mkdirSync(dbgDir, { recursive: true });
  const started = Date.now();
  const script = 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --occurrence=1 "$3" "$4"';
  run("bash", ["-c", script, "extract", deb, dbgDir, ...members], { allowFail: true });
  const outs = members.map((m) => join(dbgDir, m));
  if (!outs.every((p) => existsSync(p))) {
    log("dbg: named members not found, extracting usr/lib/debug/boot/ whole");
    const all = 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./usr/lib/debug/boot/*"';
    run("bash", ["-c", all, "extract", deb, dbgDir]);
  }
  log(`dbg: extracted vmlinux and System.map (${seconds(started)})`);
  const boot = join(dbgDir, "usr", "lib", "debug", "boot");
  return {
    vmlinuxDebug: fileStartingWith(boot, "vmlinux-"),
    systemMap: fileStartingWith(boot, "System.map-"),
  };
}

/** Chooses the kernel to fetch: the cached match, else the best apt candidate for `version`. */
function chooseKernel(version, log) {
  const available = availableKernels({ log });
  const matching = available.filter((k) => matchesSpec(k.abi, version));
  const abi = pickDefault(matching.map((k) => k.abi));
  if (abi === null) {
    const known = available.map((k) => k.abi).join(", ") || "none";
    throw new KernelCacheError("no_version", `no amd64 kernel matches "${version ?? "default"}" (available: ${known})`);
  }
  return matching.find((k) => k.abi === abi);
}

/** Downloads and unpacks the image package and extracts vmlinux; returns the new cache entry's paths. */
async function fetchImage(choice, root, keepDebs, log) {
  const release = releaseOf(choice.abi);
  const dir = join(root, release);
  const pkg = imagePackage(choice.abi);
  const deb = aptDownload(pkg, join(dir, "debs"), log);
  unpackDeb(deb, join(dir, "root"), log);
  const boot = join(dir, "root", "boot");
  const vmlinuz = fileStartingWith(boot, "vmlinuz-");
  if (vmlinuz === null) throw new KernelCacheError("no_vmlinuz", `${pkg} has no boot/vmlinuz-*`);
  const vmlinux = join(dir, "vmlinux");
  await extractVmlinux(vmlinuz, vmlinux, log);
  if (!keepDebs) rmSync(deb, { force: true });
  const map = fileStartingWith(boot, "System.map-");
  return {
    release,
    abi: choice.abi,
    package: pkg,
    packageVersion: choice.packageVersion,
    dir,
    vmlinux,
    vmlinuz,
    config: fileStartingWith(boot, "config-"),
    systemMap: isRealSystemMap(map) ? map : null,
    vmlinuxDebug: null,
    modulesDir: join(dir, "root", "lib", "modules", release, "kernel"),
    modulesDecompressedDir: join(dir, "modules"),
  };
}

/** Adds the -dbg package's vmlinux and System.map to a cache entry. */
function fetchDbg(paths, keepDebs, log) {
  const pkg = dbgPackage(paths.abi);
  const deb = aptDownload(pkg, join(paths.dir, "debs"), log);
  const dbg = extractDbgFiles(deb, join(paths.dir, "dbg"), paths.release, log);
  if (!keepDebs) rmSync(deb, { force: true });
  return { ...paths, vmlinuxDebug: dbg.vmlinuxDebug, systemMap: dbg.systemMap ?? paths.systemMap };
}

function writeManifest(paths) {
  writeAtomic(join(paths.dir, MANIFEST), JSON.stringify(paths, null, 2) + "\n");
  return paths;
}

/**
 * Makes sure a kernel is in the cache and returns its paths. Idempotent: a
 * cached kernel matching `version` is returned without any download.
 *
 * @param {{ version?: string, dbg?: boolean, keepDebs?: boolean, root?: string, log?: (m: string) => void }} [options]
 *   `version`: series (`6.12`, `6.1`), ABI (`6.1.0-56`) or release; default: newest 6.12, else newest.
 *   `dbg`: also fetch the -dbg package (about 1 GB) for the unstripped vmlinux and the real System.map.
 * @returns {Promise<KernelPaths>}
 */
export async function fetchKernel(options = {}) {
  const { version, dbg = false, keepDebs = false, root = cacheRoot(), log = defaultLog } = options;
  ensureCommands({ xz: "xz-utils", zstd: "zstd", "dpkg-deb": "dpkg", "apt-get": "apt" }, log);
  mkdirSync(root, { recursive: true });
  let paths = findCachedKernel({ version, root });
  if (paths === null) {
    const choice = chooseKernel(version, log);
    log(`fetching ${imagePackage(choice.abi)} ${choice.packageVersion ?? ""} into ${join(root, releaseOf(choice.abi))}`);
    paths = writeManifest(await fetchImage(choice, root, keepDebs, log));
  } else {
    log(`cached: ${paths.release} in ${paths.dir}`);
  }
  if (dbg && paths.vmlinuxDebug === null) {
    paths = writeManifest(fetchDbg(paths, keepDebs, log));
  }
  return paths;
}
