/*
 * general.c - ordinary compiler output: switches, loops, calls, bit
 * manipulation, integer division, 128-bit math, floating point, varargs.
 *
 * corpus-flags: -Os -fstack-protector-strong
 * corpus-flags: -O2 -march=x86-64-v3
 *
 * -Os gives compact code (push/pop, REP MOVS/STOS for struct copies,
 * jump tables); -march=x86-64-v3 adds BMI1/BMI2/LZCNT/MOVBE and VEX-coded
 * GPR instructions (ANDN, SHLX, SARX, RORX, BZHI, BLSR...). The -Os build
 * also has the user-space stack protector (canary at FS:0x28).
 */
#include <stdarg.h>
#include <stddef.h>
#include "mmio.h"

extern void log_event(int id, ...);
extern void *alloc_pages(unsigned order);
extern int sink(const void *p, size_t n);

/* ---- switch statements (jump tables, binary search trees) ---------- */

int opcode_length(u8 op)
{
	switch (op) {
	case 0x00: case 0x01: case 0x02: case 0x03: return 2;
	case 0x04: return 2;
	case 0x05: return 5;
	case 0x0f: return 3;
	case 0x50: case 0x51: case 0x52: case 0x53:
	case 0x54: case 0x55: case 0x56: case 0x57: return 1;
	case 0x68: return 5;
	case 0x6a: return 2;
	case 0x88: case 0x89: case 0x8a: case 0x8b: return 2;
	case 0x90: return 1;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: return 9;
	case 0xc3: return 1;
	case 0xc6: return 3;
	case 0xc7: return 6;
	case 0xe8: case 0xe9: return 5;
	case 0xeb: return 2;
	default: return -1;
	}
}

const char *errno_name(int e)
{
	switch (e) {
	case 1: return "EPERM";
	case 2: return "ENOENT";
	case 4: return "EINTR";
	case 5: return "EIO";
	case 11: return "EAGAIN";
	case 12: return "ENOMEM";
	case 13: return "EACCES";
	case 14: return "EFAULT";
	case 16: return "EBUSY";
	case 19: return "ENODEV";
	case 22: return "EINVAL";
	case 28: return "ENOSPC";
	case 110: return "ETIMEDOUT";
	default: return "E?";
	}
}

enum tok { T_EOF, T_NUM, T_IDENT, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_LP, T_RP, T_ERR };

/* A tiny lexer state machine. */
int lex(const char *s, int *pos, long *val)
{
	int i = *pos;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
		i++;
	char c = s[i];
	int t;
	switch (c) {
	case 0:   t = T_EOF; break;
	case '+': t = T_PLUS; i++; break;
	case '-': t = T_MINUS; i++; break;
	case '*': t = T_STAR; i++; break;
	case '/': t = T_SLASH; i++; break;
	case '(': t = T_LP; i++; break;
	case ')': t = T_RP; i++; break;
	case '0' ... '9': {
		long v = 0;
		while (s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (s[i++] - '0');
		*val = v;
		t = T_NUM;
		break;
	}
	case 'a' ... 'z': case 'A' ... 'Z': case '_':
		while ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
			i++;
		t = T_IDENT;
		break;
	default:
		t = T_ERR;
	}
	*pos = i;
	return t;
}

/* Recursive-descent evaluator on top of lex(). */
static long expr(const char *s, int *pos);

static long primary(const char *s, int *pos)
{
	long v = 0;
	int t = lex(s, pos, &v);
	if (t == T_NUM)
		return v;
	if (t == T_MINUS)
		return -primary(s, pos);
	if (t == T_LP) {
		v = expr(s, pos);
		lex(s, pos, &v);
		return v;
	}
	return 0;
}

static long term(const char *s, int *pos)
{
	long v = primary(s, pos);
	for (;;) {
		int save = *pos;
		long dummy;
		int t = lex(s, pos, &dummy);
		if (t == T_STAR)
			v *= primary(s, pos);
		else if (t == T_SLASH) {
			long d = primary(s, pos);
			v = d ? v / d : 0;
		} else {
			*pos = save;
			return v;
		}
	}
}

static long expr(const char *s, int *pos)
{
	long v = term(s, pos);
	for (;;) {
		int save = *pos;
		long dummy;
		int t = lex(s, pos, &dummy);
		if (t == T_PLUS)
			v += term(s, pos);
		else if (t == T_MINUS)
			v -= term(s, pos);
		else {
			*pos = save;
			return v;
		}
	}
}

long eval(const char *s) { int p = 0; return expr(s, &p); }

/* ---- bit manipulation ---------------------------------------------- */

unsigned popcount32(u32 x)
{
	x = x - ((x >> 1) & 0x55555555);
	x = (x & 0x33333333) + ((x >> 2) & 0x33333333);
	x = (x + (x >> 4)) & 0x0f0f0f0f;
	return (x * 0x01010101) >> 24;
}

u32 bitreverse32(u32 x)
{
	x = ((x >> 1) & 0x55555555) | ((x & 0x55555555) << 1);
	x = ((x >> 2) & 0x33333333) | ((x & 0x33333333) << 2);
	x = ((x >> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
	return __builtin_bswap32(x);
}

u64 bswap64(u64 x) { return __builtin_bswap64(x); }
u16 bswap16(u16 x) { return __builtin_bswap16(x); }
u32 load_be32(const u8 *p) { return __builtin_bswap32(*(const u32 *)p); }   /* MOVBE with v3 */
void store_be64(u8 *p, u64 v) { *(u64 *)p = __builtin_bswap64(v); }
int  clz64(u64 x) { return x ? __builtin_clzll(x) : 64; }
int  ctz32(u32 x) { return x ? __builtin_ctz(x) : 32; }
int  fls_u32(u32 x) { return x ? 32 - __builtin_clz(x) : 0; }
u32  rotl32(u32 x, unsigned r) { return (x << (r & 31)) | (x >> (-r & 31)); }
u64  rotr64_13(u64 x) { return (x >> 13) | (x << 51); }
u32  lowest_bit(u32 x) { return x & -x; }
u32  clear_lowest(u32 x) { return x & (x - 1); }
u64  mask_below(u64 x, unsigned n) { return x & ((1ull << n) - 1); }
u32  andnot(u32 a, u32 b) { return ~a & b; }
u64  shl_var(u64 x, unsigned n) { return x << n; }
s64  sar_var(s64 x, unsigned n) { return x >> n; }
u32  extract_field(u32 x, unsigned lo, unsigned w) { return (x >> lo) & ((1u << w) - 1); }
int  is_pow2(u64 x) { return x && !(x & (x - 1)); }
u64  round_up_pow2(u64 x) { return x <= 1 ? 1 : 1ull << (64 - __builtin_clzll(x - 1)); }
int  parity64(u64 x) { return __builtin_parityll(x); }

/* Find next set bit in a bitmap. */
long find_next_bit(const u64 *map, long size, long start)
{
	if (start >= size)
		return size;
	long w = start >> 6;
	u64 cur = map[w] & (~0ull << (start & 63));
	while (!cur) {
		if (++w * 64 >= size)
			return size;
		cur = map[w];
	}
	long r = w * 64 + __builtin_ctzll(cur);
	return r < size ? r : size;
}

void bitmap_set_range(u64 *map, long start, long n)
{
	while (n > 0) {
		long w = start >> 6, b = start & 63;
		long k = 64 - b < n ? 64 - b : n;
		u64 m = (k == 64 ? ~0ull : ((1ull << k) - 1)) << b;
		map[w] |= m;
		start += k;
		n -= k;
	}
}

/* ---- integer arithmetic -------------------------------------------- */

u32 div_by_7(u32 x)        { return x / 7; }
s32 sdiv_by_10(s32 x)      { return x / 10; }
u64 mod_by_1000(u64 x)     { return x % 1000; }
u64 div_var(u64 a, u64 b)  { return b ? a / b : 0; }
s64 sdiv_var(s64 a, s64 b) { return b ? a % b : 0; }
u64 mulhi(u64 a, u64 b)    { return (u64)(((unsigned __int128)a * b) >> 64); }
s64 muldiv(s64 a, s64 b, s64 c) { return (s64)((__int128)a * b / c); }
u64 ns_to_ticks(u64 ns, u32 mult, u32 shift) { return (u64)(((unsigned __int128)ns * mult) >> shift); }
int sat_add16(s16 a, s16 b) { int r = a + b; return r > 32767 ? 32767 : r < -32768 ? -32768 : r; }
u32 clamp_u32(s64 v)       { return v < 0 ? 0 : v > 0xffffffffll ? 0xffffffffu : (u32)v; }
int cmp3(long a, long b)   { return (a > b) - (a < b); }
u64 abs_diff(u64 a, u64 b) { return a > b ? a - b : b - a; }
int add_overflows(long a, long b, long *r) { return __builtin_add_overflow(a, b, r); }
int mul_overflows(u64 a, u64 b, u64 *r)    { return __builtin_mul_overflow(a, b, r); }

u64 gcd(u64 a, u64 b)
{
	while (b) {
		u64 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

u64 isqrt(u64 x)
{
	u64 r = 0, bit = 1ull << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else
			r >>= 1;
		bit >>= 2;
	}
	return r;
}

/* ---- loops over memory --------------------------------------------- */

static const u32 crc_table_seed = 0xedb88320;

u32 crc32_bitwise(const u8 *p, size_t n)
{
	u32 crc = ~0u;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (crc_table_seed & -(crc & 1));
	}
	return ~crc;
}

u32 fnv1a(const char *s)
{
	u32 h = 2166136261u;
	while (*s)
		h = (h ^ (u8)*s++) * 16777619u;
	return h;
}

u64 hash_u64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

void insertion_sort(int *a, int n)
{
	for (int i = 1; i < n; i++) {
		int v = a[i], j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

long bsearch_u32(const u32 *a, long n, u32 key)
{
	long lo = 0, hi = n;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && a[lo] == key ? lo : -1;
}

size_t my_strlcpy(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (i + 1 < n)
			d[i] = s[i];
	if (n)
		d[i < n ? i : n - 1] = 0;
	return i;
}

int my_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

void reverse_bytes(u8 *p, size_t n)
{
	for (size_t i = 0, j = n - 1; i < j && n; i++, j--) {
		u8 t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
}

int parse_hex(const char *s, u64 *out)
{
	u64 v = 0;
	int n = 0;
	for (; *s; s++, n++) {
		int d;
		if (*s >= '0' && *s <= '9') d = *s - '0';
		else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
		else return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return n;
}

char *utoa_base(u64 v, char *buf, unsigned base)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char tmp[65];
	int i = 0;
	do {
		tmp[i++] = digits[v % base];
		v /= base;
	} while (v);
	char *p = buf;
	while (i)
		*p++ = tmp[--i];
	*p = 0;
	return buf;
}

/* ---- structs, copies, calls ------------------------------------------ */

struct packet {
	u32 len, flags;
	u64 ts;
	u8 hdr[64];
	u16 vlan, proto;
	u32 csum;
};

struct packet last_packet;

void pkt_save(const struct packet *p) { last_packet = *p; }         /* REP MOVS at -Os */
void pkt_clear(struct packet *p) { *p = (struct packet){0}; }       /* REP STOS at -Os */
struct packet pkt_make(u32 len, u16 proto)
{
	struct packet p = { .len = len, .proto = proto, .flags = 1 };
	return p;
}

int pkt_send(struct packet *p)
{
	if (p->len > 1500) {
		log_event(3, p->len, p->proto);
		return -1;
	}
	p->csum = crc32_bitwise(p->hdr, sizeof p->hdr);
	return sink(p, sizeof *p);
}

typedef int (*handler_fn)(void *ctx, int arg);

struct ops {
	handler_fn open, close, ioctl;
	int (*read)(void *ctx, void *buf, size_t n);
};

int ops_run(const struct ops *o, void *ctx, int cmd)
{
	int r = o->open(ctx, 0);
	if (r < 0)
		return r;
	r = o->ioctl(ctx, cmd);
	o->close(ctx, r);
	return r;
}

int call_table(handler_fn *tbl, unsigned n, void *ctx)
{
	int acc = 0;
	for (unsigned i = 0; i < n; i++)
		acc += tbl[i](ctx, (int)i);
	return acc;
}

/* Tail call through a pointer. */
int forward(const struct ops *o, void *ctx, void *buf, size_t n) { return o->read(ctx, buf, n); }

/* varargs: saves XMM argument registers in the prologue (MOVAPS). */
long sum_varargs(int n, ...)
{
	va_list ap;
	long s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, long);
	va_end(ap);
	return s;
}

double avg_varargs(int n, ...)
{
	va_list ap;
	double s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, double);
	va_end(ap);
	return n ? s / n : 0;
}

void *alloc_buffers(unsigned count, void **out)
{
	for (unsigned i = 0; i < count; i++) {
		out[i] = alloc_pages(i & 3);
		if (!out[i]) {
			log_event(1, i);
			return NULL;
		}
	}
	return out[0];
}

/* ---- floating point (scalar SSE2) ------------------------------------ */

double poly_eval(const double *c, int n, double x)
{
	double r = 0;
	for (int i = n - 1; i >= 0; i--)
		r = r * x + c[i];
	return r;
}

float lerp(float a, float b, float t) { return a + (b - a) * t; }
double to_double(long v) { return (double)v; }
long to_long(double v) { return (long)v; }
u64 to_u64(double v) { return (u64)v; }
double from_u64(u64 v) { return (double)v; }
float dbl_to_flt(double d) { return (float)d; }
int fcmp_lt(double a, double b) { return a < b; }
double fabs_d(double x) { return __builtin_fabs(x); }
double fmin_d(double a, double b) { return a < b ? a : b; }
double sqrt_d(double x) { return __builtin_sqrt(x); }

double mean_stddev(const double *v, int n, double *sd)
{
	double s = 0, s2 = 0;
	for (int i = 0; i < n; i++) {
		s += v[i];
		s2 += v[i] * v[i];
	}
	double m = s / n;
	*sd = __builtin_sqrt(s2 / n - m * m);
	return m;
}

float dot3(const float *a, const float *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

void mat3_mul(float r[9], const float a[9], const float b[9])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

/* Fixed-point conversion helper used by a "thermal sensor" driver. */
int celsius_milli(u32 raw, double slope, double offset)
{
	double c = raw * slope + offset;
	return (int)(c * 1000.0 + (c >= 0 ? 0.5 : -0.5));
}

/* ---- misc: conditional moves, setcc, bounds checks ------------------ */

int select_max3(int a, int b, int c) { int m = a > b ? a : b; return m > c ? m : c; }
long min_index(const long *v, long n)
{
	long mi = 0;
	for (long i = 1; i < n; i++)
		if (v[i] < v[mi])
			mi = i;
	return mi;
}

int in_range(unsigned x, unsigned lo, unsigned hi) { return x - lo <= hi - lo; }

u8 table_lookup(unsigned i)
{
	static const u8 tbl[16] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3 };
	return i < 16 ? tbl[i] : 0;
}

s16 table_lookup_s16(unsigned i)
{
	static const s16 tbl[8] = { -1, 2, -3, 4, -5, 6, -7, 8 };
	return tbl[i & 7];
}

int count_matches(const u16 *a, size_t n, u16 v)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += a[i] == v;
	return c;
}

/* Odd-sized packed records: -Os copies them with REP MOVSB. */
struct __attribute__((packed)) rec13 { u8 tag; u32 key; u64 val; };
struct __attribute__((packed)) rec37 { u8 kind; u16 len; char name[30]; u32 crc; };
struct __attribute__((packed)) rec123 { u8 raw[123]; };

void rec13_copy(struct rec13 *d, const struct rec13 *s) { *d = *s; }
void rec37_copy(struct rec37 *d, const struct rec37 *s) { *d = *s; }
void rec123_copy(struct rec123 *d, const struct rec123 *s) { *d = *s; }

struct rec37 rec37_table[16];

void rec37_store(unsigned i, const struct rec37 *r) { rec37_table[i & 15] = *r; }
struct rec37 rec37_load(unsigned i) { return rec37_table[i & 15]; }

int rec37_swap(unsigned i, unsigned j)
{
	struct rec37 t = rec37_table[i & 15];
	rec37_table[i & 15] = rec37_table[j & 15];
	rec37_table[j & 15] = t;
	return t.len;
}
