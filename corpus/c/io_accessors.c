/*
 * io_accessors.c - io.h-style MMIO accessors and the code around them.
 *
 * corpus-flags: -O2
 * corpus-flags: -O2 -fno-pic -mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables
 *
 * Built twice: as ordinary PIE code (globals are [rip+disp32]) and with
 * kernel code-model flags (globals become absolute [disp32] via SIB).
 * Every mmio_* call is one 8A/8B/88/89 MOV (see mmio.h).
 */
#include "mmio.h"

/* ---- 1. Out-of-line accessors: one MOV + RET each ----------------- */

u8  io_read8(const volatile void __iomem *a)  { return mmio_read8(a); }   /* 8A 07 */
u16 io_read16(const volatile void __iomem *a) { return mmio_read16(a); }  /* 66 8B 07 */
u32 io_read32(const volatile void __iomem *a) { return mmio_read32(a); }  /* 8B 07 */
u64 io_read64(const volatile void __iomem *a) { return mmio_read64(a); }  /* 48 8B 07 */

/* value in EDI/RDI, address in RSI: byte store uses DIL -> 40 88 3E */
void io_write8(u8 v, volatile void __iomem *a)   { mmio_write8(v, a); }
void io_write16(u16 v, volatile void __iomem *a) { mmio_write16(v, a); } /* 66 89 3E */
void io_write32(u32 v, volatile void __iomem *a) { mmio_write32(v, a); } /* 89 3E */
void io_write64(u64 v, volatile void __iomem *a) { mmio_write64(v, a); } /* 48 89 3E */

/* address first, value second: byte store uses SIL -> 40 88 37 */
void dev_put8(volatile u8 __iomem *base, u8 v)   { mmio_write8(v, base); }
void dev_put8_at(volatile u8 __iomem *base, u8 v, uptr off) { mmio_write8(v, base + off); }
u8   dev_get8_at(volatile u8 __iomem *base, uptr off) { return mmio_read8(base + off); }

/* ---- 2. Displacement sizes --------------------------------------- */

u32 reg_disp0(volatile u8 __iomem *b)       { return mmio_read32(b); }            /* mod=00 */
u32 reg_disp8(volatile u8 __iomem *b)       { return mmio_read32(b + 0x14); }     /* disp8 */
u32 reg_disp8_max(volatile u8 __iomem *b)   { return mmio_read32(b + 0x7c); }     /* disp8 = 127-3 */
u32 reg_disp8_neg(volatile u8 __iomem *b)   { return mmio_read32(b - 0x80); }     /* disp8 = -128 */
u32 reg_disp32(volatile u8 __iomem *b)      { return mmio_read32(b + 0x80); }     /* smallest disp32 */
u32 reg_disp32_big(volatile u8 __iomem *b)  { return mmio_read32(b + 0x1f00c); }
u32 reg_disp32_neg(volatile u8 __iomem *b)  { return mmio_read32(b - 0x1000); }
u64 reg_disp32_q(volatile u8 __iomem *b)    { return mmio_read64(b + 0x7ffffff8); }
u16 reg_disp8_w(volatile u8 __iomem *b)     { return mmio_read16(b + 0x3e); }
u8  reg_disp32_b(volatile u8 __iomem *b)    { return mmio_read8(b + 0x400); }

void reg_w_disp0(volatile u8 __iomem *b, u32 v)   { mmio_write32(v, b); }
void reg_w_disp8(volatile u8 __iomem *b, u32 v)   { mmio_write32(v, b + 0x28); }
void reg_w_disp32(volatile u8 __iomem *b, u64 v)  { mmio_write64(v, b + 0x2000); }
void reg_w_disp8_w(volatile u8 __iomem *b, u16 v) { mmio_write16(v, b + 0x0a); }
void reg_w_disp32_b(volatile u8 __iomem *b, u8 v) { mmio_write8(v, b + 0x1234); }

/* RSP/R12-style bases need a SIB byte; RBP/R13 bases need a disp8 of 0.
 * Force them with explicit register variables. */
u32 reg_base_r12(volatile u8 __iomem *b)
{
	register volatile u8 __iomem *r12 asm("r12") = b;
	asm("" : "+r"(r12));
	return mmio_read32(r12 + 8);                          /* 41 8B 44 24 08 */
}

u32 reg_base_r13(volatile u8 __iomem *b)
{
	register volatile u8 __iomem *r13 asm("r13") = b;
	asm("" : "+r"(r13));
	return mmio_read32(r13);                              /* 41 8B 45 00 */
}

u32 reg_base_rbp(volatile u8 __iomem *b)
{
	register volatile u8 __iomem *rbp asm("rbp") = b;
	asm("" : "+r"(rbp));
	return mmio_read32(rbp);                              /* 8B 45 00 */
}

void reg_base_r12_w(volatile u8 __iomem *b, u32 v)
{
	register volatile u8 __iomem *r12 asm("r12") = b;
	asm("" : "+r"(r12));
	mmio_write32(v, r12 + 0x100);                         /* 41 89 B4 24 disp32 */
}

/* ---- 3. base + index*scale ---------------------------------------- */

u8  tbl_read8(volatile u8 __iomem *b, uptr i)   { return mmio_read8(b + i); }              /* scale 1 */
u16 tbl_read16(volatile u16 __iomem *b, uptr i) { return mmio_read16(b + i); }             /* scale 2 */
u32 tbl_read32(volatile u32 __iomem *b, uptr i) { return mmio_read32(b + i); }             /* scale 4 */
u64 tbl_read64(volatile u64 __iomem *b, uptr i) { return mmio_read64(b + i); }             /* scale 8 */
u32 tbl_read32_d8(volatile u32 __iomem *b, uptr i)  { return mmio_read32(b + i + 4); }     /* disp8 + SIB */
u32 tbl_read32_d32(volatile u32 __iomem *b, uptr i) { return mmio_read32(b + i + 0x100); } /* disp32 + SIB */
void tbl_write8(volatile u8 __iomem *b, uptr i, u8 v)    { mmio_write8(v, b + i); }
void tbl_write16(volatile u16 __iomem *b, uptr i, u16 v) { mmio_write16(v, b + i + 8); }
void tbl_write32(volatile u32 __iomem *b, uptr i, u32 v) { mmio_write32(v, b + i); }
void tbl_write64(volatile u64 __iomem *b, uptr i, u64 v) { mmio_write64(v, b + i + 0x40); }

/* 32-bit index: sign extension (MOVSXD) feeds the SIB index. */
u32 tbl_read32_int(volatile u32 __iomem *b, int i) { return mmio_read32(b + i); }

/* Sum a register window: loop with [base+idx*4]. */
u32 window_sum(volatile u32 __iomem *b, unsigned n)
{
	u32 s = 0;
	for (unsigned i = 0; i < n; i++)
		s += mmio_read32(b + i);
	return s;
}

/* Copy a register window to RAM: read [b+i*8], store [dst+i*8]. */
void window_save64(volatile u64 __iomem *b, u64 *dst, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] = mmio_read64(b + i);
}

void window_fill16(volatile u16 __iomem *b, u16 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		mmio_write16(v, b + 2 * i + 1);
}

/* ---- 4. RIP-relative (or absolute under mcmodel=kernel) ---------- */

static u32 shadow_regs[64];
static u8 __iomem *dev_base;
static u64 fake_bar[32];
u8 status_byte;

u32 shadow_read3(void)      { return mmio_read32(&shadow_regs[3]); }       /* 8B 05 rel32 */
void shadow_write9(u32 v)   { mmio_write32(v, &shadow_regs[9]); }          /* 89 3D rel32 */
u64 bar_read5(void)         { return mmio_read64(&fake_bar[5]); }
void bar_write7(u64 v)      { mmio_write64(v, &fake_bar[7]); }
u8  status_read(void)       { return mmio_read8(&status_byte); }
void status_write(u8 v)     { mmio_write8(v, &status_byte); }              /* 40 88 3D rel32 */
u16 shadow_read_w(void)     { return mmio_read16((u8 *)shadow_regs + 0x22); }
u32 shadow_read_idx(uptr i) { return mmio_read32(&shadow_regs[i]); }       /* lea rip / SIB */

void dev_set_base(u8 __iomem *b) { dev_base = b; }

/* global base pointer loaded RIP-relative, then disp8/disp32 accesses */
u32 dev_read_id(void)        { return mmio_read32(dev_base + 0x00); }
u32 dev_read_caps(void)      { return mmio_read32(dev_base + 0x08); }
u64 dev_read_counter(void)   { return mmio_read64(dev_base + 0xf0); }
void dev_ring_doorbell(u32 q, u32 tail) { mmio_write32(tail, dev_base + 0x1000 + 8 * q); }
void dev_irq_mask(u32 m)     { mmio_write32(m, dev_base + 0x0c); }

/* ---- 5. Read-modify-write sequences ------------------------------ */

void reg_set_bits(volatile u8 __iomem *b, uptr off, u32 set)
{
	mmio_write32(mmio_read32(b + off) | set, b + off);
}

void reg_clear_bits(volatile u8 __iomem *b, uptr off, u32 clr)
{
	mmio_write32(mmio_read32(b + off) & ~clr, b + off);
}

void reg_update_field(volatile u8 __iomem *b, u32 shift, u32 width, u32 val)
{
	u32 mask = ((1u << width) - 1) << shift;
	u32 r = mmio_read32(b + 0x40);
	r = (r & ~mask) | ((val << shift) & mask);
	mmio_write32(r, b + 0x40);
}

void reg_update_byte(volatile u8 __iomem *b, u8 clr, u8 set)
{
	u8 r = mmio_read8(b + 0x1f);
	mmio_write8((u8)((r & ~clr) | set), b + 0x1f);
}

void reg_toggle_word(volatile u8 __iomem *b)
{
	u16 r = mmio_read16(b + 0x220);
	mmio_write16((u16)(r ^ 0x8001), b + 0x220);
}

u64 reg_swap_halves(volatile u8 __iomem *b)
{
	u64 v = mmio_read64(b + 0x18);
	v = (v >> 32) | (v << 32);
	mmio_write64(v, b + 0x18);
	return v;
}

/* ---- 6. Polling -------------------------------------------------- */

int poll_bit_set(volatile u8 __iomem *b, uptr off, u32 bit, unsigned tries)
{
	while (tries--) {
		if (mmio_read32(b + off) & bit)
			return 0;
		cpu_pause();
	}
	return -1;
}

int poll_bit_clear8(volatile u8 __iomem *b, u8 bit, unsigned tries)
{
	while (tries--) {
		if (!(mmio_read8(b + 0x43) & bit))
			return 0;
		cpu_pause();
	}
	return -1;
}

int poll_value16(volatile u8 __iomem *b, u16 want, unsigned tries)
{
	do {
		if (mmio_read16(b + 0x1a) == want)
			return 0;
	} while (--tries);
	return -1;
}

u64 wait_counter(volatile u8 __iomem *b, u64 target)
{
	u64 now;
	while ((now = mmio_read64(b + 0xf0)) < target)
		cpu_pause();
	return now;
}

/* ---- 7. Split 64-bit registers ----------------------------------- */

void write_addr_pair(volatile u8 __iomem *b, u64 dma)    { mmio_write64_lo_hi(dma, b + 0x28); }
u64 read_addr_pair(volatile u8 __iomem *b)              { return mmio_read64_lo_hi(b + 0x30); }

u64 read_stable64(volatile u8 __iomem *b)
{
	u32 hi, lo, hi2;
	do {
		hi = mmio_read32(b + 0xf4);
		lo = mmio_read32(b + 0xf0);
		hi2 = mmio_read32(b + 0xf4);
	} while (hi != hi2);
	return ((u64)hi << 32) | lo;
}

/* ---- 8. Register pressure: many live values -> R8..R15, RBX, RBP -- */

/* Read 13 registers, then write them back permuted: all 13 values are
 * live at once, so GCC uses every allocatable GPR. */
void regs_rotate32(volatile u8 __iomem *src, volatile u8 __iomem *dst)
{
	u32 a = mmio_read32(src + 0x00), b = mmio_read32(src + 0x04);
	u32 c = mmio_read32(src + 0x08), d = mmio_read32(src + 0x0c);
	u32 e = mmio_read32(src + 0x10), f = mmio_read32(src + 0x14);
	u32 g = mmio_read32(src + 0x18), h = mmio_read32(src + 0x1c);
	u32 i = mmio_read32(src + 0x20), j = mmio_read32(src + 0x24);
	u32 k = mmio_read32(src + 0x28), l = mmio_read32(src + 0x2c);
	u32 m = mmio_read32(src + 0x30);
	mmio_write32(m, dst + 0x00); mmio_write32(a, dst + 0x04);
	mmio_write32(l, dst + 0x08); mmio_write32(b, dst + 0x0c);
	mmio_write32(k, dst + 0x10); mmio_write32(c, dst + 0x14);
	mmio_write32(j, dst + 0x18); mmio_write32(d, dst + 0x1c);
	mmio_write32(i, dst + 0x20); mmio_write32(e, dst + 0x24);
	mmio_write32(h, dst + 0x28); mmio_write32(f, dst + 0x2c);
	mmio_write32(g, dst + 0x30);
}

/* Same with 64-bit registers and disp32 offsets. */
void regs_rotate64(volatile u8 __iomem *src, volatile u8 __iomem *dst)
{
	u64 a = mmio_read64(src + 0x200), b = mmio_read64(src + 0x208);
	u64 c = mmio_read64(src + 0x210), d = mmio_read64(src + 0x218);
	u64 e = mmio_read64(src + 0x220), f = mmio_read64(src + 0x228);
	u64 g = mmio_read64(src + 0x230), h = mmio_read64(src + 0x238);
	u64 i = mmio_read64(src + 0x240), j = mmio_read64(src + 0x248);
	u64 k = mmio_read64(src + 0x250), l = mmio_read64(src + 0x258);
	mmio_write64(l, dst + 0x300); mmio_write64(k, dst + 0x308);
	mmio_write64(j, dst + 0x310); mmio_write64(i, dst + 0x318);
	mmio_write64(h, dst + 0x320); mmio_write64(g, dst + 0x328);
	mmio_write64(f, dst + 0x330); mmio_write64(e, dst + 0x338);
	mmio_write64(d, dst + 0x340); mmio_write64(c, dst + 0x348);
	mmio_write64(b, dst + 0x350); mmio_write64(a, dst + 0x358);
}

/* 14 live bytes: 8A/88 with SIL, DIL, BPL (REX 40) and R8B..R15B. */
void regs_rotate8(volatile u8 __iomem *src, volatile u8 __iomem *dst)
{
	u8 a = mmio_read8(src + 0), b = mmio_read8(src + 1), c = mmio_read8(src + 2);
	u8 d = mmio_read8(src + 3), e = mmio_read8(src + 4), f = mmio_read8(src + 5);
	u8 g = mmio_read8(src + 6), h = mmio_read8(src + 7), i = mmio_read8(src + 8);
	u8 j = mmio_read8(src + 9), k = mmio_read8(src + 10), l = mmio_read8(src + 11);
	u8 m = mmio_read8(src + 12);
	mmio_write8(m, dst + 0); mmio_write8(l, dst + 1); mmio_write8(k, dst + 2);
	mmio_write8(j, dst + 3); mmio_write8(i, dst + 4); mmio_write8(h, dst + 5);
	mmio_write8(g, dst + 6); mmio_write8(f, dst + 7); mmio_write8(e, dst + 8);
	mmio_write8(d, dst + 9); mmio_write8(c, dst + 10); mmio_write8(b, dst + 11);
	mmio_write8(a, dst + 12);
}

/* 16-bit version: 66 prefix + REX.R/REX.B. */
void regs_rotate16(volatile u8 __iomem *src, volatile u8 __iomem *dst)
{
	u16 a = mmio_read16(src + 0x90), b = mmio_read16(src + 0x92);
	u16 c = mmio_read16(src + 0x94), d = mmio_read16(src + 0x96);
	u16 e = mmio_read16(src + 0x98), f = mmio_read16(src + 0x9a);
	u16 g = mmio_read16(src + 0x9c), h = mmio_read16(src + 0x9e);
	u16 i = mmio_read16(src + 0xa0), j = mmio_read16(src + 0xa2);
	u16 k = mmio_read16(src + 0xa4), l = mmio_read16(src + 0xa6);
	u16 m = mmio_read16(src + 0xa8);
	mmio_write16(g, dst + 0x10); mmio_write16(h, dst + 0x12);
	mmio_write16(i, dst + 0x14); mmio_write16(j, dst + 0x16);
	mmio_write16(k, dst + 0x18); mmio_write16(l, dst + 0x1a);
	mmio_write16(m, dst + 0x1c); mmio_write16(a, dst + 0x1e);
	mmio_write16(b, dst + 0x20); mmio_write16(c, dst + 0x22);
	mmio_write16(d, dst + 0x24); mmio_write16(e, dst + 0x26);
	mmio_write16(f, dst + 0x28);
}

/* Bases in high registers too: six windows, each read and written. */
void regs_six_windows(volatile u8 __iomem *w0, volatile u8 __iomem *w1,
		      volatile u8 __iomem *w2, volatile u8 __iomem *w3,
		      volatile u8 __iomem *w4, volatile u8 __iomem *w5)
{
	u32 a = mmio_read32(w0 + 4), b = mmio_read32(w1 + 4), c = mmio_read32(w2 + 4);
	u32 d = mmio_read32(w3 + 4), e = mmio_read32(w4 + 4), f = mmio_read32(w5 + 4);
	u8 g = mmio_read8(w0 + 0x81), h = mmio_read8(w1 + 0x81), i = mmio_read8(w2 + 0x81);
	mmio_write32(f ^ a, w0 + 8); mmio_write32(e ^ b, w1 + 8); mmio_write32(d ^ c, w2 + 8);
	mmio_write32(c + d, w3 + 8); mmio_write32(b + e, w4 + 8); mmio_write32(a + f, w5 + 8);
	mmio_write8(i, w3 + 0x81); mmio_write8(h, w4 + 0x81); mmio_write8(g, w5 + 0x81);
}

/* Mixed widths with index registers under pressure. */
u64 regs_mixed_indexed(volatile u8 __iomem *b, uptr i, uptr j, uptr k)
{
	u8  v0 = mmio_read8(b + i);
	u16 v1 = mmio_read16(b + 2 * j + 0x10);
	u32 v2 = mmio_read32(b + 4 * k + 0x200);
	u64 v3 = mmio_read64(b + 8 * i + 0x1000);
	u8  v4 = mmio_read8(b + j + 0x7f);
	u16 v5 = mmio_read16(b + 2 * k);
	u32 v6 = mmio_read32(b + 4 * i + 0x40);
	u64 v7 = mmio_read64(b + 8 * j);
	mmio_write8(v4, b + k);
	mmio_write16(v5, b + 2 * i + 2);
	mmio_write32(v6, b + 4 * j + 0x80);
	mmio_write64(v7, b + 8 * k + 0x7ff8);
	return v0 + v1 + v2 + v3;
}

/* ---- 9. A tiny UART-like device (byte registers) ------------------ */

enum { UART_THR = 0, UART_RBR = 0, UART_IER = 1, UART_FCR = 2, UART_LCR = 3,
       UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

void uart_init(volatile u8 __iomem *u, u16 divisor)
{
	mmio_write8(0x00, u + UART_IER);
	mmio_write8(0x80, u + UART_LCR);
	mmio_write8((u8)divisor, u + UART_THR);
	mmio_write8((u8)(divisor >> 8), u + UART_IER);
	mmio_write8(0x03, u + UART_LCR);
	mmio_write8(0xc7, u + UART_FCR);
	mmio_write8(0x0b, u + UART_MCR);
}

void uart_putc(volatile u8 __iomem *u, char c)
{
	while (!(mmio_read8(u + UART_LSR) & 0x20))
		cpu_pause();
	mmio_write8((u8)c, u + UART_THR);
}

unsigned uart_write(volatile u8 __iomem *u, const char *s, unsigned n)
{
	unsigned i;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(u, '\r');
		uart_putc(u, s[i]);
	}
	return i;
}

int uart_getc(volatile u8 __iomem *u)
{
	if (!(mmio_read8(u + UART_LSR) & 0x01))
		return -1;
	return mmio_read8(u + UART_RBR);
}

u8 uart_scratch_test(volatile u8 __iomem *u)
{
	u8 old = mmio_read8(u + UART_SCR);
	mmio_write8(0x5a, u + UART_SCR);
	u8 got = mmio_read8(u + UART_SCR);
	mmio_write8(old, u + UART_SCR);
	return got == 0x5a;
}

/* ---- 10. Store-immediate accessors (C6/C7 through asm) ----------- */

void imm_store8(volatile u8 __iomem *b)  { mmio_write8_imm(0xa5, b + 3); }         /* C6 47 03 A5 */
void imm_store16(volatile u8 __iomem *b) { mmio_write16_imm(0xbeef, b + 0x86); }  /* 66 C7 87 .. */
void imm_store32(volatile u8 __iomem *b) { mmio_write32_imm(0xdeadbeef, b + 8); }
void imm_store64(volatile u8 __iomem *b) { mmio_write64_imm(-2, b + 0x108); }     /* 48 C7 87 .. */
void imm_store32_idx(volatile u32 __iomem *b, uptr i) { mmio_write32_imm(1, b + i); }
void imm_store8_glob(void) { mmio_write8_imm(0x7f, &status_byte); }               /* C6 05 rel32 7F */
void imm_store32_glob(void) { mmio_write32_imm(0x80000000u, &shadow_regs[63]); }   /* C7 05 rel32 imm32 */
void imm_store64_glob(void) { mmio_write64_imm(0x1234, &fake_bar[31]); }

void imm_reset_block(volatile u8 __iomem *b)
{
	mmio_write32_imm(0, b + 0x00);
	mmio_write32_imm(0xffffffff, b + 0x04);
	mmio_write16_imm(0, b + 0x08);
	mmio_write8_imm(1, b + 0x0a);
	mmio_write8_imm(0, b + 0x0b);
	mmio_write64_imm(0, b + 0x10);
	mmio_write64_imm(0x7fffffff, b + 0x18);
	mmio_write32_imm(0x10, b + 0x400);
	mmio_write16_imm(0xffff, b + 0x404);
	mmio_write8_imm(0x80, b + 0x406);
}

/* ---- 11. Byte registers that must live in SPL/BPL/SIL/DIL --------- */

/* The low byte of the stack pointer, stored to a debug register: the only
 * natural way SPL shows up (40 88 27 / 40 8A ..). */
void dbg_store_stack_lowbyte(volatile u8 __iomem *dbg)
{
	asm volatile("movb %%spl, %0" : "=m"(*dbg) :: "memory");          /* 40 88 27 */
	asm volatile("movb %%spl, %0" : "=m"(*(dbg + 0x40)) :: "memory");  /* 40 88 67 40 */
}

u8 dbg_stack_align_probe(volatile u8 __iomem *dbg)
{
	u8 r;
	asm volatile("movb %%spl, %0\n\t"
		     "andb $15, %0\n\t"
		     "movb %0, %1"
		     : "=&q"(r), "=m"(*(dbg + 1)) :: "memory");
	return r;
}

/* BPL and DIL explicitly as the data register of MMIO byte moves. */
void byte_regs_explicit(volatile u8 __iomem *b)
{
	asm volatile("movb %0, %%bpl\n\t"      /* 40 8A 2F       */
		     "movb %%bpl, 1(%1)\n\t"   /* 40 88 6F 01    */
		     "movb 2(%1), %%sil\n\t"   /* 40 8A 77 02    */
		     "movb %%sil, 0x100(%1)\n\t"
		     "movb 3(%1), %%dil\n\t"
		     "movb %%dil, 0x101(%1)"
		     :: "m"(*b), "r"(b) : "rbp", "rsi", "rdi", "memory");
}

/* ---- 12. Widening accessors: zero/sign extension in the MMIO load --- */

/* One MOVZX/MOVSX/MOVSXD straight from device memory, with explicit
 * operand sizes so the 64-bit and 16-bit destination forms appear:
 * 48 0F B6, 48 0F B7, 48 0F BE, 48 0F BF, 48 63, 66 0F B6, 66 0F BE. */
#define MMIO_RD_EXT(name, rtype, mtype, insn)                              \
	static inline rtype name(const volatile void __iomem *addr)        \
	{                                                                  \
		rtype v;                                                   \
		asm volatile(insn " %1, %0" : "=r"(v)                      \
			     : "m"(*(const volatile mtype *)addr) : "memory"); \
		return v;                                                  \
	}

MMIO_RD_EXT(mmio_read8_zx64,  u64, u8,  "movzbq")
MMIO_RD_EXT(mmio_read16_zx64, u64, u16, "movzwq")
MMIO_RD_EXT(mmio_read8_sx64,  s64, s8,  "movsbq")
MMIO_RD_EXT(mmio_read16_sx64, s64, s16, "movswq")
MMIO_RD_EXT(mmio_read32_sx64, s64, s32, "movslq")
MMIO_RD_EXT(mmio_read8_zx16,  u16, u8,  "movzbw")
MMIO_RD_EXT(mmio_read8_sx16,  s16, s8,  "movsbw")
MMIO_RD_EXT(mmio_read8_sx32,  s32, s8,  "movsbl")
MMIO_RD_EXT(mmio_read16_sx32, s32, s16, "movswl")

u64 ext_zx8q(volatile u8 __iomem *b)          { return mmio_read8_zx64(b + 0x21); }
u64 ext_zx16q(volatile u8 __iomem *b)         { return mmio_read16_zx64(b + 0x222); }
s64 ext_sx8q(volatile u8 __iomem *b)          { return mmio_read8_sx64(b - 1); }
s64 ext_sx16q(volatile u8 __iomem *b, uptr i) { return mmio_read16_sx64(b + 2 * i); }
s64 ext_sx32q(volatile u8 __iomem *b, uptr i) { return mmio_read32_sx64(b + 4 * i + 0x10); }
u16 ext_zx8w(volatile u8 __iomem *b)          { return mmio_read8_zx16(b + 7); }
s16 ext_sx8w(volatile u8 __iomem *b)          { return mmio_read8_sx16(b + 0x300); }
s32 ext_sx8l_glob(void)                       { return mmio_read8_sx32(&status_byte); }
s32 ext_sx16l(volatile u8 __iomem *b)         { return mmio_read16_sx32(b + 0x46); }

/* ADC-style sample block: thirteen signed samples live at once. */
s64 adc_snapshot(volatile u8 __iomem *adc, s64 *out)
{
	s64 a = mmio_read16_sx64(adc + 0x00), b = mmio_read16_sx64(adc + 0x02);
	s64 c = mmio_read16_sx64(adc + 0x04), d = mmio_read16_sx64(adc + 0x06);
	s64 e = mmio_read8_sx64(adc + 0x08),  f = mmio_read8_sx64(adc + 0x09);
	s64 g = mmio_read32_sx64(adc + 0x0c), h = mmio_read32_sx64(adc + 0x10);
	s64 i = mmio_read8_sx64(adc + 0x0a),  j = mmio_read8_sx64(adc + 0x0b);
	u64 k = mmio_read8_zx64(adc + 0x14),  l = mmio_read16_zx64(adc + 0x16);
	s64 m = mmio_read32_sx64(adc + 0x100);
	out[0] = a - e; out[1] = b - f; out[2] = c - i; out[3] = d - j;
	out[4] = g + m; out[5] = h - m;
	return (s64)(k * l) + a + b + c + d + g + h;
}

s64 adc_average(volatile u8 __iomem *adc, unsigned n)
{
	s64 s = 0;
	for (unsigned i = 0; i < n; i++)
		s += mmio_read16_sx64(adc + 0x40 + 2 * (uptr)i);
	return n ? s / n : 0;
}
