/* Oracle shim (ours): the kernel.h pieces the decoder files use. */
#ifndef ORACLE_LINUX_KERNEL_H
#define ORACLE_LINUX_KERNEL_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/kconfig.h>
#include <linux/errno.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BITS_PER_BYTE 8
#define BIT(n) (1UL << (n))
#endif
