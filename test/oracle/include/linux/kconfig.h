/* Oracle shim (ours): the configuration the guest kernel is built with (64-bit). */
#ifndef ORACLE_LINUX_KCONFIG_H
#define ORACLE_LINUX_KCONFIG_H
#define CONFIG_X86_64 1
#define IS_ENABLED(option) __oracle_is_enabled_##option
#define __oracle_is_enabled_CONFIG_X86_64 1
#define __oracle_is_enabled_CONFIG_X86_32 0
#define __oracle_is_enabled_CONFIG_MODIFY_LDT_SYSCALL 0
#endif
