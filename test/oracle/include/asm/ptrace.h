/* Oracle shim (ours): the saved-register frame and the mode tests insn-eval.c asks about.
 * The field names are the kernel's (insn-eval.c addresses them with offsetof); the order is ours.
 * The frame is always a kernel-mode 64-bit one, as in handle_mmio(). */
#ifndef ORACLE_ASM_PTRACE_H
#define ORACLE_ASM_PTRACE_H
#include <linux/types.h>
struct pt_regs {
	unsigned long ax, cx, dx, bx, sp, bp, si, di;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
	unsigned long ip, orig_ax, flags;
	unsigned short cs, ss, ds, es, fs, gs;
};
static inline int user_mode(struct pt_regs *regs) { return (regs->cs & 3) != 0; }
static inline int v8086_mode(struct pt_regs *regs) { (void)regs; return 0; }
static inline bool user_64bit_mode(struct pt_regs *regs) { (void)regs; return true; }
static inline unsigned long regs_get_register(struct pt_regs *regs, unsigned int offset)
{
	return offset < sizeof(*regs) ? *(unsigned long *)((char *)regs + offset) : 0;
}
static inline bool any_64bit_mode(struct pt_regs *regs) { return !user_mode(regs) || user_64bit_mode(regs); }
#endif
