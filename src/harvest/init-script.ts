// The initramfs's /init: load the modules, touch each device, dump what the host needs to read
// the trace (kallsyms text symbols, /proc/iomem, each PCI device's BARs and config space) to the
// second serial port, power off. Pure: returns the script text.
import type { DeviceSpec } from "./devices.js";

/**
 * A user-space read of this GPA (busybox devmem) marks a phase boundary in the trace: the plugin
 * sees a user-mode instruction access MMIO, which nothing else in the boot does. The HPET's
 * capability register: present on q35, read-only, readable through /dev/mem.
 */
export const MARKER_GPA = 0xfed00000n;

/** Phases of the boot, in order; a marker starts each one after the first. */
export const PHASES = ["boot", "modules", "touch", "dump"] as const;
export type Phase = (typeof PHASES)[number];

/** Section headers of the dump. */
export const DUMP = { kallsyms: "==== kallsyms", iomem: "==== iomem", pci: "==== pci ", config: "---- config", end: "==== end" } as const;

/**
 * `vmlinuxSymbols`: dump the vmlinux's text symbols too (2 MB: minutes over an emulated UART on a
 * busy machine); without them only the modules' symbols are dumped and the host symbolises the
 * vmlinux from a System.map (valid because the boot uses nokaslr).
 */
export function initScript(modules: readonly string[], devices: readonly DeviceSpec[], vmlinuxSymbols = true): string {
  const waits = devices.flatMap((d) => d.ready ?? []);
  return [
    "#!/bin/busybox sh",
    "/bin/busybox --install -s /bin",
    "mount -t proc proc /proc",
    "mount -t sysfs sys /sys",
    "mount -t devtmpfs dev /dev",
    "echo 0 > /proc/sys/kernel/kptr_restrict",
    `mark() { devmem 0x${MARKER_GPA.toString(16)} 32 >/dev/null || echo "harvest: marker read failed"; }`,
    "mark",
    ...modules.map((m) => `insmod /lib/modules/${m}.ko || echo "harvest: insmod ${m} failed"`),
    // Probing is asynchronous (SCSI scan, PCI driver probe): wait for each device node, 20 s at most.
    ...waits.map((p) => `i=0; while [ ! -e ${p} ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; [ -e ${p} ] || echo "harvest: ${p} did not appear"`),
    "mark",
    ...devices.flatMap((d) => [`echo "harvest: touching ${d.name}"`, ...d.touch.map((t) => `${t} || echo "harvest: ${d.name}: failed: ${t.replace(/"/g, "'")}"`)]),
    "mark",
    // The dump goes to the second serial port. Its interrupts cost LAPIC EOIs (MMIO) and time
    // under TCG, so the kallsyms text symbols (2 MB; __pfx_ padding symbols dropped: never code
    // that runs) travel gzip'ed and base64'ed. The dump phase is excluded from sites and trace.
    "{",
    `  echo "${DUMP.kallsyms}"`,
    `  grep -i ' t ${vmlinuxSymbols ? "" : ".*\\["}' /proc/kallsyms | grep -v ' __pfx_' | gzip -1 | base64`,
    `  echo "${DUMP.iomem}"`,
    "  cat /proc/iomem",
    "  for d in /sys/bus/pci/devices/*; do",
    `    echo "${DUMP.pci}\${d##*/}"`,
    "    cat $d/resource",
    `    echo "${DUMP.config}"`,
    "    od -An -tx1 -v -N256 $d/config",
    "  done",
    `  echo "${DUMP.end}"`,
    "} > /dev/ttyS1",
    "poweroff -f",
    "",
  ].join("\n");
}
