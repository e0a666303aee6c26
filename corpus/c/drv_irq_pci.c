/*
 * drv_irq_pci.c - interrupt controllers, MSI-X and PCI config space.
 *
 * corpus-flags: -O2 -fno-pic -mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables
 *
 * Toy driver code written for the corpus: an IOAPIC-style index/data
 * register pair, an MSI-X table with per-vector masking, PCI ECAM config
 * accessors (switch on access size), an HPET-style timer block, a
 * register block updated through C bitfields, and x2APIC MSRs.
 */
#include "mmio.h"

/* ---- IOAPIC: select register at +0x00, window at +0x10 ------------- */

struct ioapic {
	volatile u8 __iomem *base;
	u32 gsi_base;
	u8 nr_pins;
	u8 id;
	u16 lock;
};

static inline u32 ioapic_read(struct ioapic *io, u32 reg)
{
	mmio_write32(reg, io->base);
	return mmio_read32(io->base + 0x10);
}

static inline void ioapic_write(struct ioapic *io, u32 reg, u32 v)
{
	mmio_write32(reg, io->base);
	mmio_write32(v, io->base + 0x10);
}

u32 ioapic_get_version(struct ioapic *io) { return ioapic_read(io, 1); }

void ioapic_probe(struct ioapic *io)
{
	u32 ver = ioapic_read(io, 1);
	io->nr_pins = (u8)(((ver >> 16) & 0xff) + 1);
	io->id = (u8)(ioapic_read(io, 0) >> 24);
}

u64 ioapic_read_rte(struct ioapic *io, unsigned pin)
{
	u32 lo = ioapic_read(io, 0x10 + 2 * pin);
	u32 hi = ioapic_read(io, 0x11 + 2 * pin);
	return ((u64)hi << 32) | lo;
}

void ioapic_write_rte(struct ioapic *io, unsigned pin, u64 rte)
{
	/* mask first, write high, then low (which may unmask) */
	ioapic_write(io, 0x10 + 2 * pin, 1u << 16);
	ioapic_write(io, 0x11 + 2 * pin, (u32)(rte >> 32));
	ioapic_write(io, 0x10 + 2 * pin, (u32)rte);
}

void ioapic_set_mask(struct ioapic *io, unsigned pin, int masked)
{
	u32 lo = ioapic_read(io, 0x10 + 2 * pin);
	if (masked)
		lo |= 1u << 16;
	else
		lo &= ~(1u << 16);
	ioapic_write(io, 0x10 + 2 * pin, lo);
}

void ioapic_route(struct ioapic *io, unsigned pin, u8 vector, u32 dest, int level, int low_active)
{
	u32 lo = vector | (level ? 1u << 15 : 0) | (low_active ? 1u << 13 : 0);
	ioapic_write(io, 0x11 + 2 * pin, dest << 24);
	ioapic_write(io, 0x10 + 2 * pin, lo);
}

void ioapic_mask_all(struct ioapic *io)
{
	for (unsigned pin = 0; pin < io->nr_pins; pin++)
		ioapic_write(io, 0x10 + 2 * pin, 1u << 16);
}

/* EOI register (version 0x20+) */
void ioapic_eoi(struct ioapic *io, u8 vector) { mmio_write32(vector, io->base + 0x40); }

/* ---- MSI-X ---------------------------------------------------------- */

#define MSIX_ENTRY_SIZE   16
#define MSIX_ADDR_LO      0
#define MSIX_ADDR_HI      4
#define MSIX_DATA         8
#define MSIX_VECTOR_CTRL  12

struct msix_dev {
	volatile u8 __iomem *table;
	volatile u8 __iomem *pba;
	u16 nvec;
	u16 enabled;
	u32 masked_cache[64];
};

void msix_write_msg(struct msix_dev *d, unsigned n, u64 addr, u32 data)
{
	volatile u8 __iomem *e = d->table + n * MSIX_ENTRY_SIZE;
	mmio_write32((u32)addr, e + MSIX_ADDR_LO);
	mmio_write32((u32)(addr >> 32), e + MSIX_ADDR_HI);
	mmio_write32(data, e + MSIX_DATA);
}

void msix_mask(struct msix_dev *d, unsigned n)
{
	volatile u8 __iomem *e = d->table + n * MSIX_ENTRY_SIZE;
	u32 ctrl = d->masked_cache[n] | 1;
	d->masked_cache[n] = ctrl;
	mmio_write32(ctrl, e + MSIX_VECTOR_CTRL);
	(void)mmio_read32(e + MSIX_VECTOR_CTRL);    /* flush posted write */
}

void msix_unmask(struct msix_dev *d, unsigned n)
{
	volatile u8 __iomem *e = d->table + n * MSIX_ENTRY_SIZE;
	u32 ctrl = d->masked_cache[n] & ~1u;
	d->masked_cache[n] = ctrl;
	mmio_write32(ctrl, e + MSIX_VECTOR_CTRL);
}

/* Program every vector to target an x86 LAPIC id, fixed delivery. */
void msix_setup_all(struct msix_dev *d, const u8 *vectors, const u8 *apic_ids)
{
	for (unsigned n = 0; n < d->nvec; n++) {
		volatile u8 __iomem *e = d->table + n * MSIX_ENTRY_SIZE;
		u64 addr = 0xfee00000ull | ((u32)apic_ids[n] << 12);
		mmio_write32(1, e + MSIX_VECTOR_CTRL);
		mmio_write32((u32)addr, e + MSIX_ADDR_LO);
		mmio_write32(0, e + MSIX_ADDR_HI);
		mmio_write32(vectors[n], e + MSIX_DATA);
		mmio_write32(0, e + MSIX_VECTOR_CTRL);
		d->masked_cache[n & 63] = 0;
	}
	d->enabled = 1;
}

/* Scan the pending-bit array, one 64-bit word at a time. */
int msix_first_pending(struct msix_dev *d)
{
	unsigned words = (d->nvec + 63) / 64;
	for (unsigned w = 0; w < words; w++) {
		u64 bits = mmio_read64(d->pba + 8 * w);
		if (bits)
			return (int)(w * 64 + __builtin_ctzll(bits));
	}
	return -1;
}

u32 msix_read_data(struct msix_dev *d, unsigned n)
{
	return mmio_read32(d->table + n * MSIX_ENTRY_SIZE + MSIX_DATA);
}

/* ---- PCI ECAM config space ------------------------------------------ */

static volatile u8 __iomem *ecam_base;

static inline volatile u8 __iomem *ecam_addr(u8 bus, u8 dev, u8 fn, u16 off)
{
	return ecam_base + (((u32)bus << 20) | ((u32)(dev & 31) << 15) | ((u32)(fn & 7) << 12) | (off & 0xfff));
}

void pci_set_ecam(volatile u8 __iomem *b) { ecam_base = b; }

int pci_cfg_read(u8 bus, u8 dev, u8 fn, u16 off, int size, u32 *val)
{
	volatile u8 __iomem *a = ecam_addr(bus, dev, fn, off);
	switch (size) {
	case 1: *val = mmio_read8(a); return 0;
	case 2: *val = mmio_read16(a); return 0;
	case 4: *val = mmio_read32(a); return 0;
	default: *val = ~0u; return -22;
	}
}

int pci_cfg_write(u8 bus, u8 dev, u8 fn, u16 off, int size, u32 val)
{
	volatile u8 __iomem *a = ecam_addr(bus, dev, fn, off);
	switch (size) {
	case 1: mmio_write8((u8)val, a); return 0;
	case 2: mmio_write16((u16)val, a); return 0;
	case 4: mmio_write32(val, a); return 0;
	default: return -22;
	}
}

/* Walk the capability list looking for a capability id. */
u8 pci_find_cap(u8 bus, u8 dev, u8 fn, u8 id)
{
	volatile u8 __iomem *cfg = ecam_addr(bus, dev, fn, 0);
	if (!(mmio_read16(cfg + 0x06) & 0x10))
		return 0;
	u8 pos = mmio_read8(cfg + 0x34) & 0xfc;
	for (int ttl = 48; pos && ttl; ttl--) {
		u8 cap = mmio_read8(cfg + pos);
		if (cap == id)
			return pos;
		pos = mmio_read8(cfg + pos + 1) & 0xfc;
	}
	return 0;
}

/* Size a 64-bit BAR: write all ones, read back, restore. */
u64 pci_bar_size(u8 bus, u8 dev, u8 fn, int bar)
{
	volatile u8 __iomem *cfg = ecam_addr(bus, dev, fn, 0);
	volatile u8 __iomem *lo = cfg + 0x10 + 4 * bar, *hi = lo + 4;
	u16 cmd = mmio_read16(cfg + 0x04);
	mmio_write16(cmd & ~0x3, cfg + 0x04);            /* decode off */
	u32 olo = mmio_read32(lo), ohi = mmio_read32(hi);
	mmio_write32(~0u, lo);
	mmio_write32(~0u, hi);
	u64 sz = ((u64)mmio_read32(hi) << 32) | (mmio_read32(lo) & ~0xfu);
	mmio_write32(olo, lo);
	mmio_write32(ohi, hi);
	mmio_write16(cmd, cfg + 0x04);
	return ~sz + 1;
}

/* Enumerate functions on bus 0; vendor id 0xffff = absent. */
unsigned pci_scan_bus(u8 bus, u32 *ids, unsigned max)
{
	unsigned n = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			volatile u8 __iomem *cfg = ecam_addr(bus, (u8)dev, (u8)fn, 0);
			u32 id = mmio_read32(cfg);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			if (n < max)
				ids[n] = id;
			n++;
			if (fn == 0 && !(mmio_read8(cfg + 0x0e) & 0x80))
				break;              /* single-function device */
		}
	}
	return n;
}

/* Enable MSI-X in the capability's message control word. */
void pci_msix_enable(u8 bus, u8 dev, u8 fn, u8 cap)
{
	volatile u8 __iomem *cfg = ecam_addr(bus, dev, fn, 0);
	u16 ctl = mmio_read16(cfg + cap + 2);
	mmio_write16(ctl | 0x8000 | 0x4000, cfg + cap + 2);    /* enable + function mask */
	mmio_write16((ctl | 0x8000) & ~0x4000, cfg + cap + 2);
}

/* ---- HPET-style timer block ------------------------------------------ */

struct hpet { volatile u8 __iomem *base; u32 period_fs; u8 ntimers; };

void hpet_init(struct hpet *h)
{
	u64 cap = mmio_read64(h->base);
	h->period_fs = (u32)(cap >> 32);
	h->ntimers = (u8)(((cap >> 8) & 0x1f) + 1);
	mmio_write64(0, h->base + 0xf0);
	mmio_write64(mmio_read64(h->base + 0x10) | 1, h->base + 0x10);
}

void hpet_arm(struct hpet *h, unsigned t, u64 delta, int periodic)
{
	volatile u8 __iomem *tb = h->base + 0x100 + 0x20 * t;
	u64 cfg = mmio_read64(tb);
	cfg |= (1u << 2) | (periodic ? (1u << 3) | (1u << 6) : 0);
	mmio_write64(cfg, tb);
	mmio_write64(mmio_read64(h->base + 0xf0) + delta, tb + 8);
	if (periodic)
		mmio_write64(delta, tb + 8);
}

u64 hpet_ns(struct hpet *h)
{
	return mmio_read64(h->base + 0xf0) * h->period_fs / 1000000;
}

void hpet_ack(struct hpet *h, u32 mask) { mmio_write64(mask, h->base + 0x20); }

/* ---- A register block with bitfield-typed registers ------------------- */

union clk_ctrl {
	u32 raw;
	struct {
		u32 enable   : 1;
		u32 src      : 3;
		u32 div      : 8;
		u32 gate     : 4;
		u32 rsvd     : 12;
		u32 busy     : 1;
		u32 lock     : 1;
		u32 err      : 2;
	};
};

union dma_ctrl {
	u64 raw;
	struct {
		u64 run      : 1;
		u64 burst    : 4;
		u64 prio     : 3;
		u64 chan     : 8;
		u64 len      : 24;
		u64 irq_en   : 1;
		u64 rsvd     : 23;
	};
};

struct clk_regs {
	u32 ctrl[8];        /* union clk_ctrl, one per clock */
	u32 status;
	u32 rsvd[7];
	u64 dma[4];         /* union dma_ctrl */
};

void clk_set_div(volatile struct clk_regs __iomem *r, unsigned n, u8 div)
{
	union clk_ctrl c;
	c.raw = mmio_read32(&r->ctrl[n]);
	c.div = div;
	c.enable = 1;
	mmio_write32(c.raw, &r->ctrl[n]);
}

void clk_select(volatile struct clk_regs __iomem *r, unsigned n, unsigned src, unsigned gate)
{
	union clk_ctrl c;
	c.raw = mmio_read32(&r->ctrl[n]);
	c.enable = 0;
	mmio_write32(c.raw, &r->ctrl[n]);
	c.src = src;
	c.gate = gate;
	mmio_write32(c.raw, &r->ctrl[n]);
	c.enable = 1;
	mmio_write32(c.raw, &r->ctrl[n]);
}

int clk_wait_lock(volatile struct clk_regs __iomem *r, unsigned n)
{
	union clk_ctrl c;
	for (int i = 0; i < 10000; i++) {
		c.raw = mmio_read32(&r->ctrl[n]);
		if (c.err)
			return -(int)c.err;
		if (c.lock && !c.busy)
			return 0;
		cpu_pause();
	}
	return -110;
}

void dma_start(volatile struct clk_regs __iomem *r, unsigned ch, u32 len, unsigned burst, unsigned prio)
{
	union dma_ctrl d;
	d.raw = mmio_read64(&r->dma[ch & 3]);
	d.len = len;
	d.burst = burst;
	d.prio = prio;
	d.chan = ch;
	d.irq_en = 1;
	d.run = 1;
	mmio_write64(d.raw, &r->dma[ch & 3]);
}

u32 dma_remaining(volatile struct clk_regs __iomem *r, unsigned ch)
{
	union dma_ctrl d;
	d.raw = mmio_read64(&r->dma[ch & 3]);
	return d.run ? (u32)d.len : 0;
}

/* ---- x2APIC through MSRs (RDMSR 0F 32 / WRMSR 0F 30) ----------------- */

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

u32 x2apic_id(void)               { return (u32)rdmsr(0x802); }
void x2apic_eoi(void)             { wrmsr(0x80b, 0); }
void x2apic_send_ipi(u32 dest, u8 vec) { wrmsr(0x830, ((u64)dest << 32) | vec); }
void x2apic_self_ipi(u8 vec)      { wrmsr(0x83f, vec); }

int apic_mode(void)
{
	u64 base = rdmsr(0x1b);
	if (!(base & (1u << 11)))
		return 0;          /* disabled */
	return (base & (1u << 10)) ? 2 : 1;
}

/* Vector dispatch through a jump table (absolute table under mcmodel=kernel). */
extern void handle_timer(void), handle_kbd(void), handle_serial(void), handle_ahci(void);
extern void handle_nic(void), handle_spurious(void), handle_ipi(void), handle_thermal(void);

int dispatch_vector(u8 vec, u32 *counts)
{
	counts[vec]++;
	switch (vec) {
	case 0x20: handle_timer(); break;
	case 0x21: handle_kbd(); break;
	case 0x22: return 0;
	case 0x23: handle_serial(); break;
	case 0x24: handle_serial(); break;
	case 0x25: handle_ahci(); break;
	case 0x26: handle_nic(); break;
	case 0x27: handle_spurious(); return 1;
	case 0x28: handle_ipi(); break;
	case 0x29: handle_thermal(); break;
	case 0x2a: handle_nic(); handle_ahci(); break;
	default: return -1;
	}
	x2apic_eoi();
	return 0;
}
