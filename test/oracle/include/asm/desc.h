/* Oracle shim (ours): no GDT in user space (an empty table: every lookup fails), and data-segment
 * selectors read as the null selector (64-bit mode ignores them). */
#ifndef ORACLE_ASM_DESC_H
#define ORACLE_ASM_DESC_H
#include <asm/desc_defs.h>
#include <asm/msr.h>
static inline void native_store_gdt(struct desc_ptr *dtr) { dtr->size = 0; dtr->address = 0; }
#define savesegment(seg, var) ((var) = 0)
#define SEGMENT_RPL_MASK 0x3
#define SEGMENT_TI_MASK 0x4
#endif
