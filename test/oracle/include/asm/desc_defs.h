/* Oracle shim (ours): a segment descriptor, only for the 32-bit paths that 64-bit decoding never takes. */
#ifndef ORACLE_ASM_DESC_DEFS_H
#define ORACLE_ASM_DESC_DEFS_H
#include <linux/types.h>
struct desc_struct {
	u16 limit0, base0;
	u16 base1 : 8, type : 4, s : 1, dpl : 2, p : 1;
	u16 limit1 : 4, avl : 1, l : 1, d : 1, g : 1, base2 : 8;
};
struct desc_ptr {
	unsigned short size;
	unsigned long address;
} __attribute__((packed));
static inline unsigned long get_desc_base(const struct desc_struct *d)
{
	return d->base0 | ((unsigned long)d->base1 << 16) | ((unsigned long)d->base2 << 24);
}
static inline unsigned long get_desc_limit(const struct desc_struct *d)
{
	return d->limit0 | ((unsigned long)d->limit1 << 16);
}
#endif
