// The --kernel option of the commands that read MMIO the kernel's way (decode, emulate, scan,
// harvest): which release's #VE handler the linux reading follows.
import { loadDecoder } from "../decoder/node.js";
import { parseKernelProfile, KERNEL_PROFILES, DEFAULT_KERNEL } from "../decoder/profile.js";
import type { VeDecoder } from "../decoder/engine.js";
import { InputError } from "./inputs.js";

/** The option's help text. */
export const KERNEL_HELP = `kernel release whose #VE handler the linux reading follows: ${KERNEL_PROFILES.join(" or ")} (default ${DEFAULT_KERNEL})`;

/** A decoder whose linux reading (and the TDs built on it) follows the --kernel release. */
export async function decoderFor(o: { kernel?: string }): Promise<VeDecoder> {
  const kernel = parseKernelProfile(o.kernel ?? DEFAULT_KERNEL);
  if (!kernel) throw new InputError(`--kernel must be ${KERNEL_PROFILES.join(" or ")}, not ${o.kernel}`);
  const decoder = await loadDecoder();
  decoder.kernel = kernel;
  return decoder;
}
