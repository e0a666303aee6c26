/*
 * percpu_seg.c - per-CPU data through GS and thread-local data through FS.
 *
 * corpus-flags: -O2 -fno-pic -mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables
 *
 * Uses GCC's __seg_gs / __seg_fs named address spaces, so the compiler
 * itself emits the 65/64 segment-override prefixes on ordinary MOV, ALU,
 * CMPXCHG and MOVZX/MOVSX instructions. A per-CPU variable is addressed
 * by its offset inside the per-CPU area (absolute disp32 under
 * -mcmodel=kernel, i.e. GS:[disp32] via a SIB byte with no base).
 */
#include "mmio.h"

#define PCPU(type, off)  (*(volatile __seg_gs type *)(uptr)(off))
#define TLS(type, off)   (*(volatile __seg_fs type *)(uptr)(off))

/* Layout of our toy per-CPU area. */
struct pcpu_area {
	u64 self;
	u64 current_task;
	u32 cpu_number;
	u32 preempt_count;
	u64 irq_stack;
	u64 kernel_sp;
	u64 user_sp;
	u64 irq_count;
	u8  in_nmi;
	u8  need_resched;
	u16 softirq_pending;
	u32 tlb_gen;
	u64 stats[16];
	u32 vector_irq[256];
};

#define OFF(f) __builtin_offsetof(struct pcpu_area, f)

/* Extern per-CPU variables declared in the GS address space directly:
 * these are GS:[sym] (absolute/rip-relative relocations). */
extern __seg_gs u64 pcpu_hot_counter;
extern __seg_gs u32 pcpu_flags;
extern __seg_gs u8 pcpu_cpu_online;
extern __seg_gs struct pcpu_area pcpu_area_sym;

/* ---- loads: 65 8B / 65 0F B6 / 65 48 63 ----------------------------- */

u32 smp_processor_id(void)     { return PCPU(u32, OFF(cpu_number)); }      /* 65 8B 04 25 disp32 */
u64 get_current(void)          { return PCPU(u64, OFF(current_task)); }    /* 65 48 8B 04 25 .. */
u8  in_nmi(void)               { return PCPU(u8, OFF(in_nmi)); }            /* 65 0F B6 / 65 8A */
u16 softirq_pending(void)      { return PCPU(u16, OFF(softirq_pending)); }
s64 preempt_count_sx(void)     { return (s32)PCPU(u32, OFF(preempt_count)); }   /* 65 48 63 */
s32 nmi_flag_sx(void)          { return (s8)PCPU(u8, OFF(in_nmi)); }            /* 65 0F BE */
u32 vector_to_irq(u8 v)        { return PCPU(u32, OFF(vector_irq) + 4 * (uptr)v); }  /* 65 8B 04 85 */
u64 pcpu_stat(unsigned i)      { return PCPU(u64, OFF(stats) + 8 * (uptr)i); }
u64 hot_counter(void)          { return pcpu_hot_counter; }
u32 hot_flags(void)            { return pcpu_flags; }
u8  cpu_online(void)           { return pcpu_cpu_online; }
u64 area_self(void)            { return pcpu_area_sym.self; }

/* ---- stores: 65 89 / 65 C7 / 65 C6 / 65 88 ------------------------ */

void set_current(u64 t)        { PCPU(u64, OFF(current_task)) = t; }
void set_need_resched(void)    { PCPU(u8, OFF(need_resched)) = 1; }       /* 65 C6 04 25 .. 01 */
void clear_need_resched(void)  { PCPU(u8, OFF(need_resched)) = 0; }
void set_in_nmi(u8 v)          { PCPU(u8, OFF(in_nmi)) = v; }             /* 65 40 88 3C 25 */
void set_tlb_gen(u32 g)        { PCPU(u32, OFF(tlb_gen)) = g; }
void reset_irq_count(void)     { PCPU(u64, OFF(irq_count)) = 0; }         /* 65 48 C7 04 25 */
void set_softirq(u16 m)        { PCPU(u16, OFF(softirq_pending)) = m; }   /* 65 66 89 or 66 65 89 */
void set_softirq_imm(void)     { PCPU(u16, OFF(softirq_pending)) = 0x80; }
void map_vector(u8 v, u32 irq) { PCPU(u32, OFF(vector_irq) + 4 * (uptr)v) = irq; }
void hot_counter_set(u64 v)    { pcpu_hot_counter = v; }
void hot_flags_set_imm(void)   { pcpu_flags = 0x11; }

/* ---- RMW on per-CPU data (non-volatile so GCC may fold into ALU ops) -- */

#define PCPU_NV(type, off) (*(__seg_gs type *)(uptr)(off))

void preempt_disable(void)     { PCPU_NV(u32, OFF(preempt_count))++; }       /* 65 83 04 25 .. 01 */
void preempt_enable_no_resched(void) { PCPU_NV(u32, OFF(preempt_count))--; }
void irq_enter_count(void)     { PCPU_NV(u64, OFF(irq_count)) += 1; }
void stat_add(unsigned i, u64 v) { PCPU_NV(u64, OFF(stats) + 8 * (uptr)i) += v; }  /* 65 48 01 04 C5 */
void flags_or(u32 m)           { pcpu_flags |= m; }
void flags_and_imm(void)       { pcpu_flags &= ~0x10u; }
void softirq_raise(unsigned nr){ PCPU_NV(u16, OFF(softirq_pending)) |= (u16)(1u << nr); }
void hot_counter_inc(void)     { pcpu_hot_counter++; }

int preempt_enable_check(void)
{
	if (--PCPU_NV(u32, OFF(preempt_count)) == 0 && PCPU_NV(u8, OFF(need_resched)))
		return 1;                  /* caller should reschedule */
	return 0;
}

/* this_cpu_cmpxchg-style: CMPXCHG with a GS operand (no LOCK needed). */
u64 this_cpu_cmpxchg64(uptr off, u64 old, u64 new_)
{
	asm volatile("cmpxchgq %2, %%gs:%1"
		     : "+a"(old), "+m"(*(u64 *)off) : "r"(new_) : "memory");
	return old;
}

u32 this_cpu_xchg32(uptr off, u32 v)
{
	asm volatile("xchgl %0, %%gs:%1" : "+r"(v), "+m"(*(u32 *)off) :: "memory");
	return v;
}

u64 this_cpu_xadd(uptr off, u64 v)
{
	asm volatile("xaddq %0, %%gs:%1" : "+r"(v), "+m"(*(u64 *)off) :: "memory");
	return v;
}

void this_cpu_inc_asm(void)
{
	asm volatile("incq %%gs:%c0" :: "i"(OFF(irq_count)) : "memory");   /* 65 48 FF 04 25 */
}

u8 this_cpu_read_byte_asm(void)
{
	u8 v;
	asm volatile("movb %%gs:%c1, %0" : "=q"(v) : "i"(OFF(need_resched)));   /* 65 8A 04 25 */
	return v;
}

/* Per-CPU pointer read, then ordinary pointer use. */
u32 current_task_field(uptr field_off)
{
	u64 task = PCPU(u64, OFF(current_task));
	return *(volatile u32 *)(task + field_off);
}

/* Stack switch bookkeeping: several GS loads/stores in sequence. */
u64 enter_irq_stack(u64 sp)
{
	u64 old = PCPU(u64, OFF(kernel_sp));
	PCPU(u64, OFF(user_sp)) = sp;
	PCPU(u64, OFF(kernel_sp)) = PCPU(u64, OFF(irq_stack));
	PCPU_NV(u64, OFF(irq_count))++;
	return old;
}

/* Sum per-CPU statistics (GS with index register). */
u64 stats_sum(void)
{
	u64 s = 0;
	for (uptr i = 0; i < 16; i++)
		s += PCPU(u64, OFF(stats) + 8 * i);
	return s;
}

/* GS-relative through a register pointer (mod=00 rm=reg). */
u32 gs_read_ptr(uptr off)      { return PCPU(u32, off); }                    /* 65 8B 07 */
void gs_write_ptr(uptr off, u32 v) { PCPU(u32, off) = v; }
u8  gs_read_ptr_b(uptr off)    { return PCPU(u8, off + 3); }
void gs_write_ptr_q(uptr off, u64 v) { PCPU(u64, off + 0x100) = v; }
void gs_write_ptr_imm(uptr off){ PCPU(u32, off + 8) = 0xabcd; }

/* ---- FS: thread-local data, stack protector style ------------------- */

u64 tls_canary(void)           { return TLS(u64, 0x28); }                   /* 64 48 8B 04 25 28 00 00 00 */
u64 tls_self(void)             { return TLS(u64, 0x0); }
u32 tls_errno(void)            { return TLS(u32, 0x40); }
void tls_set_errno(u32 e)      { TLS(u32, 0x40) = e; }
void tls_set_errno_imm(void)   { TLS(u32, 0x40) = 22; }                     /* 64 C7 04 25 .. */
u8  tls_flag(void)             { return TLS(u8, 0x48); }
void tls_flag_set(u8 v)        { TLS(u8, 0x48) = v; }
s64 tls_sx(void)               { return (s16)TLS(u16, 0x4a); }              /* 64 48 0F BF */
u64 tls_slot(unsigned i)       { return TLS(u64, 0x100 + 8 * (uptr)i); }
void tls_slot_set(unsigned i, u64 v) { TLS(u64, 0x100 + 8 * (uptr)i) = v; }
void tls_count(void)           { (*(__seg_fs u32 *)0x50)++; }

int check_canary(u64 saved)
{
	return saved == TLS(u64, 0x28) ? 0 : -1;   /* cmp with FS memory operand */
}

/* Many per-CPU values live at once, then written back: high registers
 * with GS overrides and REX prefixes together. */
void pcpu_snapshot(u64 *out)
{
	u64 a = PCPU(u64, OFF(self)), b = PCPU(u64, OFF(current_task));
	u32 c = PCPU(u32, OFF(cpu_number)), d = PCPU(u32, OFF(preempt_count));
	u64 e = PCPU(u64, OFF(irq_stack)), f = PCPU(u64, OFF(kernel_sp));
	u64 g = PCPU(u64, OFF(user_sp)), h = PCPU(u64, OFF(irq_count));
	u8 i = PCPU(u8, OFF(in_nmi)), j = PCPU(u8, OFF(need_resched));
	u16 k = PCPU(u16, OFF(softirq_pending));
	u32 l = PCPU(u32, OFF(tlb_gen));
	PCPU(u64, OFF(stats) + 0) = h;
	PCPU(u64, OFF(stats) + 8) = g;
	PCPU(u8, OFF(need_resched)) = i;
	PCPU(u8, OFF(in_nmi)) = j;
	out[0] = a; out[1] = b; out[2] = c; out[3] = d; out[4] = e;
	out[5] = f; out[6] = k; out[7] = l;
}
