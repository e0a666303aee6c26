/* Oracle shim (ours): compiler annotations the decoder files use, as plain C. */
#ifndef ORACLE_LINUX_COMPILER_H
#define ORACLE_LINUX_COMPILER_H
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __user
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __maybe_unused __attribute__((unused))
#define __packed __attribute__((packed))
#define fallthrough __attribute__((fallthrough))
#define noinstr
#define __init
#define READ_ONCE(x) (x)
#define EXPORT_SYMBOL_GPL(x)
#define EXPORT_SYMBOL(x)
/* A compile-time impossibility in a size switch; never reached at run time. */
#define BUILD_BUG() __builtin_unreachable()
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON")
#endif
