// Kernel profiles of the `linux` reading: which Linux release's #VE MMIO handler is reproduced.
// What each profile changes is said in one place, assembly/profile.ts (README has the table).

/** The kernel releases the `linux` reading can follow (Debian's 6.12 and 6.1 kernels). */
export const KERNEL_PROFILES = ["6.12", "6.1"] as const;
/** A kernel release the `linux` reading follows: "6.12" (default) or "6.1". */
export type KernelProfile = (typeof KERNEL_PROFILES)[number];
/** The profile used when none is given. */
export const DEFAULT_KERNEL: KernelProfile = "6.12";

/** The profile numbers of assembly/profile.ts. */
const PROFILE_NUMBER: Record<KernelProfile, number> = { "6.12": 1, "6.1": 2 };

export function profileNumber(profile: KernelProfile): number {
  const n = PROFILE_NUMBER[profile];
  if (n === undefined) throw new RangeError(`unknown kernel profile ${String(profile)} (known: ${KERNEL_PROFILES.join(", ")})`);
  return n;
}

/** Parses a profile name as users write it ("6.12", "linux-6.1"); null when unknown. */
export function parseKernelProfile(text: string): KernelProfile | null {
  const t = text.trim().replace(/^linux-/, "");
  return (KERNEL_PROFILES as readonly string[]).includes(t) ? (t as KernelProfile) : null;
}
