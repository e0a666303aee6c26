// The devices a harvest boots with: QEMU arguments, the modules that drive them and the shell
// lines that make the driver touch them. The q35 platform (LAPIC, IOAPIC, HPET, ECAM, the ICH9
// LPC bridge) is always there.

export interface DeviceSpec {
  readonly name: string;
  readonly description: string;
  /** QEMU arguments; `disk(name)` gives the path of a scratch disk image the runner creates. */
  readonly qemu: (disk: (name: string) => string) => string[];
  /** Modules to load (the rest of each closure comes from their dependencies). */
  readonly modules: readonly string[];
  /** Shell lines (busybox) run after all modules are loaded. */
  readonly touch: readonly string[];
  /** Paths that exist once the driver has probed the device (the init waits for them). */
  readonly ready?: readonly string[];
  /** Scratch disk images (name, MiB) the device needs. */
  readonly disks?: readonly { name: string; mib: number }[];
}

export const DEVICES: readonly DeviceSpec[] = [
  {
    name: "ahci",
    description: "ICH9 AHCI controller (q35 built-in) with a SATA disk",
    qemu: (disk) => ["-drive", `if=none,id=sata0,format=raw,file=${disk("sata.img")}`, "-device", "ide-hd,drive=sata0,bus=ide.0"],
    modules: ["ahci", "sd_mod"],
    touch: [
      "dd if=/dev/sda of=/dev/null bs=4096 count=64",
      "dd if=/dev/zero of=/dev/sda bs=4096 count=16 conv=fsync",
      "echo 1 > /sys/block/sda/device/rescan",
    ],
    ready: ["/dev/sda"],
    disks: [{ name: "sata.img", mib: 8 }],
  },
  {
    name: "virtio-blk",
    description: "virtio-blk-pci disk (MSI-X)",
    qemu: (disk) => ["-drive", `if=none,id=vblk0,format=raw,file=${disk("vblk.img")}`, "-device", "virtio-blk-pci,drive=vblk0"],
    modules: ["virtio_blk"],
    touch: [
      "dd if=/dev/vda of=/dev/null bs=4096 count=64",
      "dd if=/dev/zero of=/dev/vda bs=4096 count=16 conv=fsync",
    ],
    ready: ["/dev/vda"],
    disks: [{ name: "vblk.img", mib: 8 }],
  },
  {
    name: "virtio-rng",
    description: "virtio-rng-pci entropy source",
    qemu: () => ["-object", "rng-builtin,id=rng0", "-device", "virtio-rng-pci,rng=rng0"],
    modules: ["virtio_rng"],
    ready: ["/dev/hwrng"],
    touch: ["dd if=/dev/hwrng of=/dev/null bs=64 count=4"],
  },
  {
    name: "virtio-net",
    description: "virtio-net-pci NIC with MSI-X, QEMU user networking",
    qemu: () => ["-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"],
    modules: ["virtio_net"],
    ready: ["/sys/class/net/eth0"],
    touch: [
      "ip link set eth0 up",
      "udhcpc -i eth0 -n -q -t 3 -s /bin/true >/dev/null 2>&1",
      "ip link set eth0 down",
    ],
  },
  {
    name: "itco",
    description: "iTCO watchdog of the ICH9 LPC bridge (q35 built-in)",
    qemu: () => [],
    modules: ["lpc_ich", "iTCO_wdt"],
    ready: ["/dev/watchdog"],
    // Opening starts the watchdog; the magic 'V' before close stops it again.
    touch: ["echo V > /dev/watchdog"],
  },
];

export const DEFAULT_DEVICE_SET: readonly string[] = DEVICES.map((d) => d.name);

export class DeviceSetError extends Error {
  override readonly name = "DeviceSetError";
}

/** Parses `--devices a,b,c` (or "default") into specs, in the given order, without duplicates. */
export function deviceSet(spec: string | undefined): DeviceSpec[] {
  const names = spec === undefined || spec === "default" ? [...DEFAULT_DEVICE_SET] : spec.split(",").map((s) => s.trim()).filter(Boolean);
  const out: DeviceSpec[] = [];
  for (const name of names) {
    const d = DEVICES.find((x) => x.name === name);
    if (!d) throw new DeviceSetError(`unknown device ${JSON.stringify(name)} (known: ${DEFAULT_DEVICE_SET.join(", ")})`);
    if (!out.includes(d)) out.push(d);
  }
  return out;
}
