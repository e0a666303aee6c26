/* Oracle shim (ours): LDT selectors are never resolved in 64-bit kernel mode. */
#ifndef ORACLE_ASM_LDT_H
#define ORACLE_ASM_LDT_H
#define LDT_ENTRIES 8192
#endif
