/* Oracle shim (ours): a task with no LDT (get_desc() only consults it for LDT selectors). */
#ifndef ORACLE_LINUX_MMU_CONTEXT_H
#define ORACLE_LINUX_MMU_CONTEXT_H
#include <asm/desc_defs.h>
#include <linux/uaccess.h>
struct mutex { int unused; };
struct ldt_struct { struct desc_struct *entries; unsigned int nr_entries; };
struct mm_context { struct mutex lock; struct ldt_struct *ldt; };
struct mm_struct { struct mm_context context; };
struct task_struct { struct mm_struct *active_mm; };
extern struct task_struct *oracle_current;
#define current oracle_current
static inline void mutex_lock(struct mutex *m) { (void)m; }
static inline void mutex_unlock(struct mutex *m) { (void)m; }
#endif
