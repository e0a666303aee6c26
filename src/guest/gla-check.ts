// Step 6 of the #VE MMIO handler (v6.12+): MMIO is emulated only for kernel addresses. ve.gla
// below TASK_SIZE_MAX, or in the vsyscall page, is refused. On 32-bit halves, as the engine and
// the sites' own code (site-code.ts) hold ve.gla.

/** TASK_SIZE_MAX bits 63:32: 0x00007fff_fffff000 with 4-level paging, 0x00ffffff_fffff000 with 5. */
export const TASK_SIZE_MAX_HI_4LEVEL = 0x7fff;
export const TASK_SIZE_MAX_HI_5LEVEL = 0xffffff;
/** TASK_SIZE_MAX bits 31:0. */
const TASK_SIZE_MAX_LO = 0xfffff000;
/** The vsyscall page, 0xffffffff_ff600000: bits 31:12. */
const VSYSCALL_PAGE = 0xff600000 >>> 12;

/**
 * Whether ve.gla, as words[2] (bits 31:0) and words[3] (63:32), is not a kernel address: below
 * TASK_SIZE_MAX (bits 63:32 `taskSizeMaxHi`) or in the vsyscall page.
 */
export function glaNotKernel(words: Uint32Array, taskSizeMaxHi: number): boolean {
  const lo = words[2], hi = words[3];
  return hi < taskSizeMaxHi || (hi === taskSizeMaxHi && lo < TASK_SIZE_MAX_LO) || (hi === 0xffffffff && lo >>> 12 === VSYSCALL_PAGE);
}
