// Kernel profiles: which Linux release's #VE MMIO handler the `linux` reading reproduces. This is
// the one place that says what a profile changes; linux.ts asks these switches, never the number.
// Every switch is backed by the oracle tests (the kernel's own decoder, compiled per release).

/** Debian's 6.12 kernel (6.12.117): the default. */
export const PROFILE_6_12: u32 = 1;
/** Debian's 6.1 kernel (6.1.192). */
export const PROFILE_6_1: u32 = 2;

export let kernelProfile: u32 = PROFILE_6_12;

/** REX2 (D5): 6.12's decoder knows it (added in 6.10); 6.1's decodes D5 as a one-byte opcode. */
export let profileRex2: bool = true;
/** EVEX map 4 (APX-promoted legacy instructions, 6.10+): 6.12 decodes it, 6.1's tables lack it. */
export let profileApxMap4: bool = true;

/**
 * The newer x86-opcode-map.txt (6.12): which VEX/EVEX rows exist and which also take the legacy
 * encoding (AVX-VNNI-INT, AVX-IFMA, CMPccXADD, SHA512/SM3/SM4, USER_MSR...; tables/kernel-attrs.ts).
 */
export let profileNewerOpcodeMap: bool = true;

/** Selects the profile for the following decodes (an unknown number keeps the current one). */
export function setKernelProfile(profile: u32): void {
  if (profile != PROFILE_6_12 && profile != PROFILE_6_1) return;
  kernelProfile = profile;
  profileRex2 = profile == PROFILE_6_12;
  profileApxMap4 = profile == PROFILE_6_12;
  profileNewerOpcodeMap = profile == PROFILE_6_12;
}
