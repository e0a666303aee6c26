/** Types for kernel-cache.mjs, for TypeScript callers (e.g. `import type { KernelPaths } ...`). */

/** Paths of one cached kernel (also stored as `<cache>/<release>/kernel.json`). */
export interface KernelPaths {
  /** `uname -r` string, e.g. `6.12.117+deb12-amd64`. */
  release: string;
  /** ABI name, e.g. `6.12.117+deb12`. */
  abi: string;
  /** The image package, e.g. `linux-image-6.12.117+deb12-amd64-unsigned`. */
  package: string;
  /** Its Debian version, e.g. `6.12.117-1~deb12u1`. */
  packageVersion: string | null;
  /** The cache folder of this kernel. */
  dir: string;
  /** vmlinux extracted from vmlinuz (stripped: no .symtab). */
  vmlinux: string;
  vmlinuz: string;
  config: string | null;
  /** The real System.map (from the -dbg package), or null. */
  systemMap: string | null;
  /** The unstripped vmlinux (from the -dbg package), or null. */
  vmlinuxDebug: string | null;
  /** `lib/modules/<release>/kernel` (modules as shipped: .ko, .ko.xz or .ko.zst). */
  modulesDir: string;
  /** Where decompressed modules are written (same relative paths, `.ko`). */
  modulesDecompressedDir: string;
}

export type CompressionFormat = "xz" | "zstd" | "gzip";

export class KernelCacheError extends Error {
  readonly code: string;
  constructor(code: string, message: string);
}

export const FLAVOUR: string;
export const DEFAULT_MODULE_GROUPS: readonly string[];

export function cacheRoot(env?: Record<string, string | undefined>): string;
export function releaseOf(abi: string): string;
export function imagePackage(abi: string): string;
export function dbgPackage(abi: string): string;
export function abiOfPackage(name: string): string | null;
export function compareAbi(a: string, b: string): number;
export function seriesOf(abi: string): string;
export function matchesSpec(abi: string, spec: string | undefined | null): boolean;
export function pickDefault(abis: readonly string[]): string | null;

export function findCachedKernel(options?: { version?: string; root?: string }): KernelPaths | null;
export function ensureCommands(commands: Record<string, string>, log?: (message: string) => void): void;
export function availableKernels(options?: { log?: (message: string) => void }): { abi: string; packageVersion: string | null }[];
export function decompressBuffer(format: CompressionFormat, data: Uint8Array): Uint8Array | null;
export function extractVmlinux(
  vmlinuzPath: string,
  outPath: string,
  log?: (message: string) => void,
): Promise<{ format: CompressionFormat; offset: number; size: number }>;
export function decompressModule(kernel: KernelPaths, rel: string): string;
export function decompressModules(
  kernel: KernelPaths,
  groups?: readonly string[] | "all",
  log?: (message: string) => void,
): string[];
export function fetchKernel(options?: {
  version?: string;
  dbg?: boolean;
  keepDebs?: boolean;
  root?: string;
  log?: (message: string) => void;
}): Promise<KernelPaths>;
