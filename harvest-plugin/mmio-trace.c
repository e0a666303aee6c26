/*
 * mmio-trace: a QEMU TCG plugin that logs every guest memory access which reaches an I/O
 * (MMIO) region, for `ve-mmio harvest`. Load with
 *   -plugin mmio-trace.so,out=/path/to/log
 *
 * Log format (text, one record per line, hex without 0x):
 *   I <id> <vaddr> <bytes>       an instruction, printed once before its first MMIO access
 *   A <id> <gpa> <size> <r|w>    one access by instruction <id>, in execution order
 *
 * Instruction records are made at translation time (the bytes are only readable then) and
 * shared by every translation of the same bytes at the same address, so memory stays bounded
 * by the code the guest runs. Written for one vCPU (-smp 1): the callbacks take no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin-api.h"

PLUGIN_EXPORT int qemu_plugin_version = 1;

struct insn {
    uint64_t vaddr;
    uint8_t len;
    uint8_t bytes[15];
    int32_t id;           /* -1 until the first MMIO access prints the I record */
    struct insn *next;    /* hash chain */
};

#define BUCKETS (1u << 20)
static struct insn **table;
static FILE *out;
static int32_t next_id;

static struct insn *intern(uint64_t vaddr, const uint8_t *bytes, size_t len)
{
    if (len > 15) len = 15;
    size_t h = (size_t)((vaddr * 0x9e3779b97f4a7c15ull) >> 44) & (BUCKETS - 1);
    for (struct insn *i = table[h]; i != NULL; i = i->next) {
        if (i->vaddr == vaddr && i->len == len && memcmp(i->bytes, bytes, len) == 0) return i;
    }
    struct insn *i = calloc(1, sizeof *i);
    if (i == NULL) abort();
    i->vaddr = vaddr;
    i->len = (uint8_t)len;
    memcpy(i->bytes, bytes, len);
    i->id = -1;
    i->next = table[h];
    table[h] = i;
    return i;
}

static void on_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *userdata)
{
    (void)vcpu;
    struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
    if (hw == NULL || !qemu_plugin_hwaddr_is_io(hw)) return;
    struct insn *i = userdata;
    if (i->id < 0) {
        i->id = next_id++;
        fprintf(out, "I %d %llx ", i->id, (unsigned long long)i->vaddr);
        for (unsigned k = 0; k < i->len; k++) fprintf(out, "%02x", i->bytes[k]);
        fputc('\n', out);
    }
    fprintf(out, "A %d %llx %u %c\n", i->id, (unsigned long long)qemu_plugin_hwaddr_phys_addr(hw),
            1u << qemu_plugin_mem_size_shift(info), qemu_plugin_mem_is_store(info) ? 'w' : 'r');
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t k = 0; k < n; k++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
        struct insn *rec = intern(qemu_plugin_insn_vaddr(insn), qemu_plugin_insn_data(insn),
                                  qemu_plugin_insn_size(insn));
        qemu_plugin_register_vcpu_mem_cb(insn, on_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, rec);
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fflush(out);
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    const char *path = NULL;
    for (int k = 0; k < argc; k++) {
        if (strncmp(argv[k], "out=", 4) == 0) path = argv[k] + 4;
    }
    if (path == NULL) {
        fprintf(stderr, "mmio-trace: give out=<file>\n");
        return -1;
    }
    out = fopen(path, "w");
    table = calloc(BUCKETS, sizeof *table);
    if (out == NULL || table == NULL) {
        fprintf(stderr, "mmio-trace: cannot open %s\n", path);
        return -1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
