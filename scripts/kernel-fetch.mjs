#!/usr/bin/env node
/**
 * Fetches a real Debian kernel into the kernel cache (outside the repository)
 * and prints its paths as JSON on stdout; progress goes to stderr.
 *
 *   npm run kernel:fetch [-- --version 6.12|6.1|ABI] [--dbg] [--modules [all|DIR,DIR...]] [--module PATH]...
 *
 * Idempotent: a kernel already in the cache is not fetched again.
 * See scripts/lib/kernel-cache.mjs for the cache layout.
 */

import {
  availableKernels,
  cacheRoot,
  DEFAULT_MODULE_GROUPS,
  decompressModule,
  decompressModules,
  fetchKernel,
  KernelCacheError,
} from "./lib/kernel-cache.mjs";

const USAGE = `usage: kernel-fetch [options]
  --version V      kernel to fetch: a series (6.12, 6.1), an ABI (6.1.0-56, 6.12.95+deb12)
                   or a release (6.12.95+deb12-amd64); default: newest 6.12, else newest
  --dbg            also fetch linux-image-<release>-dbg (~1 GB download) for the unstripped
                   vmlinux and the real System.map
  --modules [SPEC] modules to decompress: "all", or a comma-separated list of folders
                   under kernel/; default (with or without --modules):
                   ${DEFAULT_MODULE_GROUPS.join(",")}
                   (what \`ve-mmio scan\` needs for its default sites)
  --module PATH    decompress one module (e.g. drivers/ata/libahci.ko.xz); repeatable
  --keep-debs      keep the downloaded .deb files
  --list           list the kernels apt can fetch and exit
  -h, --help       this text
cache: ${cacheRoot()} (set VE_MMIO_KERNEL_CACHE to move it)`;

/** Parses argv into options; throws on unknown flags. */
function parseArgs(argv) {
  const opts = { version: undefined, dbg: false, modules: null, module: [], keepDebs: false, list: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new KernelCacheError("usage", `${arg} needs a value`);
      return v;
    };
    if (arg === "--version") opts.version = next();
    else if (arg === "--dbg") opts.dbg = true;
    else if (arg === "--modules") {
      const spec = argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : undefined;
      opts.modules = spec === undefined ? DEFAULT_MODULE_GROUPS : spec === "all" ? "all" : spec.split(",").filter(Boolean);
    } else if (arg === "--module") opts.module.push(next());
    else if (arg === "--keep-debs") opts.keepDebs = true;
    else if (arg === "--list") opts.list = true;
    else if (arg === "-h" || arg === "--help") opts.help = true;
    else throw new KernelCacheError("usage", `unknown argument ${arg}`);
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stderr.write(USAGE + "\n");
    return;
  }
  if (opts.list) {
    const kernels = availableKernels();
    process.stdout.write(JSON.stringify(kernels, null, 2) + "\n");
    return;
  }
  const kernel = await fetchKernel({ version: opts.version, dbg: opts.dbg, keepDebs: opts.keepDebs });
  const result = { ...kernel };
  // Always: `ve-mmio scan` with no arguments searches these for the sites not in the vmlinux.
  result.decompressedModules = decompressModules(kernel, opts.modules ?? DEFAULT_MODULE_GROUPS).length;
  if (opts.module.length > 0) result.modules = opts.module.map((m) => decompressModule(kernel, m));
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

main().catch((e) => {
  process.stderr.write(`kernel-fetch: ${e instanceof KernelCacheError ? `${e.code}: ` : ""}${e.message}\n`);
  if (e instanceof KernelCacheError && e.code === "usage") process.stderr.write(USAGE + "\n");
  process.exitCode = 1;
});
