// Node-only: the host tools a harvest needs, each with the Debian package that provides it.
import { spawnSync } from "node:child_process";

export type HarvestErrorCode = "missing_tool" | "bad_input" | "boot_failed" | "bad_output";

/** Any harvest failure; the CLI prints the message as one line and exits 2. */
export class HarvestError extends Error {
  override readonly name = "HarvestError";
  constructor(readonly code: HarvestErrorCode, message: string) {
    super(message);
  }
}

export const TOOLS = {
  qemu: { command: "qemu-system-x86_64", package: "qemu-system-x86" },
  gcc: { command: "gcc", package: "gcc" },
  busybox: { command: "busybox", package: "busybox-static" },
  xz: { command: "xz", package: "xz-utils" },
  zstd: { command: "zstd", package: "zstd" },
} as const;

export type ToolName = keyof typeof TOOLS;

/** The absolute path of a tool, or a HarvestError naming the Debian package to install. */
export function requireTool(name: ToolName): string {
  const t = TOOLS[name];
  const r = spawnSync("sh", ["-c", `command -v ${t.command}`], { encoding: "utf8" });
  const path = r.status === 0 ? r.stdout.trim() : "";
  if (!path) throw new HarvestError("missing_tool", `${t.command} not found: install the Debian package ${t.package} (apt-get install -y ${t.package})`);
  return path;
}

/** The busybox to put in the initramfs: it must be static (the initramfs has no libc). */
export function staticBusybox(): string {
  const path = requireTool("busybox");
  const r = spawnSync("busybox", ["--help"], { encoding: "utf8" });
  const file = spawnSync("sh", ["-c", `ldd ${path} 2>&1`], { encoding: "utf8" }).stdout;
  if (r.status !== 0 || !/not a dynamic executable|statically linked/.test(file)) {
    throw new HarvestError("missing_tool", `${path} is not statically linked: install the Debian package busybox-static`);
  }
  return path;
}

/** "7.2.22" from `qemu-system-x86_64 --version`. */
export function qemuVersion(qemu: string): string {
  const r = spawnSync(qemu, ["--version"], { encoding: "utf8" });
  const v = /version (\S+)/.exec(r.stdout ?? "")?.[1];
  if (r.status !== 0 || !v) throw new HarvestError("missing_tool", `${qemu} --version failed: install the Debian package qemu-system-x86`);
  return v;
}
