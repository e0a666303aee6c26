/* Oracle shim (ours): the decoder's diagnostics are dropped. */
#ifndef ORACLE_LINUX_PRINTK_H
#define ORACLE_LINUX_PRINTK_H
#define pr_err_ratelimited(...) ((void)0)
#define pr_err(...) ((void)0)
#define pr_warn(...) ((void)0)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#endif
