/* Oracle shim (ours): warnings are counted, not printed, so the driver can report them. */
#ifndef ORACLE_LINUX_BUG_H
#define ORACLE_LINUX_BUG_H
extern unsigned long oracle_warnings;
#define WARN_ON_ONCE(c) ({ int __c = !!(c); if (__c) oracle_warnings++; __c; })
#define WARN_ON(c) WARN_ON_ONCE(c)
#define WARN_ONCE(c, ...) WARN_ON_ONCE(c)
#define WARN(c, ...) WARN_ON_ONCE(c)
#endif
