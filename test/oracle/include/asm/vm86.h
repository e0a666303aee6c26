/* Oracle shim (ours): no vm86 frames in a 64-bit kernel. */
#ifndef ORACLE_ASM_VM86_H
#define ORACLE_ASM_VM86_H
#include <asm/ptrace.h>
struct kernel_vm86_regs { struct pt_regs pt; unsigned short es, __esh, ds, __dsh, fs, __fsh, gs, __gsh; };
#endif
