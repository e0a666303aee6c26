/* Oracle shim (ours): older kernels include the unaligned helpers from asm/. */
#include <linux/unaligned.h>
