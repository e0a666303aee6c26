/*
 * mmio.h - MMIO accessors shared by the corpus sources (our own code).
 *
 * Every accessor is exactly one MOV emitted through inline asm, in the
 * same spirit as a kernel's io.h, so the opcode is fixed whatever the
 * optimiser does:
 *
 *   mmio_read8   -> 8A /r          mmio_write8   -> 88 /r
 *   mmio_read16  -> 66 8B /r       mmio_write16  -> 66 89 /r
 *   mmio_read32  -> 8B /r          mmio_write32  -> 89 /r
 *   mmio_read64  -> REX.W 8B /r    mmio_write64  -> REX.W 89 /r
 *
 * The memory operand is an "m" constraint, so GCC chooses the addressing
 * mode: [base], [base+disp8], [base+disp32], [base+index*scale+disp],
 * [rip+disp32] for globals, or an absolute disp32 under -mcmodel=kernel.
 * The register operand is whatever GCC allocates ("q"/"r" = any GPR in
 * 64-bit mode), so byte accesses can land in SIL/DIL/BPL (REX 40) or
 * R8B-R15B.
 */
#ifndef CORPUS_MMIO_H
#define CORPUS_MMIO_H

typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long long u64;
typedef signed char        s8;
typedef short              s16;
typedef int                s32;
typedef long long          s64;
typedef unsigned long      uptr;

/* Marker only: documents that a pointer refers to device memory. */
#define __iomem

#define MMIO_RD(name, type, insn, cons)                                   \
	static inline type name(const volatile void __iomem *addr)        \
	{                                                                 \
		type v;                                                   \
		asm volatile(insn " %1, %0"                               \
			     : cons(v)                                    \
			     : "m"(*(const volatile type *)addr)          \
			     : "memory");                                 \
		return v;                                                 \
	}

#define MMIO_WR(name, type, insn, cons)                                   \
	static inline void name(type v, volatile void __iomem *addr)      \
	{                                                                 \
		asm volatile(insn " %0, %1"                               \
			     :                                            \
			     : cons(v), "m"(*(volatile type *)addr)       \
			     : "memory");                                 \
	}

MMIO_RD(mmio_read8,  u8,  "movb", "=q")
MMIO_RD(mmio_read16, u16, "movw", "=r")
MMIO_RD(mmio_read32, u32, "movl", "=r")
MMIO_RD(mmio_read64, u64, "movq", "=r")

MMIO_WR(mmio_write8,  u8,  "movb", "q")
MMIO_WR(mmio_write16, u16, "movw", "r")
MMIO_WR(mmio_write32, u32, "movl", "r")
MMIO_WR(mmio_write64, u64, "movq", "r")

/*
 * Variants without the "memory" clobber: the compiler may keep other
 * memory in registers across them, which changes register allocation.
 */
#define MMIO_RD_RELAXED(name, type, insn, cons)                           \
	static inline type name(const volatile void __iomem *addr)        \
	{                                                                 \
		type v;                                                   \
		asm volatile(insn " %1, %0"                               \
			     : cons(v)                                    \
			     : "m"(*(const volatile type *)addr));        \
		return v;                                                 \
	}

MMIO_RD_RELAXED(mmio_read8_relaxed,  u8,  "movb", "=q")
MMIO_RD_RELAXED(mmio_read32_relaxed, u32, "movl", "=r")

/* Store an immediate (C6 /0, 66 C7 /0, C7 /0, REX.W C7 /0). */
#define mmio_write8_imm(imm, addr)                                         \
	asm volatile("movb %1, %0" : "=m"(*(volatile u8 *)(addr)) : "i"((u8)(imm)) : "memory")
#define mmio_write16_imm(imm, addr)                                        \
	asm volatile("movw %1, %0" : "=m"(*(volatile u16 *)(addr)) : "i"((u16)(imm)) : "memory")
#define mmio_write32_imm(imm, addr)                                        \
	asm volatile("movl %1, %0" : "=m"(*(volatile u32 *)(addr)) : "i"((u32)(imm)) : "memory")
#define mmio_write64_imm(imm, addr)                                        \
	asm volatile("movq %1, %0" : "=m"(*(volatile u64 *)(addr)) : "e"((s64)(imm)) : "memory")

static inline void cpu_pause(void)
{
	asm volatile("pause" ::: "memory");
}

/* A 64-bit register written as two 32-bit halves, low half first. */
static inline void mmio_write64_lo_hi(u64 v, volatile void __iomem *addr)
{
	mmio_write32((u32)v, addr);
	mmio_write32((u32)(v >> 32), (volatile u8 __iomem *)addr + 4);
}

static inline u64 mmio_read64_lo_hi(const volatile void __iomem *addr)
{
	u32 lo = mmio_read32(addr);
	u32 hi = mmio_read32((const volatile u8 __iomem *)addr + 4);
	return ((u64)hi << 32) | lo;
}

#endif /* CORPUS_MMIO_H */
