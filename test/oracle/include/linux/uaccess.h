/* Oracle shim (ours): user-space copies; insn-eval.c's user fetch helpers are never called. */
#ifndef ORACLE_LINUX_UACCESS_H
#define ORACLE_LINUX_UACCESS_H
unsigned long copy_from_user(void *to, const void *from, unsigned long n);
unsigned long __copy_from_user_inatomic(void *to, const void *from, unsigned long n);
#endif
