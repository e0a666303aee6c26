/*
 * string_moffs.c - string instructions and moffs (A0-A3) forms.
 *
 * corpus-flags: -O2
 *
 * memcpy_toio/memcpy_fromio style helpers built on REP MOVS/STOS, the
 * other string instructions (LODS/SCAS/CMPS/INS/OUTS), and MOVABS with a
 * 64-bit absolute address for fixed-address devices (A0/A1/A2/A3 with
 * 66 / REX.W / segment / 67 prefixes). Most of these need inline asm: GCC
 * never picks them on its own except REP MOVSQ/STOSQ for big copies.
 */
#include "mmio.h"

/* ---- 1. REP MOVS: F3 A4, F3 66 A5, F3 A5, F3 48 A5 -------------- */

static inline void rep_movsb(void *d, const void *s, uptr n)
{
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static inline void rep_movsw(void *d, const void *s, uptr n)
{
	asm volatile("rep movsw" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static inline void rep_movsl(void *d, const void *s, uptr n)
{
	asm volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static inline void rep_movsq(void *d, const void *s, uptr n)
{
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

/* Single (non-REP) MOVS: A4 / A5 / 66 A5 / 48 A5. */
static inline void movsb1(void **d, const void **s)
{
	asm volatile("movsb" : "+D"(*d), "+S"(*s) :: "memory");
}

static inline void movsl1(void **d, const void **s)
{
	asm volatile("movsl" : "+D"(*d), "+S"(*s) :: "memory");
}

static inline void movsw1(void **d, const void **s)
{
	asm volatile("movsw" : "+D"(*d), "+S"(*s) :: "memory");
}

static inline void movsq1(void **d, const void **s)
{
	asm volatile("movsq" : "+D"(*d), "+S"(*s) :: "memory");
}

void memcpy_toio_b(volatile void __iomem *dst, const void *src, uptr n)   { rep_movsb((void *)dst, src, n); }
void memcpy_fromio_b(void *dst, const volatile void __iomem *src, uptr n) { rep_movsb(dst, (const void *)src, n); }
void memcpy_toio_w(volatile void __iomem *dst, const void *src, uptr n)   { rep_movsw((void *)dst, src, n / 2); }
void memcpy_toio_l(volatile void __iomem *dst, const void *src, uptr n)   { rep_movsl((void *)dst, src, n / 4); }
void memcpy_fromio_l(void *dst, const volatile void __iomem *src, uptr n) { rep_movsl(dst, (const void *)src, n >> 2); }
void memcpy_toio_q(volatile void __iomem *dst, const void *src, uptr n)   { rep_movsq((void *)dst, src, n / 8); }
void memcpy_fromio_q(void *dst, const volatile void __iomem *src, uptr n) { rep_movsq(dst, (const void *)src, n / 8); }

/* Aligned bulk with a ragged head and tail, kernel-memcpy shaped: the
 * body is REP MOVSQ and the edges are single MOVSB/MOVSW/MOVSL. */
void memcpy_toio_aligned(volatile void __iomem *dst, const void *src, uptr n)
{
	void *d = (void *)dst;
	const void *s = src;
	if (n && ((uptr)d & 1)) { movsb1(&d, &s); n--; }
	if (n >= 2 && ((uptr)d & 2)) { movsw1(&d, &s); n -= 2; }
	if (n >= 4 && ((uptr)d & 4)) { movsl1(&d, &s); n -= 4; }
	rep_movsq(d, s, n >> 3);
	d = (u8 *)d + (n & ~7ul);
	s = (const u8 *)s + (n & ~7ul);
	if (n & 4) movsl1(&d, &s);
	if (n & 2) movsw1(&d, &s);
	if (n & 1) movsb1(&d, &s);
}

void memcpy_fromio_aligned(void *dst, const volatile void __iomem *src, uptr n)
{
	void *d = dst;
	const void *s = (const void *)src;
	while (n && ((uptr)s & 7)) { movsb1(&d, &s); n--; }
	while (n >= 8) { movsq1(&d, &s); n -= 8; }
	while (n) { movsb1(&d, &s); n--; }
}

/* Copy a fixed 16-byte descriptor with four MOVSL. */
void copy_desc16(volatile void __iomem *dst, const void *src)
{
	void *d = (void *)dst;
	const void *s = src;
	movsl1(&d, &s); movsl1(&d, &s); movsl1(&d, &s); movsl1(&d, &s);
}

void copy_desc32q(volatile void __iomem *dst, const void *src)
{
	void *d = (void *)dst;
	const void *s = src;
	movsq1(&d, &s); movsq1(&d, &s); movsq1(&d, &s); movsq1(&d, &s);
}

void copy_hdr6(void *dst, const volatile void __iomem *src)
{
	void *d = dst;
	const void *s = (const void *)src;
	movsw1(&d, &s); movsw1(&d, &s); movsw1(&d, &s);
}

/* Struct copies big enough that GCC itself emits REP MOVSQ. */
struct fw_image_hdr { u64 words[48]; };
struct big_regs { u32 regs[256]; };

void copy_fw_hdr(struct fw_image_hdr *dst, const struct fw_image_hdr *src) { *dst = *src; }
void copy_regs_snapshot(struct big_regs *dst, const struct big_regs *src)  { *dst = *src; }

struct big_regs g_snapshot;
void save_snapshot(const struct big_regs *r) { g_snapshot = *r; }
void load_snapshot(struct big_regs *r)       { *r = g_snapshot; }

/* ---- 2. REP STOS / LODS / SCAS / CMPS ------------------------------ */

void memset_io_b(volatile void __iomem *dst, u8 v, uptr n)
{
	void *d = (void *)dst;
	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");     /* F3 AA */
}

void memset_io_l(volatile void __iomem *dst, u32 v, uptr n)
{
	void *d = (void *)dst;
	asm volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");     /* F3 AB */
}

void memset_io_q(volatile void __iomem *dst, u64 v, uptr n)
{
	void *d = (void *)dst;
	asm volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");     /* F3 48 AB */
}

void memset_io_w(volatile void __iomem *dst, u16 v, uptr n)
{
	void *d = (void *)dst;
	asm volatile("rep stosw" : "+D"(d), "+c"(n) : "a"(v) : "memory");     /* F3 66 AB */
}

void clear_page_stosq(void *page)
{
	uptr n = 512;
	asm volatile("rep stosq" : "+D"(page), "+c"(n) : "a"(0ul) : "memory");
}

u32 sum_lodsl(const volatile void __iomem *src, uptr n)
{
	const void *s = (const void *)src;
	u32 sum = 0, v;
	while (n--) {
		asm volatile("lodsl" : "=a"(v), "+S"(s) :: "memory");          /* AD */
		sum += v;
	}
	return sum;
}

u8 xor_lodsb(const volatile void __iomem *src, uptr n)
{
	const void *s = (const void *)src;
	u8 x = 0, v;
	while (n--) {
		asm volatile("lodsb" : "=a"(v), "+S"(s) :: "memory");          /* AC */
		x ^= v;
	}
	return x;
}

u64 last_lodsq(const void *src, uptr n)
{
	u64 v = 0;
	asm volatile("rep lodsq" : "+a"(v), "+S"(src), "+c"(n) :: "memory"); /* F3 48 AD */
	return v;
}

uptr strlen_scasb(const char *s)
{
	uptr n = ~0ul;
	asm volatile("repne scasb" : "+D"(s), "+c"(n) : "a"(0) : "memory"); /* F2 AE */
	return ~n - 1;
}

const u32 *find_scasl(const u32 *p, u32 v, uptr n)
{
	asm volatile("repne scasl" : "+D"(p), "+c"(n) : "a"(v) : "memory"); /* F2 AF */
	return p - 1;
}

int memcmp_cmpsb(const void *a, const void *b, uptr n)
{
	u8 ne;
	if (!n)
		return 0;
	asm volatile("repe cmpsb\n\tsetne %0"                               /* F3 A6 */
		     : "=q"(ne), "+S"(a), "+D"(b), "+c"(n) :: "memory", "cc");
	return ne;
}

int memcmp_cmpsq(const void *a, const void *b, uptr nq)
{
	u8 ne;
	if (!nq)
		return 0;
	asm volatile("repe cmpsq\n\tsetne %0"                               /* F3 48 A7 */
		     : "=q"(ne), "+S"(a), "+D"(b), "+c"(nq) :: "memory", "cc");
	return ne;
}

/* ---- 3. String port I/O (INS/OUTS) --------------------------------- */

void port_insw(u16 port, void *buf, uptr n)
{
	asm volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");  /* F3 66 6D */
}

void port_outsw(u16 port, const void *buf, uptr n)
{
	asm volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory"); /* F3 66 6F */
}

void port_insb(u16 port, void *buf, uptr n)
{
	asm volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");  /* F3 6C */
}

void port_outsl(u16 port, const void *buf, uptr n)
{
	asm volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "memory"); /* F3 6F */
}

u8 port_inb(u16 port)          { u8 v;  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
u32 port_inl(u16 port)         { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
void port_outw(u16 port, u16 v){ asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
void cmos_write(u8 idx, u8 v)
{
	asm volatile("outb %0, $0x70" :: "a"(idx));   /* E6 70 */
	asm volatile("outb %0, $0x71" :: "a"(v));
}

/* ---- 4. MOVABS moffs64: A0/A1/A2/A3 --------------------------------- */

/* Fixed physical-looking addresses (identity-mapped in this toy). */
#define LAPIC_BASE  0xfee00000ul
#define IOAPIC_BASE 0xfec00000ul
#define HPET_BASE   0xfed00000ul
#define HIGH_MMIO   0x000000fd00000000ul

#define MOFFS_LD(name, type, sfx, reg, addr)                               \
	type name(void) { type v; asm volatile("movabs" sfx " %P1, %0" : "=a"(v) : "i"(addr) : "memory"); return v; }
#define MOFFS_ST(name, type, sfx, addr)                                    \
	void name(type v) { asm volatile("movabs" sfx " %0, %P1" :: "a"(v), "i"(addr) : "memory"); }

MOFFS_LD(lapic_read_id,    u32, "l", eax, LAPIC_BASE + 0x20)    /* A1 imm64 */
MOFFS_LD(lapic_read_ver,   u32, "l", eax, LAPIC_BASE + 0x30)
MOFFS_LD(lapic_read_tpr,   u32, "l", eax, LAPIC_BASE + 0x80)
MOFFS_LD(lapic_read_isr0,  u32, "l", eax, LAPIC_BASE + 0x100)
MOFFS_LD(lapic_read_tmcct, u32, "l", eax, LAPIC_BASE + 0x390)
MOFFS_ST(lapic_write_eoi,  u32, "l", LAPIC_BASE + 0xb0)         /* A3 imm64 */
MOFFS_ST(lapic_write_tpr,  u32, "l", LAPIC_BASE + 0x80)
MOFFS_ST(lapic_write_icr_lo, u32, "l", LAPIC_BASE + 0x300)
MOFFS_ST(lapic_write_icr_hi, u32, "l", LAPIC_BASE + 0x310)
MOFFS_ST(lapic_write_tmict, u32, "l", LAPIC_BASE + 0x380)
MOFFS_LD(ioapic_read_win,  u32, "l", eax, IOAPIC_BASE + 0x10)
MOFFS_ST(ioapic_write_sel, u32, "l", IOAPIC_BASE)
MOFFS_LD(hpet_read_cap,    u64, "q", rax, HPET_BASE)              /* 48 A1 */
MOFFS_LD(hpet_read_counter, u64, "q", rax, HPET_BASE + 0xf0)
MOFFS_ST(hpet_write_counter, u64, "q", HPET_BASE + 0xf0)          /* 48 A3 */
MOFFS_ST(hpet_write_cfg,   u64, "q", HPET_BASE + 0x10)
MOFFS_LD(high_read8,       u8,  "b", al, HIGH_MMIO + 0x11)        /* A0 */
MOFFS_LD(high_read16,      u16, "w", ax, HIGH_MMIO + 0x12)        /* 66 A1 */
MOFFS_LD(high_read32,      u32, "l", eax, HIGH_MMIO + 0x14)
MOFFS_LD(high_read64,      u64, "q", rax, HIGH_MMIO + 0x18)
MOFFS_ST(high_write8,      u8,  "b", HIGH_MMIO + 0x21)            /* A2 */
MOFFS_ST(high_write16,     u16, "w", HIGH_MMIO + 0x22)            /* 66 A3 */
MOFFS_ST(high_write32,     u32, "l", HIGH_MMIO + 0x24)
MOFFS_ST(high_write64,     u64, "q", HIGH_MMIO + 0x28)

/* Sequences: send an IPI, program the local timer, ack an interrupt. */
void lapic_send_ipi(u32 apic_id, u32 vector)
{
	asm volatile("movabsl %0, %P1" :: "a"(apic_id << 24), "i"(LAPIC_BASE + 0x310) : "memory");
	asm volatile("movabsl %0, %P1" :: "a"(0x4000 | vector), "i"(LAPIC_BASE + 0x300) : "memory");
	for (;;) {
		u32 icr;
		asm volatile("movabsl %P1, %0" : "=a"(icr) : "i"(LAPIC_BASE + 0x300) : "memory");
		if (!(icr & 0x1000))
			break;
		cpu_pause();
	}
}

void lapic_timer_oneshot(u32 vector, u32 count)
{
	asm volatile("movabsl %0, %P1" :: "a"(0x3), "i"(LAPIC_BASE + 0x3e0) : "memory");
	asm volatile("movabsl %0, %P1" :: "a"(vector), "i"(LAPIC_BASE + 0x320) : "memory");
	asm volatile("movabsl %0, %P1" :: "a"(count), "i"(LAPIC_BASE + 0x380) : "memory");
}

u32 ioapic_read_moffs(u8 reg)
{
	u32 v;
	asm volatile("movabsb %0, %P1" :: "a"(reg), "i"(IOAPIC_BASE) : "memory");          /* A2 */
	asm volatile("movabsl %P1, %0" : "=a"(v) : "i"(IOAPIC_BASE + 0x10) : "memory");    /* A1 */
	return v;
}

u64 hpet_wait_moffs(u64 ticks)
{
	u64 start, now;
	asm volatile("movabsq %P1, %0" : "=a"(start) : "i"(HPET_BASE + 0xf0) : "memory");
	do {
		asm volatile("movabsq %P1, %0" : "=a"(now) : "i"(HPET_BASE + 0xf0) : "memory");
	} while (now - start < ticks);
	return now;
}

/* moffs with a segment override (64 A1 / 65 A3) and moffs32 (67 A1). */
u32 fs_moffs_read(void)     { u32 v; asm volatile("movabsl %%fs:0x28, %0" : "=a"(v)); return v; }
u64 gs_moffs_read(void)     { u64 v; asm volatile("movabsq %%gs:0x18, %0" : "=a"(v)); return v; }
void gs_moffs_write(u32 v)  { asm volatile("movabsl %0, %%gs:0x1c" :: "a"(v) : "memory"); }
u8 gs_moffs_read8(void)     { u8 v;  asm volatile("movabsb %%gs:0x7, %0" : "=a"(v)); return v; }
u32 a32_moffs_read(void)    { u32 v; asm volatile("addr32 movl 0xb8000, %0" : "=a"(v)); return v; }
void a32_moffs_write(u16 v) { asm volatile("addr32 movw %0, 0xb8002" :: "a"(v) : "memory"); }

/* VGA text console through moffs and REP STOSW. */
void vga_clear(u16 attr)
{
	void *d = (void *)0xb8000ul;
	uptr n = 80 * 25;
	asm volatile("rep stosw" : "+D"(d), "+c"(n) : "a"((u16)(attr | ' ')) : "memory");
	asm volatile("movabsw %0, %P1" :: "a"((u16)(attr | '>')), "i"(0xb8000ul) : "memory");
}

/* ---- 5. More moffs: a fixed-address byte/word register bank -------- */

/* A legacy-style board controller decoded at a fixed 64-bit address, with
 * byte and word registers: A0 / A2 / 66 A1 / 66 A3. */
#define BOARD 0x000000fe00001000ul
#define BOARD_RD8(name, off)   MOFFS_LD(name, u8,  "b", al, BOARD + (off))
#define BOARD_WR8(name, off)   MOFFS_ST(name, u8,  "b", BOARD + (off))
#define BOARD_RD16(name, off)  MOFFS_LD(name, u16, "w", ax, BOARD + (off))
#define BOARD_WR16(name, off)  MOFFS_ST(name, u16, "w", BOARD + (off))

BOARD_RD8(board_id, 0x00)
BOARD_RD8(board_rev, 0x01)
BOARD_RD8(board_status, 0x02)
BOARD_RD8(board_irq_pending, 0x03)
BOARD_RD8(board_fan_tach, 0x10)
BOARD_RD8(board_gpio_in, 0x20)
BOARD_WR8(board_gpio_out, 0x21)
BOARD_WR8(board_gpio_dir, 0x22)
BOARD_WR8(board_irq_ack, 0x03)
BOARD_WR8(board_led, 0x30)
BOARD_WR8(board_reset, 0xff)
BOARD_RD16(board_temp_raw, 0x40)
BOARD_RD16(board_vcore_mv, 0x42)
BOARD_RD16(board_uptime_s, 0x44)
BOARD_WR16(board_fan_pwm, 0x50)
BOARD_WR16(board_wdt_reload, 0x52)
BOARD_WR16(board_wdt_timeout, 0x54)
BOARD_RD8(board_dip_switch, 0x60)
BOARD_RD8(board_power_state, 0x61)
BOARD_RD8(board_boot_reason, 0x62)
BOARD_RD8(board_sensor_sel, 0x70)
BOARD_WR8(board_sensor_sel_set, 0x70)
BOARD_WR8(board_power_off, 0x61)
BOARD_WR8(board_beep, 0x80)
BOARD_WR8(board_post_code, 0x81)

/* Handle a board interrupt: read pending bits, ack them, blink the LED. */
u8 board_irq(u32 *counters)
{
	u8 pend, led;
	asm volatile("movabsb %P1, %0" : "=a"(pend) : "i"(BOARD + 0x03) : "memory");
	for (u8 m = pend; m; m &= (u8)(m - 1))
		counters[__builtin_ctz(m)]++;
	asm volatile("movabsb %0, %P1" :: "a"(pend), "i"(BOARD + 0x03) : "memory");
	asm volatile("movabsb %P1, %0" : "=a"(led) : "i"(BOARD + 0x30) : "memory");
	asm volatile("movabsb %0, %P1" :: "a"((u8)(led ^ 1)), "i"(BOARD + 0x30) : "memory");
	return pend;
}

/* Kick the watchdog with a 16-bit reload, check the 16-bit counter back. */
int board_wdt_kick(u16 reload)
{
	u16 now;
	asm volatile("movabsw %0, %P1" :: "a"(reload), "i"(BOARD + 0x52) : "memory");
	asm volatile("movabsw %P1, %0" : "=a"(now) : "i"(BOARD + 0x56) : "memory");
	return now <= reload;
}

/* ---- 6. More MOVS: small fixed-size and tail copies ------------------- */

/* 6-byte MAC address: MOVSL + MOVSW. */
void copy_mac(volatile void __iomem *dst, const u8 *mac)
{
	void *d = (void *)dst;
	const void *s = mac;
	movsl1(&d, &s);
	movsw1(&d, &s);
}

/* 7 bytes: MOVSL, MOVSW, MOVSB. */
void copy7(void *dst, const void *src)
{
	movsl1(&dst, &src);
	movsw1(&dst, &src);
	movsb1(&dst, &src);
}

/* 1..15 byte tail with single MOVSB/MOVSQ. */
void copy_tail(void *dst, const void *src, unsigned n)
{
	if (n & 8) movsq1(&dst, &src);
	if (n & 4) movsl1(&dst, &src);
	if (n & 2) movsw1(&dst, &src);
	if (n & 1) movsb1(&dst, &src);
}

/* Byte FIFO: push n bytes one MOVSB at a time (device auto-increments). */
void fifo_push_bytes(volatile void __iomem *fifo, const u8 *src, unsigned n)
{
	void *d = (void *)fifo;
	const void *s = src;
	for (unsigned i = 0; i < n; i++) {
		movsb1(&d, &s);
		d = (void *)fifo;            /* the FIFO is one address */
	}
}

void fifo_pop_words(u16 *dst, const volatile void __iomem *fifo, unsigned n)
{
	void *d = dst;
	for (unsigned i = 0; i < n; i++) {
		const void *s = (const void *)fifo;
		movsw1(&d, &s);
	}
}

/* Unaligned console line copy into a text buffer: REP MOVSB + single MOVSB. */
void console_put_line(volatile void __iomem *vram, const char *line, uptr len)
{
	void *d = (void *)vram;
	const void *s = line;
	if (len > 1) {
		rep_movsb(d, s, len - 1);
		d = (u8 *)d + len - 1;
		s = (const u8 *)s + len - 1;
	}
	if (len)
		movsb1(&d, &s);
}

/* Build a packet header in device memory from three source pieces. */
void build_hdr(volatile void __iomem *tx, const u8 *dmac, const u8 *smac, u16 type)
{
	void *d = (void *)tx;
	const void *s = dmac;
	movsl1(&d, &s); movsw1(&d, &s);
	s = smac;
	movsl1(&d, &s); movsw1(&d, &s);
	s = &type;
	movsb1(&d, &s); movsb1(&d, &s);
}

/* Copy a firmware blob by the largest unit the alignment allows. */
void fw_copy(volatile void __iomem *dst, const void *src, uptr n)
{
	uptr a = ((uptr)dst | (uptr)src | n) & 7;
	if (!a)
		rep_movsq((void *)dst, src, n >> 3);
	else if (!(a & 3))
		rep_movsl((void *)dst, src, n >> 2);
	else if (!(a & 1))
		rep_movsw((void *)dst, src, n >> 1);
	else
		rep_movsb((void *)dst, src, n);
}

/* Read one sensor through the select/data byte pair at a fixed address. */
u8 board_read_sensor(u8 sel)
{
	u8 v;
	asm volatile("movabsb %0, %P1" :: "a"(sel), "i"(BOARD + 0x70) : "memory");
	asm volatile("movabsb %P1, %0" : "=a"(v) : "i"(BOARD + 0x71) : "memory");
	return v;
}

/* Emit a POST code sequence. */
void board_post(const u8 *codes, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		asm volatile("movabsb %0, %P1" :: "a"(codes[i]), "i"(BOARD + 0x81) : "memory");
}
