/*
 * Kernel-decoder oracle driver (ours). Linked with the kernel's own insn.c, inat.c and insn-eval.c
 * (compiled unmodified from Debian's source package at test time), it runs, for each 15-byte window,
 * the calls handle_mmio() (arch/x86/coco/tdx/tdx.c) makes, in its order:
 *   insn_decode(64-bit, 15 bytes) -> insn_decode_mmio() -> insn_get_modrm_reg_ptr() (not for
 *   WRITE_IMM/MOVS) -> [gla check: the driver's gla is always a kernel address] ->
 *   insn_get_addr_ref() -> page-split test -> the MOVS refusal.
 *
 * stdin:  u32 magic "VEOR", u32 nsets, nsets register files (19 u64: rax rcx rdx rbx rsp rbp rsi rdi
 *         r8..r15 rip fs_base gs_base), then 16-byte windows: 15 instruction bytes + register-file index.
 * stdout: one 32-byte record per window (layout in scripts/lib/kernel-oracle.ts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <asm/msr.h>
#include <asm/insn.h>
#include <asm/insn-eval.h>
#include <linux/mmu_context.h>

unsigned long oracle_warnings;
static struct mm_struct oracle_mm;
static struct task_struct oracle_task = { .active_mm = &oracle_mm };
struct task_struct *oracle_current = &oracle_task;

#define REGFILE_WORDS 19
static unsigned long fs_base, gs_base;

unsigned long oracle_rdmsr(unsigned int msr)
{
	if (msr == MSR_FS_BASE)
		return fs_base;
	if (msr == MSR_GS_BASE)
		return gs_base;
	/* MSR_KERNEL_GS_BASE is only read for user-mode frames, which the driver never builds. */
	oracle_warnings++;
	return 0;
}

/* User-space fetch helpers are compiled in insn-eval.c but never called by handle_mmio(). */
unsigned long copy_from_user(void *to, const void *from, unsigned long n) { (void)to; (void)from; return n; }
unsigned long __copy_from_user_inatomic(void *to, const void *from, unsigned long n) { (void)to; (void)from; return n; }

enum outcome {
	OUT_EMULATED = 0,      /* returns insn.length */
	OUT_DECODE_FAILED = 1, /* insn_decode() != 0: -EINVAL */
	OUT_NOT_MMIO = 2,      /* INSN_MMIO_DECODE_FAILED: -EINVAL */
	OUT_BAD_REGISTER = 3,  /* no register slot: -EINVAL */
	OUT_PAGE_SPLIT = 4,    /* -EFAULT */
	OUT_MOVS = 5,          /* -EINVAL after the page test */
};

struct record {
	u8 decoded, length, mmio, size;
	u8 slot, outcome, opnd_bytes, warnings;
	u64 vaddr;
	u64 imm;
	u8 addr_bytes, split, pad[6];
};

static void run(const u8 *window, const unsigned long *file, struct record *r)
{
	struct pt_regs regs;
	struct insn insn;
	unsigned long *reg = NULL;
	unsigned long vaddr;
	int size = 0, mmio;

	memset(r, 0, sizeof(*r));
	r->slot = 0xff;
	memset(&regs, 0, sizeof(regs));
	memcpy(&regs.ax, file, 16 * sizeof(unsigned long));
	regs.ip = file[16];
	regs.cs = 0x10; /* kernel code segment: handle_mmio() refuses user mode first */
	regs.ss = 0x18;
	fs_base = file[17];
	gs_base = file[18];
	oracle_warnings = 0;
	memset(&insn, 0, sizeof(insn));

	if (insn_decode(&insn, window, MAX_INSN_SIZE, INSN_MODE_64)) {
		r->outcome = OUT_DECODE_FAILED;
		r->length = insn.length;
		goto done;
	}
	r->decoded = 1;
	r->length = insn.length;
	r->opnd_bytes = insn.opnd_bytes;
	r->addr_bytes = insn.addr_bytes;
	mmio = insn_decode_mmio(&insn, &size);
	r->mmio = (u8)mmio;
	r->size = (u8)size;
	if (mmio == 0) {
		r->outcome = OUT_NOT_MMIO;
		goto done;
	}
	if (mmio != 2 /* WRITE_IMM */ && mmio != 6 /* MOVS */) {
		reg = insn_get_modrm_reg_ptr(&insn, &regs);
		if (!reg) {
			r->slot = 0xfe;
			r->outcome = OUT_BAD_REGISTER;
			goto done;
		}
		r->slot = (u8)(reg - &regs.ax);
	}
	if (mmio == 2)
		r->imm = (u64)(long)insn.immediate.value;
	vaddr = (unsigned long)insn_get_addr_ref(&insn, &regs);
	r->vaddr = vaddr;
	r->split = vaddr / 4096 != (vaddr + size - 1) / 4096;
	if (r->split)
		r->outcome = OUT_PAGE_SPLIT;
	else if (mmio == 6)
		r->outcome = OUT_MOVS;
	else
		r->outcome = OUT_EMULATED;
done:
	r->warnings = (u8)(oracle_warnings > 255 ? 255 : oracle_warnings);
}

int main(void)
{
	u32 head[2];
	unsigned long *files;
	u8 in[16 * 4096];
	struct record out[4096];
	size_t n;

	_Static_assert(sizeof(struct record) == 32, "record layout");
	if (fread(head, 4, 2, stdin) != 2 || head[0] != 0x524f4556 || head[1] == 0 || head[1] > 256) {
		fprintf(stderr, "oracle: bad header\n");
		return 2;
	}
	files = calloc(head[1], REGFILE_WORDS * sizeof(unsigned long));
	if (!files || fread(files, REGFILE_WORDS * sizeof(unsigned long), head[1], stdin) != head[1]) {
		fprintf(stderr, "oracle: short register files\n");
		return 2;
	}
	while ((n = fread(in, 16, 4096, stdin)) > 0) {
		for (size_t i = 0; i < n; i++) {
			u8 set = in[i * 16 + 15];
			if (set >= head[1]) {
				fprintf(stderr, "oracle: register file %u out of range\n", set);
				return 2;
			}
			run(&in[i * 16], &files[set * REGFILE_WORDS], &out[i]);
		}
		if (fwrite(out, sizeof(out[0]), n, stdout) != n)
			return 2;
	}
	return 0;
}
