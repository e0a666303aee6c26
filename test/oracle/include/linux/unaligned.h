/* Oracle shim (ours): unaligned little-endian loads (x86 allows them; memcpy keeps C happy). */
#ifndef ORACLE_LINUX_UNALIGNED_H
#define ORACLE_LINUX_UNALIGNED_H
#include <string.h>
#define get_unaligned(p) ({ __typeof__(*(p)) __v; memcpy(&__v, (p), sizeof(__v)); __v; })
#endif
