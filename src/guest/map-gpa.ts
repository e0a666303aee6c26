// The guest side of private <-> shared conversion (SPEC §11): MapGPA with its retry protocol, then
// (to private) accepting the pages. Data does not survive a conversion.
import { mapGpaRequest, STATUS, type TdvmcallTransport } from "../tdvmcall/abi.js";
import type { GuestMemory } from "./memory.js";

/** How a MapGPA conversion ended. */
export interface MapGpaResult {
  ok: boolean;
  /** TDVMCALLs made (1 + retries). */
  calls: number;
  /** Why it failed, when it did. */
  reason: string | null;
}

/** How many RETRY answers in a row without progress the guest tolerates. */
export const MAX_NO_PROGRESS_RETRIES = 3;

/**
 * tdx_map_gpa: asks the host to convert [start, end) (physical addresses without the shared bit).
 * RETRY with R11 inside the range resumes there; R11 outside fails; R11 == start three times in a
 * row fails.
 */
export function mapGpa(tdvmcall: TdvmcallTransport, sharedBit: bigint, start: bigint, end: bigint, toShared: boolean): MapGpaResult {
  if (toShared) { start |= sharedBit; end |= sharedBit; }
  let calls = 0;
  let noProgress = 0;
  for (;;) {
    const r = tdvmcall(mapGpaRequest(start, end - start));
    calls++;
    if (r.r10 !== STATUS.RETRY) return { ok: r.r10 === 0n, calls, reason: r.r10 === 0n ? null : `status 0x${r.r10.toString(16)}` };
    const resume = r.r11;
    if (resume < start || resume >= end) return { ok: false, calls, reason: `RETRY outside the range (0x${resume.toString(16)})` };
    if (resume === start) {
      if (++noProgress >= MAX_NO_PROGRESS_RETRIES) return { ok: false, calls, reason: "no progress after 3 retries" };
    } else {
      start = resume;
      noProgress = 0;
    }
  }
}

/**
 * Converts guest pages (tdx_enc_status_changed): MapGPA, then for to-private the accept
 * (TDG.MEM.PAGE.ACCEPT), after which the pages read as zero.
 */
export function convertPages(memory: GuestMemory, tdvmcall: TdvmcallTransport, gpa: bigint, size: number, toShared: boolean): MapGpaResult {
  const result = mapGpa(tdvmcall, memory.sharedBit, gpa, gpa + BigInt(size), toShared);
  if (result.ok && !toShared) memory.convert(gpa, size, "private"); // accepted pages are zeroed
  return result;
}
