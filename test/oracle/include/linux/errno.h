/* Oracle shim (ours): the error numbers the decoder files return (x86 Linux values). */
#ifndef ORACLE_LINUX_ERRNO_H
#define ORACLE_LINUX_ERRNO_H
#define EFAULT 14
#define EINVAL 22
#define EDOM 33
#define ENODATA 61
#endif
