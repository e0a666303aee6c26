/*
 * mmio_volatile.c - plain C volatile dereferences and atomics.
 *
 * corpus-flags: -O2
 *
 * No asm accessors here (except the bit ops in section 6): the encodings
 * are whatever GCC picks for volatile loads/stores, which is how a lot of
 * firmware and user-space drivers touch device memory.
 */
#include "mmio.h"

#define V8(p)   (*(volatile u8 *)(p))
#define V16(p)  (*(volatile u16 *)(p))
#define V32(p)  (*(volatile u32 *)(p))
#define V64(p)  (*(volatile u64 *)(p))
#define VS8(p)  (*(volatile s8 *)(p))
#define VS16(p) (*(volatile s16 *)(p))
#define VS32(p) (*(volatile s32 *)(p))

/* ---- 1. Store immediate: C6 /0, 66 C7 /0, C7 /0, REX.W C7 /0 ----- */

void vst_imm8(u8 *b)    { V8(b + 0x10) = 0x3c; }
void vst_imm16(u8 *b)   { V16(b + 0x12) = 0x1234; }
void vst_imm32(u8 *b)   { V32(b + 0x14) = 0x89abcdef; }
void vst_imm64(u8 *b)   { V64(b + 0x18) = 0x7fffffff; }     /* sign-extended imm32 */
void vst_imm64n(u8 *b)  { V64(b + 0x20) = -16; }
void vst_zero8(u8 *b)   { V8(b) = 0; }
void vst_zero32(u8 *b)  { V32(b + 0x1000) = 0; }
void vst_zero64(u8 *b)  { V64(b - 8) = 0; }

void vst_imm_indexed(u32 *b, long i)   { V32(&b[i]) = 0x55; V32(&b[i + 1]) = 0xaa; }
void vst_imm8_indexed(u8 *b, long i)   { V8(b + i + 0x300) = 0xff; }
void vst_imm16_indexed(u16 *b, long i) { V16(&b[i]) = 0xfffe; }
void vst_imm64_indexed(u64 *b, long i) { V64(&b[i + 2]) = 1; }

static u32 glob_ctrl;
static u64 glob_seq;
static u16 glob_flags16;
static u8 glob_flag8;

void vst_imm_global(void)   { V32(&glob_ctrl) = 0x101; }   /* C7 05 rel32 imm32 */
void vst_imm64_global(void) { V64(&glob_seq) = 2; }        /* 48 C7 05 rel32 imm32 */
void vst_imm16_global(void) { V16(&glob_flags16) = 0x8000; }
void vst_imm8_global(void)  { V8(&glob_flag8) = 1; }       /* C6 05 rel32 imm8 */

/* A reset sequence of immediates at many offsets (device init). */
void dev_reset_regs(u8 *b)
{
	V32(b + 0x00) = 0;
	V32(b + 0x04) = 0xffffffff;
	V32(b + 0x08) = 0x00010001;
	V16(b + 0x0c) = 0x0200;
	V8(b + 0x0e)  = 0x01;
	V8(b + 0x0f)  = 0x80;
	V64(b + 0x10) = 0;
	V64(b + 0x18) = 0x40;
	V32(b + 0x100) = 3;
	V32(b + 0x104) = 0x80000000;
	V16(b + 0x108) = 0;
	V8(b + 0x10a)  = 0x7f;
	V64(b + 0x110) = -1;
}

/* ---- 2. Zero/sign extension: 0F B6/B7/BE/BF, 63 ------------------- */

u32 vld_zx8_32(u8 *b)    { return V8(b + 1); }          /* 0F B6 47 01 */
u64 vld_zx8_64(u8 *b)    { return V8(b + 0x200); }      /* movzbl, upper half implicit */
u32 vld_zx16_32(u8 *b)   { return V16(b + 2); }         /* 0F B7 47 02 */
u64 vld_zx16_64(u8 *b)   { return V16(b - 2); }
s32 vld_sx8_32(u8 *b)    { return VS8(b + 3); }         /* 0F BE 47 03 */
s64 vld_sx8_64(u8 *b)    { return VS8(b + 4); }         /* 48 0F BE 47 04 */
s32 vld_sx16_32(u8 *b)   { return VS16(b + 6); }        /* 0F BF 47 06 */
s64 vld_sx16_64(u8 *b)   { return VS16(b + 0x406); }    /* 48 0F BF 87 .. */
s64 vld_sx32_64(u8 *b)   { return VS32(b + 8); }        /* 48 63 47 08 */
s64 vld_sx32_64_idx(s32 *b, long i) { return VS32(&b[i]); }   /* 48 63 04 B7 */
u32 vld_zx8_idx(u8 *b, long i)      { return V8(b + i); }
u32 vld_zx16_idx(u16 *b, long i)    { return V16(&b[i + 8]); }
s32 vld_sx8_idx(s8 *b, long i)      { return VS8(&b[i]); }
s32 vld_sx16_idx(s16 *b, long i)    { return VS16(&b[i]); }
u32 vld_zx8_global(void)            { return V8(&glob_flag8); }
s32 vld_sx16_global(void)           { return (s16)V16(&glob_flags16); }
s64 vld_sx32_global(void)           { return (s32)V32(&glob_ctrl); }   /* 48 63 05 rel32 */

/* Many extensions live at once -> high registers with REX.R/REX.B. */
s64 vld_ext_mix(u8 *b, u8 *c)
{
	u32 a0 = V8(b + 0), a1 = V8(c + 1), a2 = V16(b + 2), a3 = V16(c + 4);
	s32 a4 = VS8(b + 6), a5 = VS8(c + 7), a6 = VS16(b + 8), a7 = VS16(c + 10);
	s64 a8 = VS32(b + 12), a9 = VS32(c + 16), a10 = VS8(b + 20), a11 = VS16(c + 22);
	u32 a12 = V8(b + 0x90);
	V32(c + 0x100) = a0 ^ a12;
	V64(c + 0x108) = (u64)(a8 + a9);
	V32(b + 0x100) = a1 + a2 + a3;
	return a4 * a5 + a6 * a7 + a8 * a10 + a9 * a11;
}

/* Signed 32-bit index into a table: MOVSXD feeding SIB. */
u32 vld_table_int_index(const u32 *t, const s32 *idx, int n)
{
	u32 s = 0;
	for (int i = 0; i < n; i++)
		s += V32(&t[idx[i]]);
	return s;
}

/* Narrow stores of wider values: 88 / 66 89 with REX registers. */
void vst_narrow(u8 *b, u64 v)
{
	V8(b + 0)  = (u8)v;
	V8(b + 1)  = (u8)(v >> 8);
	V16(b + 2) = (u16)(v >> 16);
	V32(b + 4) = (u32)(v >> 32);
}

/* ---- 3. Plain loads and stores, all widths ---------------------- */

u8  vld8(u8 *b)  { return V8(b + 0x11); }
u16 vld16(u8 *b) { return V16(b + 0x12); }
u32 vld32(u8 *b) { return V32(b + 0x14); }
u64 vld64(u8 *b) { return V64(b + 0x18); }
void vst8(u8 *b, u8 v)   { V8(b + 0x11) = v; }
void vst16(u8 *b, u16 v) { V16(b + 0x12) = v; }
void vst32(u8 *b, u32 v) { V32(b + 0x14) = v; }
void vst64(u8 *b, u64 v) { V64(b + 0x18) = v; }
void vcopy_reg(u8 *dst, const u8 *src) { V32(dst + 0x40) = V32(src + 0x40); }
void vcopy_byte(u8 *dst, const u8 *src, long i) { V8(dst + i) = V8(src + i); }

/* ---- 4. RMW on ordinary memory: ALU ops with a memory destination -- */

struct dev_stats {
	u64 rx_packets, tx_packets, rx_bytes, tx_bytes;
	u32 errors, drops;
	u16 flags;
	u8 state, pad;
	u32 hist[16];
};

static struct dev_stats gstats;

void stats_rx(struct dev_stats *s, u32 len)
{
	s->rx_packets++;           /* 48 83 07 01 (add) */
	s->rx_bytes += len;        /* 48 01 47 10 */
}

void stats_tx(u32 len)
{
	gstats.tx_packets++;       /* RIP-relative add */
	gstats.tx_bytes += len;
	gstats.hist[len & 15]++;   /* add [rip-rel + idx*4] */
}

void stats_error(struct dev_stats *s, u32 mask)
{
	s->errors |= mask;         /* 09 /r */
	s->drops--;                /* 83 /5 */
	s->flags &= 0xfff0;        /* 66 83 /4 */
	s->state ^= 1;             /* 80 /6 */
}

int stats_test(const struct dev_stats *s)
{
	if (s->flags & 0x100)      /* F6/F7 test with memory */
		return 1;
	if (s->state & 0x80)
		return 2;
	return s->errors != 0;
}

void stats_shift(struct dev_stats *s)
{
	s->hist[0] <<= 1;           /* D1 /4 on memory */
	s->hist[1] >>= 3;
	s->hist[2] = ~s->hist[2];   /* F7 /2 */
	s->hist[3] = -s->hist[3];   /* F7 /3 */
}

/* ---- 5. Atomics: LOCK-prefixed ALU, XADD, XCHG, CMPXCHG ----------- */

void at_or32(u32 *p, u32 m)       { __atomic_fetch_or(p, m, __ATOMIC_RELAXED); }  /* lock or */
void at_and32(u32 *p, u32 m)      { __atomic_fetch_and(p, ~m, __ATOMIC_RELEASE); }
void at_xor64(u64 *p, u64 m)      { __atomic_fetch_xor(p, m, __ATOMIC_SEQ_CST); }
void at_add8(u8 *p)               { __atomic_fetch_add(p, 1, __ATOMIC_RELAXED); }
void at_sub16(u16 *p, u16 v)      { __atomic_fetch_sub(p, v, __ATOMIC_RELAXED); }
void at_inc64(u64 *p)             { __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); }
void at_or_imm(u32 *p)            { __atomic_fetch_or(p, 0x4000, __ATOMIC_SEQ_CST); }
void at_or_global(void)           { __atomic_fetch_or(&glob_ctrl, 2, __ATOMIC_SEQ_CST); }
u32 at_xadd32(u32 *p, u32 v)      { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); } /* lock xadd */
u64 at_xadd64(u64 *p)             { return __atomic_fetch_add(p, 8, __ATOMIC_ACQ_REL); }
u16 at_xadd16(u16 *p)             { return __atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST); }
u8  at_xadd8(u8 *p, u8 v)         { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
u32 at_xchg32(u32 *p, u32 v)      { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); } /* 87 /r */
u64 at_xchg64(u64 *p, u64 v)      { return __atomic_exchange_n(p, v, __ATOMIC_ACQUIRE); }
u8  at_xchg8(u8 *p, u8 v)         { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); } /* 86 /r */
u16 at_xchg16(u16 *p, u16 v)      { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
void at_store_sc32(u32 *p, u32 v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }       /* xchg */
void at_store_sc8(u8 *p)          { __atomic_store_n(p, 1, __ATOMIC_SEQ_CST); }
void at_store_rel64(u64 *p, u64 v){ __atomic_store_n(p, v, __ATOMIC_RELEASE); }        /* plain mov */
u32 at_load_acq(const u32 *p)     { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
int at_tas(u8 *p)                 { return __atomic_test_and_set(p, __ATOMIC_ACQUIRE); }
void at_clear(u8 *p)              { __atomic_clear(p, __ATOMIC_RELEASE); }

int at_cas32(u32 *p, u32 old, u32 new_)
{
	return __atomic_compare_exchange_n(p, &old, new_, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); /* lock cmpxchg */
}

u64 at_cas64_val(u64 *p, u64 old, u64 new_)
{
	__atomic_compare_exchange_n(p, &old, new_, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return old;
}

int at_cas8(u8 *p, u8 old, u8 new_)
{
	return __atomic_compare_exchange_n(p, &old, new_, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int at_cas16(u16 *p, u16 old, u16 new_)
{
	return __atomic_compare_exchange_n(p, &old, new_, 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* CAS loop computing a maximum: cmpxchg in a loop. */
u32 at_fetch_max(u32 *p, u32 v)
{
	u32 cur = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (cur < v && !__atomic_compare_exchange_n(p, &cur, v, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
	return cur;
}

/* Bit test-and-set via fetch_or on one bit: GCC emits LOCK BTS. */
int at_test_set_bit(u64 *p, unsigned nr)
{
	u64 m = 1ull << (nr & 63);
	return (__atomic_fetch_or(p, m, __ATOMIC_SEQ_CST) & m) != 0;
}

int at_test_clear_bit(u32 *p, unsigned nr)
{
	u32 m = 1u << (nr & 31);
	return (__atomic_fetch_and(p, ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

/* Ticket spinlock: lock xadd + spin on a volatile load. */
struct ticket_lock { u16 head, tail; };

void ticket_lock(struct ticket_lock *l)
{
	u16 me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
		cpu_pause();
}

void ticket_unlock(struct ticket_lock *l)
{
	__atomic_add_fetch(&l->head, 1, __ATOMIC_RELEASE);
}

/* Reference count with dec-and-test: lock sub + setcc/jcc. */
int refcount_put(u32 *rc)
{
	return __atomic_sub_fetch(rc, 1, __ATOMIC_ACQ_REL) == 0;
}

/* ---- 6. Kernel-style bit ops on memory through asm ------------- */

static inline void set_bit_locked(long nr, volatile unsigned long *addr)
{
	asm volatile("lock btsq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");   /* F0 48 0F AB */
}

static inline void clear_bit_locked(long nr, volatile unsigned long *addr)
{
	asm volatile("lock btrq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");   /* F0 48 0F B3 */
}

static inline int test_bit_mem(long nr, const volatile unsigned long *addr)
{
	unsigned char c;
	asm volatile("btq %2, %1\n\tsetc %0" : "=qm"(c) : "m"(*addr), "Ir"(nr));
	return c;
}

static inline void or_byte_locked(volatile u8 *p, u8 m)
{
	asm volatile("lock orb %1, %0" : "+m"(*p) : "iq"(m) : "memory");        /* F0 80 /1 or F0 08 */
}

static inline void and_byte_locked(volatile u8 *p, u8 m)
{
	asm volatile("lock andb %1, %0" : "+m"(*p) : "iq"(m) : "memory");
}

void bits_set_var(volatile unsigned long *map, long nr)   { set_bit_locked(nr, map); }
void bits_set_const(volatile unsigned long *map)          { set_bit_locked(17, map); }  /* BA /5 ib */
void bits_clear_var(volatile unsigned long *map, long nr) { clear_bit_locked(nr, map); }
int  bits_test(const volatile unsigned long *map, long nr){ return test_bit_mem(nr, map); }
void bits_or_byte(volatile u8 *p)                         { or_byte_locked(p + 5, 0x40); }
void bits_and_byte_reg(volatile u8 *p, u8 m)              { and_byte_locked(p + 0x81, m); }

/* Device register updated with locked RMW and an RMW-ALU asm form. */
static inline void mmio_or32(volatile void *addr, u32 m)
{
	asm volatile("orl %1, %0" : "+m"(*(volatile u32 *)addr) : "ir"(m) : "memory");   /* 09 / 81 /1 */
}

static inline void mmio_and32(volatile void *addr, u32 m)
{
	asm volatile("andl %1, %0" : "+m"(*(volatile u32 *)addr) : "ir"(m) : "memory");
}

static inline void mmio_add64(volatile void *addr, u64 v)
{
	asm volatile("addq %1, %0" : "+m"(*(volatile u64 *)addr) : "er"(v) : "memory");
}

static inline int mmio_test32(volatile void *addr, u32 m)
{
	u8 nz;
	asm volatile("testl %2, %1\n\tsetnz %0" : "=q"(nz) : "m"(*(volatile u32 *)addr), "ir"(m));
	return nz;
}

static inline u32 mmio_xchg32(volatile void *addr, u32 v)
{
	asm volatile("xchgl %0, %1" : "+r"(v), "+m"(*(volatile u32 *)addr) :: "memory");
	return v;
}

static inline u32 mmio_cmpxchg32(volatile void *addr, u32 old, u32 new_)
{
	asm volatile("lock cmpxchgl %2, %1" : "+a"(old), "+m"(*(volatile u32 *)addr) : "r"(new_) : "memory");
	return old;
}

void rmw_enable(u8 *b)                 { mmio_or32(b + 0x04, 0x1); }
void rmw_enable_reg(u8 *b, u32 m)      { mmio_or32(b + 0x104, m); }
void rmw_disable(u8 *b)                { mmio_and32(b + 0x04, ~0x1u); }
void rmw_counter(u8 *b, u64 v)         { mmio_add64(b + 0x48, v); }
void rmw_counter_imm(u8 *b)            { mmio_add64(b + 0x200, 64); }
int  rmw_is_ready(u8 *b)               { return mmio_test32(b + 0x0c, 0x80000000u); }
int  rmw_is_ready_reg(u8 *b, u32 m)    { return mmio_test32(b + 0x0c, m); }
u32  rmw_swap(u8 *b, u32 v)            { return mmio_xchg32(b + 0x20, v); }
u32  rmw_claim(u8 *b, u32 owner)       { return mmio_cmpxchg32(b + 0x24, 0, owner); }
u32  rmw_claim_idx(u32 *b, long i, u32 o) { return mmio_cmpxchg32(&b[i], 0, o); }

/* 16-byte compare-exchange (0F C7 /1 with REX.W). */
int cas128(volatile u64 *p, u64 *expect, u64 lo, u64 hi)
{
	u8 ok;
	asm volatile("lock cmpxchg16b %1\n\tsete %0"
		     : "=q"(ok), "+m"(*(volatile u64(*)[2])p), "+a"(expect[0]), "+d"(expect[1])
		     : "b"(lo), "c"(hi) : "memory");
	return ok;
}

/* ---- 7. Volatile descriptor ring: loads/stores with SIB ---------- */

struct desc { u64 addr; u32 len; u16 flags; u8 status; u8 cso; };

int ring_reap(struct desc *ring, unsigned *head, unsigned mask, u64 *done)
{
	int n = 0;
	unsigned h = *head;
	for (;;) {
		struct desc *d = &ring[h & mask];
		u8 st = V8(&d->status);
		if (!(st & 1))
			break;
		done[n++] = V64(&d->addr) + V32(&d->len);
		V16(&d->flags) = 0;
		V8(&d->status) = 0;
		h++;
	}
	*head = h;
	return n;
}

void ring_post(struct desc *ring, unsigned idx, u64 addr, u32 len, u16 flags)
{
	struct desc *d = &ring[idx];
	V64(&d->addr) = addr;
	V32(&d->len) = len;
	V8(&d->cso) = 0;
	V8(&d->status) = 0;
	V16(&d->flags) = flags | 0x8000;
}

/* ---- 8. Signed sensor registers: MOVSX/MOVSXD into 32/64-bit ------- */

/* A toy hardware monitor: signed 8-bit offsets, signed 16-bit readings
 * (1/256 degree), signed 32-bit accumulated power, all volatile. */
struct hwmon_regs {
	s16 temp[8];       /* 0x00 */
	s8  trim[8];       /* 0x10 */
	s32 power[4];      /* 0x18 */
	s16 volt[6];       /* 0x28 */
	s8  fan_adj[4];    /* 0x34 */
	s32 energy_lo;     /* 0x38 */
	s32 energy_hi;     /* 0x3c */
};

s64 hwmon_temp_milli(volatile struct hwmon_regs *r, unsigned ch)
{
	s64 t = r->temp[ch & 7];                 /* MOVSX r64, m16 with SIB */
	s64 trim = r->trim[ch & 7];              /* MOVSX r64, m8 */
	return ((t + trim) * 1000) >> 8;
}

s64 hwmon_all_temps(volatile struct hwmon_regs *r)
{
	s64 t0 = r->temp[0], t1 = r->temp[1], t2 = r->temp[2], t3 = r->temp[3];
	s64 t4 = r->temp[4], t5 = r->temp[5], t6 = r->temp[6], t7 = r->temp[7];
	s64 o0 = r->trim[0], o1 = r->trim[1], o2 = r->trim[2], o3 = r->trim[3];
	s64 o4 = r->trim[4], o5 = r->trim[5], o6 = r->trim[6], o7 = r->trim[7];
	s64 hi = t0 + o0;
	hi = hi > t1 + o1 ? hi : t1 + o1;
	hi = hi > t2 + o2 ? hi : t2 + o2;
	hi = hi > t3 + o3 ? hi : t3 + o3;
	hi = hi > t4 + o4 ? hi : t4 + o4;
	hi = hi > t5 + o5 ? hi : t5 + o5;
	hi = hi > t6 + o6 ? hi : t6 + o6;
	hi = hi > t7 + o7 ? hi : t7 + o7;
	return hi;
}

s64 hwmon_power_total(volatile struct hwmon_regs *r)
{
	return (s64)r->power[0] + r->power[1] + r->power[2] + r->power[3];   /* MOVSXD x4 */
}

s64 hwmon_energy(volatile struct hwmon_regs *r)
{
	s64 lo = r->energy_lo, hi = r->energy_hi;
	return (hi << 32) + lo;
}

int hwmon_volt_avg(volatile struct hwmon_regs *r)
{
	int s = 0;
	for (int i = 0; i < 6; i++)
		s += r->volt[i];                          /* MOVSX r32, m16 */
	return s / 6;
}

int hwmon_fan_adjust(volatile struct hwmon_regs *r, int base)
{
	return base + r->fan_adj[0] * 4 + r->fan_adj[1] * 2 + r->fan_adj[2] - r->fan_adj[3];   /* MOVSX r32, m8 */
}

s64 hwmon_weighted(volatile struct hwmon_regs *r, const s32 *w)
{
	s64 acc = 0;
	for (int i = 0; i < 4; i++)
		acc += (s64)r->power[i] * w[i] + (s64)r->volt[i] * r->trim[i];
	return acc;
}

/* Signed sample FIFO: a ring of s16 samples with a signed s32 index. */
s64 fifo_sum_signed(volatile s16 *fifo, const s32 *order, int n)
{
	s64 s = 0;
	for (int i = 0; i < n; i++)
		s += fifo[order[i]];                      /* MOVSXD index, MOVSX r64 m16 */
	return s;
}

s32 fifo_peak8(volatile s8 *fifo, long n)
{
	s32 peak = -128;
	for (long i = 0; i < n; i++) {
		s32 v = fifo[i];
		if (v > peak)
			peak = v;
	}
	return peak;
}

/* Relative offsets stored as s32 in a table: MOVSXD + add (switch-table style). */
const u8 *reloc_apply(const u8 *base, volatile s32 *rel, unsigned i)
{
	return base + rel[i];
}

s64 sx_mix_globals(void)
{
	static volatile s8 g8 = -3;
	static volatile s16 g16 = -300;
	static volatile s32 g32 = -70000;
	return (s64)g8 * g16 + g32;                   /* RIP-relative MOVSX/MOVSXD */
}
