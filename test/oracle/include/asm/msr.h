/* Oracle shim (ours): FS/GS base reads come from the driver's register file. */
#ifndef ORACLE_ASM_MSR_H
#define ORACLE_ASM_MSR_H
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
unsigned long oracle_rdmsr(unsigned int msr);
#define rdmsrl(msr, val) ((val) = oracle_rdmsr(msr))
#endif
