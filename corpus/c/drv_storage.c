/*
 * drv_storage.c - AHCI-like and NVMe-like storage controller code.
 *
 * corpus-flags: -O2 -fno-pic -mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables -fstack-protector-strong -mstack-protector-guard-reg=gs -mstack-protector-guard-symbol=__stack_chk_guard
 *
 * (kernel-style stack protector: the canary lives at GS:__stack_chk_guard)
 *
 * Written from scratch for the corpus. The register layout is AHCI-shaped
 * (a generic host block plus 0x80-byte port blocks starting at 0x100) but
 * the code is a toy: no real device is driven by it. MMIO goes through
 * the mmio.h accessors; DMA memory (command lists, FIS, PRDTs) is plain
 * memory and compiles to ordinary stores, often store-immediate C6/C7.
 */
#include "mmio.h"

/* ---- register map -------------------------------------------------- */
#define HBA_CAP      0x00
#define HBA_GHC      0x04
#define HBA_IS       0x08
#define HBA_PI       0x0c
#define HBA_VS       0x10
#define HBA_CAP2     0x24
#define HBA_BOHC     0x28

#define GHC_AE       (1u << 31)
#define GHC_IE       (1u << 1)
#define GHC_HR       (1u << 0)

#define PORT_BASE(p) (0x100 + 0x80 * (p))
#define PxCLB   0x00
#define PxCLBU  0x04
#define PxFB    0x08
#define PxFBU   0x0c
#define PxIS    0x10
#define PxIE    0x14
#define PxCMD   0x18
#define PxTFD   0x20
#define PxSIG   0x24
#define PxSSTS  0x28
#define PxSCTL  0x2c
#define PxSERR  0x30
#define PxSACT  0x34
#define PxCI    0x38
#define PxSNTF  0x3c

#define CMD_ST   (1u << 0)
#define CMD_SUD  (1u << 1)
#define CMD_POD  (1u << 2)
#define CMD_FRE  (1u << 4)
#define CMD_FR   (1u << 14)
#define CMD_CR   (1u << 15)

#define TFD_BSY  (1u << 7)
#define TFD_DRQ  (1u << 3)
#define TFD_ERR  (1u << 0)

struct cmd_header {          /* 32 bytes, in DMA memory */
	u16 flags;           /* CFL:5 A:1 W:1 P:1 R:1 B:1 C:1 rsv:1 PMP:4 */
	u16 prdtl;
	u32 prdbc;
	u64 ctba;
	u32 rsv[4];
};

struct prd {                 /* 16 bytes */
	u64 dba;
	u32 rsv;
	u32 dbc_i;           /* byte count - 1, bit 31 = interrupt */
};

struct cmd_table {
	u8 cfis[64];
	u8 acmd[16];
	u8 rsv[48];
	struct prd prdt[8];
};

struct sg { u64 addr; u32 len; };

struct ahci_port {
	volatile u8 __iomem *mmio;      /* this port's register block */
	struct cmd_header *cl;
	struct cmd_table *ct;          /* 32 tables */
	u64 cl_dma, fis_dma, ct_dma;
	u32 busy_slots;
	u32 irq_count;
	u32 last_is;
	u32 last_serr;
	u8 index;
	u8 link_up;
};

struct ahci_host {
	volatile u8 __iomem *mmio;
	u32 cap, ports_impl;
	struct ahci_port port[32];
	void (*complete)(struct ahci_port *, u32 slots);
};

/* ---- engine control ------------------------------------------------ */

int ahci_port_stop(struct ahci_port *p)
{
	volatile u8 __iomem *r = p->mmio;
	u32 cmd = mmio_read32(r + PxCMD);
	if (!(cmd & (CMD_ST | CMD_CR | CMD_FRE | CMD_FR)))
		return 0;
	mmio_write32(cmd & ~(CMD_ST | CMD_FRE), r + PxCMD);
	for (int i = 0; i < 500; i++) {
		if (!(mmio_read32(r + PxCMD) & (CMD_CR | CMD_FR)))
			return 0;
		cpu_pause();
	}
	return -16;
}

void ahci_port_start(struct ahci_port *p)
{
	volatile u8 __iomem *r = p->mmio;
	while (mmio_read32(r + PxCMD) & CMD_CR)
		cpu_pause();
	mmio_write32(mmio_read32(r + PxCMD) | CMD_FRE, r + PxCMD);
	mmio_write32(mmio_read32(r + PxCMD) | CMD_ST, r + PxCMD);
}

void ahci_port_setup_dma(struct ahci_port *p)
{
	volatile u8 __iomem *r = p->mmio;
	mmio_write32((u32)p->cl_dma, r + PxCLB);
	mmio_write32((u32)(p->cl_dma >> 32), r + PxCLBU);
	mmio_write32((u32)p->fis_dma, r + PxFB);
	mmio_write32((u32)(p->fis_dma >> 32), r + PxFBU);
	mmio_write32(0xffffffff, r + PxSERR);
	mmio_write32(0xffffffff, r + PxIS);
	mmio_write32(0x7d40003f, r + PxIE);
}

/* COMRESET through SControl.DET, then wait for the link. */
int ahci_port_comreset(struct ahci_port *p)
{
	volatile u8 __iomem *r = p->mmio;
	u32 sctl = mmio_read32(r + PxSCTL);
	mmio_write32((sctl & ~0xfu) | 1, r + PxSCTL);
	for (volatile int d = 0; d < 1000; d++)
		;
	mmio_write32(sctl & ~0xfu, r + PxSCTL);
	for (int i = 0; i < 100000; i++) {
		u32 ssts = mmio_read32(r + PxSSTS);
		if ((ssts & 0xf) == 3) {
			p->link_up = 1;
			mmio_write32(0xffffffff, r + PxSERR);
			return (ssts >> 4) & 0xf;   /* speed generation */
		}
		cpu_pause();
	}
	p->link_up = 0;
	return -19;
}

int ahci_wait_not_busy(struct ahci_port *p, unsigned spins)
{
	volatile u8 __iomem *r = p->mmio;
	u32 tfd;
	do {
		tfd = mmio_read32(r + PxTFD);
		if (!(tfd & (TFD_BSY | TFD_DRQ)))
			return (tfd & TFD_ERR) ? -5 : 0;
		cpu_pause();
	} while (--spins);
	return -110;
}

/* ---- command construction (DMA memory, plain stores) --------------- */

int ahci_find_slot(struct ahci_port *p, u32 nslots)
{
	volatile u8 __iomem *r = p->mmio;
	u32 busy = mmio_read32(r + PxSACT) | mmio_read32(r + PxCI) | p->busy_slots;
	u32 free_ = ~busy & (nslots >= 32 ? ~0u : ((1u << nslots) - 1));
	if (!free_)
		return -1;
	return __builtin_ctz(free_);     /* BSF / TZCNT */
}

static void build_h2d_fis(u8 *fis, u8 command, u64 lba, u16 count, u8 features)
{
	fis[0] = 0x27;               /* H2D register FIS */
	fis[1] = 0x80;               /* C bit */
	fis[2] = command;
	fis[3] = features;
	fis[4] = (u8)lba;
	fis[5] = (u8)(lba >> 8);
	fis[6] = (u8)(lba >> 16);
	fis[7] = 0x40;               /* LBA mode */
	fis[8] = (u8)(lba >> 24);
	fis[9] = (u8)(lba >> 32);
	fis[10] = (u8)(lba >> 40);
	fis[11] = 0;
	fis[12] = (u8)count;
	fis[13] = (u8)(count >> 8);
	fis[14] = 0;
	fis[15] = 0;
}

int ahci_prep_rw(struct ahci_port *p, int slot, int write, u64 lba, u16 count,
		 const struct sg *sgl, unsigned nsg)
{
	struct cmd_header *h = &p->cl[slot];
	struct cmd_table *t = &p->ct[slot];
	if (nsg > 8)
		return -22;
	build_h2d_fis(t->cfis, write ? 0x35 : 0x25, lba, count, 0);
	u32 total = 0;
	for (unsigned i = 0; i < nsg; i++) {
		t->prdt[i].dba = sgl[i].addr;
		t->prdt[i].rsv = 0;
		t->prdt[i].dbc_i = (sgl[i].len - 1) | (i == nsg - 1 ? 0x80000000u : 0);
		total += sgl[i].len;
	}
	h->flags = (u16)(5 | (write ? 1u << 6 : 0) | (1u << 10));
	h->prdtl = (u16)nsg;
	h->prdbc = 0;
	h->ctba = p->ct_dma + (u64)slot * sizeof(struct cmd_table);
	h->rsv[0] = h->rsv[1] = h->rsv[2] = h->rsv[3] = 0;
	return (int)total;
}

void ahci_prep_identify(struct ahci_port *p, int slot, u64 buf_dma)
{
	struct cmd_header *h = &p->cl[slot];
	struct cmd_table *t = &p->ct[slot];
	build_h2d_fis(t->cfis, 0xec, 0, 0, 0);
	t->prdt[0].dba = buf_dma;
	t->prdt[0].rsv = 0;
	t->prdt[0].dbc_i = 511 | 0x80000000u;
	h->flags = 5;
	h->prdtl = 1;
	h->prdbc = 0;
	h->ctba = p->ct_dma + (u64)slot * sizeof(struct cmd_table);
}

void ahci_issue(struct ahci_port *p, int slot)
{
	p->busy_slots |= 1u << slot;
	asm volatile("sfence" ::: "memory");
	mmio_write32(1u << slot, p->mmio + PxCI);
}

int ahci_exec_sync(struct ahci_port *p, int slot, unsigned spins)
{
	volatile u8 __iomem *r = p->mmio;
	u32 bit = 1u << slot;
	ahci_issue(p, slot);
	while (mmio_read32(r + PxCI) & bit) {
		if (mmio_read32(r + PxIS) & (1u << 30))   /* task file error */
			return -5;
		if (!--spins)
			return -110;
		cpu_pause();
	}
	p->busy_slots &= ~bit;
	return (int)p->cl[slot].prdbc;
}

/* ---- interrupt path ------------------------------------------------ */

static u32 ahci_port_irq(struct ahci_host *host, struct ahci_port *p)
{
	volatile u8 __iomem *r = p->mmio;
	u32 is = mmio_read32(r + PxIS);
	mmio_write32(is, r + PxIS);                     /* write-1-to-clear */
	p->last_is = is;
	p->irq_count++;
	if (is & 0x78000000u) {                          /* fatal errors */
		p->last_serr = mmio_read32(r + PxSERR);
		mmio_write32(p->last_serr, r + PxSERR);
		return is;
	}
	u32 done = p->busy_slots & ~(mmio_read32(r + PxCI) | mmio_read32(r + PxSACT));
	if (done) {
		p->busy_slots &= ~done;
		host->complete(p, done);
	}
	return is;
}

int ahci_irq_handler(struct ahci_host *host)
{
	volatile u8 __iomem *m = host->mmio;
	u32 pending = mmio_read32(m + HBA_IS) & host->ports_impl;
	int handled = 0;
	if (!pending)
		return 0;
	u32 left = pending;
	while (left) {
		unsigned i = __builtin_ctz(left);
		left &= left - 1;
		ahci_port_irq(host, &host->port[i]);
		handled++;
	}
	mmio_write32(pending, m + HBA_IS);
	return handled;
}

/* ---- host init ----------------------------------------------------- */

int ahci_host_reset(struct ahci_host *host)
{
	volatile u8 __iomem *m = host->mmio;
	mmio_write32(mmio_read32(m + HBA_GHC) | GHC_AE, m + HBA_GHC);
	mmio_write32(mmio_read32(m + HBA_GHC) | GHC_HR, m + HBA_GHC);
	for (int i = 0; i < 1000; i++) {
		if (!(mmio_read32(m + HBA_GHC) & GHC_HR)) {
			mmio_write32(mmio_read32(m + HBA_GHC) | GHC_AE, m + HBA_GHC);
			return 0;
		}
		cpu_pause();
	}
	return -110;
}

int ahci_bios_handoff(struct ahci_host *host)
{
	volatile u8 __iomem *m = host->mmio;
	if (!(mmio_read32(m + HBA_CAP2) & 1))
		return 0;
	mmio_write32(mmio_read32(m + HBA_BOHC) | 2, m + HBA_BOHC);   /* OOS */
	for (int i = 0; i < 2500; i++) {
		u32 b = mmio_read32(m + HBA_BOHC);
		if (!(b & 1) && !(b & 0x10))
			return 0;
		cpu_pause();
	}
	return -1;
}

unsigned ahci_host_init(struct ahci_host *host, volatile u8 __iomem *mmio)
{
	host->mmio = mmio;
	host->cap = mmio_read32(mmio + HBA_CAP);
	host->ports_impl = mmio_read32(mmio + HBA_PI);
	unsigned n = 0;
	for (unsigned i = 0; i < 32; i++) {
		struct ahci_port *p = &host->port[i];
		p->index = (u8)i;
		p->mmio = mmio + PORT_BASE(i);
		p->busy_slots = 0;
		p->irq_count = 0;
		p->link_up = 0;
		if (!(host->ports_impl & (1u << i)))
			continue;
		ahci_port_stop(p);
		ahci_port_setup_dma(p);
		n++;
	}
	mmio_write32(mmio_read32(mmio + HBA_GHC) | GHC_IE, mmio + HBA_GHC);
	return n;
}

u32 ahci_version(volatile u8 __iomem *m)
{
	u32 vs = mmio_read32(m + HBA_VS);
	return ((vs >> 16) << 8) | (vs & 0xff);
}

/* IDENTIFY data: model string is 20 big-endian words at word 27. With
 * -fstack-protector-strong the local buffer gets a GS-based canary. */
extern void ahci_report_model(int port, const char *model);

void ahci_parse_identify(struct ahci_port *p, const u16 *id)
{
	char model[41];
	for (int i = 0; i < 20; i++) {
		u16 w = id[27 + i];
		model[2 * i] = (char)(w >> 8);
		model[2 * i + 1] = (char)w;
	}
	int n = 40;
	while (n > 0 && model[n - 1] == ' ')
		n--;
	model[n] = 0;
	ahci_report_model(p->index, model);
}

/* Device signature decode: a small switch. */
const char *ahci_sig_name(struct ahci_port *p)
{
	switch (mmio_read32(p->mmio + PxSIG)) {
	case 0x00000101: return "ata";
	case 0xeb140101: return "atapi";
	case 0xc33c0101: return "semb";
	case 0x96690101: return "pm";
	default:         return "none";
	}
}

/* ---- NVMe-like doorbells and queues ---------------------------------- */

struct nvme_sqe { u8 opc, flags; u16 cid; u32 nsid; u64 rsv; u64 mptr; u64 prp1, prp2; u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15; };
struct nvme_cqe { u32 result, rsv; u16 sq_head, sq_id; u16 cid; u16 status; };

struct nvme_queue {
	volatile u8 __iomem *bar;
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	u16 sq_tail, cq_head, depth, qid;
	u8 cq_phase;
	u32 db_stride;
};

static inline volatile u8 __iomem *sq_db(struct nvme_queue *q) { return q->bar + 0x1000 + (2 * q->qid) * (4u << q->db_stride); }
static inline volatile u8 __iomem *cq_db(struct nvme_queue *q) { return q->bar + 0x1000 + (2 * q->qid + 1) * (4u << q->db_stride); }

void nvme_submit_read(struct nvme_queue *q, u16 cid, u32 nsid, u64 slba, u16 nlb, u64 prp1, u64 prp2)
{
	struct nvme_sqe *e = &q->sq[q->sq_tail];
	e->opc = 0x02;
	e->flags = 0;
	e->cid = cid;
	e->nsid = nsid;
	e->rsv = 0;
	e->mptr = 0;
	e->prp1 = prp1;
	e->prp2 = prp2;
	e->cdw10 = (u32)slba;
	e->cdw11 = (u32)(slba >> 32);
	e->cdw12 = nlb - 1;
	e->cdw13 = e->cdw14 = e->cdw15 = 0;
	if (++q->sq_tail == q->depth)
		q->sq_tail = 0;
	mmio_write32(q->sq_tail, sq_db(q));
}

int nvme_reap(struct nvme_queue *q, u16 *cids, int max)
{
	int n = 0;
	while (n < max) {
		struct nvme_cqe *c = &q->cq[q->cq_head];
		u16 st = *(volatile u16 *)&c->status;
		if ((st & 1) != q->cq_phase)
			break;
		cids[n++] = c->cid;
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->cq_phase ^= 1;
		}
	}
	if (n)
		mmio_write32(q->cq_head, cq_db(q));
	return n;
}

int nvme_enable(volatile u8 __iomem *bar, u64 asq, u64 acq, u16 depth)
{
	u64 cap = mmio_read64(bar + 0x00);
	unsigned timeout = ((cap >> 24) & 0xff) * 500;
	mmio_write32(0, bar + 0x14);                                  /* CC.EN = 0 */
	while (mmio_read32(bar + 0x1c) & 1)                            /* CSTS.RDY */
		if (!timeout--)
			return -110;
	mmio_write32(((u32)(depth - 1) << 16) | (depth - 1), bar + 0x24);  /* AQA */
	mmio_write64(asq, bar + 0x28);
	mmio_write64(acq, bar + 0x30);
	mmio_write32((6u << 16) | (4u << 20) | 1, bar + 0x14);          /* IOSQES/IOCQES/EN */
	while (!(mmio_read32(bar + 0x1c) & 1))
		cpu_pause();
	return (int)(mmio_read32(bar + 0x08) >> 16);
}
