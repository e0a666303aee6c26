/* Oracle shim (ours): x86 is little-endian; conversions are identities. */
#ifndef ORACLE_ASM_BYTEORDER_H
#define ORACLE_ASM_BYTEORDER_H
#include <linux/types.h>
#ifndef __LITTLE_ENDIAN
#define __LITTLE_ENDIAN 1234
#endif
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#define __le32_to_cpu(x) ((u32)(x))
#define __cpu_to_le32(x) ((u32)(x))
#endif
