// Node-only: one QEMU TCG boot with the mmio-trace plugin, bounded by a timeout.
import { spawn } from "node:child_process";
import { closeSync, openSync, ftruncateSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { DeviceSpec } from "./devices.js";
import { HarvestError } from "./tools.js";

export interface BootInput {
  readonly qemu: string;
  readonly plugin: string;
  readonly kernelImage: string;
  readonly initramfs: string;
  readonly devices: readonly DeviceSpec[];
  /** Folder for the disk images, the plugin log, the console and the dump. */
  readonly workDir: string;
  readonly timeoutMs: number;
}

export interface BootOutput {
  readonly seconds: number;
  readonly pluginLog: string;
  readonly console: string;
  readonly dump: string;
}

/** The QEMU command line: q35, one vCPU under TCG, no default devices, two serial ports to files. */
export function qemuArgs(b: BootInput, files: { log: string; console: string; dump: string }): string[] {
  const disk = (name: string) => path.join(b.workDir, name);
  return [
    "-machine", "q35", "-accel", "tcg", "-smp", "1", "-m", "512M",
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    "-serial", `file:${files.console}`, "-serial", `file:${files.dump}`,
    "-kernel", b.kernelImage, "-initrd", b.initramfs,
    "-append", "console=ttyS0 nokaslr panic=-1 loglevel=4",
    "-plugin", `${b.plugin},out=${files.log}`,
    ...b.devices.flatMap((d) => d.qemu(disk)),
  ];
}

/** Boots; resolves when QEMU exits after the guest powers off. A timeout or a crash is a HarvestError. */
export async function boot(b: BootInput): Promise<BootOutput> {
  for (const d of b.devices) for (const img of d.disks ?? []) {
    const fd = openSync(path.join(b.workDir, img.name), "w");
    ftruncateSync(fd, img.mib << 20);
    closeSync(fd);
  }
  const files = { log: path.join(b.workDir, "mmio.log"), console: path.join(b.workDir, "console.txt"), dump: path.join(b.workDir, "dump.txt") };
  const started = Date.now();
  const child = spawn(b.qemu, qemuArgs(b, files), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill("SIGTERM"); }, b.timeoutMs);
  let spawnError: Error | null = null;
  child.on("error", (e) => { spawnError = e; });
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearTimeout(timer);
  const seconds = (Date.now() - started) / 1000;
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
  const consoleText = read(files.console);
  const tail = consoleText.trim().split("\n").slice(-2).join(" | ");
  if (spawnError) throw new HarvestError("boot_failed", `cannot run ${b.qemu}: ${(spawnError as Error).message}`);
  if (timedOut) throw new HarvestError("boot_failed", `the boot did not power off within ${b.timeoutMs / 1000} s (console: ${tail}); see ${files.console}`);
  if (code !== 0) throw new HarvestError("boot_failed", `QEMU exited with ${code}: ${stderr.trim().split("\n")[0] ?? ""}`);
  return { seconds, pluginLog: read(files.log), console: consoleText, dump: read(files.dump) };
}
