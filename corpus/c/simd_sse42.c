/*
 * simd_sse42.c - legacy-encoded SSE..SSE4.2 code (no VEX).
 *
 * corpus-flags: -O2 -msse4.2
 *
 * Auto-vectorised loops plus <immintrin.h> intrinsics: CRC32, PCMPISTRI,
 * PSHUFB, PTEST, BLENDV, PINSR/PEXTR, ROUNDPS, non-temporal stores
 * (MOVNTI/MOVNTDQ, the usual way to write a write-combining framebuffer)
 * and fences.
 */
#include <immintrin.h>
#include <stddef.h>
#include "mmio.h"

/* ---- auto-vectorised loops ----------------------------------------- */

void vadd_i32(int *restrict d, const int *restrict a, const int *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] + b[i];
}

void vmul_i32(int *restrict d, const int *restrict a, const int *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] * b[i];              /* PMULLD (SSE4.1) */
}

void vmax_u8(u8 *restrict d, const u8 *restrict a, const u8 *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] > b[i] ? a[i] : b[i];  /* PMAXUB */
}

void vmin_s32(int *restrict d, const int *restrict a, size_t n, int lim)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] < lim ? a[i] : lim;    /* PMINSD */
}

u32 vsum_u8(const u8 *a, size_t n)
{
	u32 s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i];                         /* PMOVZXBD / PSADBW */
	return s;
}

float vsum_f32(const float *a, size_t n)
{
	float s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i];
	return s;
}

void vscale_f32(float *restrict d, const float *restrict a, float k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] * k + 1.0f;
}

void vsaxpy_f64(double *restrict y, const double *restrict x, double a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

void vwiden_u16(u32 *restrict d, const u16 *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];                       /* PMOVZXWD */
}

void vnarrow_u32(u16 *restrict d, const u32 *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (u16)s[i];
}

void vabs_i16(short *restrict d, const short *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i] < 0 ? -s[i] : s[i];    /* PABSW */
}

long vcount_eq(const int *a, const int *b, size_t n)
{
	long c = 0;
	for (size_t i = 0; i < n; i++)
		c += a[i] == b[i];
	return c;
}

void vconv_i2f(float *restrict d, const int *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (float)s[i];                /* CVTDQ2PS */
}

/* ---- intrinsics -------------------------------------------------------- */

u32 crc32c_buf(const u8 *p, size_t n, u32 crc)
{
	crc = ~crc;
	while (n >= 8) {
		crc = (u32)_mm_crc32_u64(crc, *(const u64 *)p);   /* F2 48 0F 38 F1 */
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		crc = _mm_crc32_u32(crc, *(const u32 *)p);
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		crc = _mm_crc32_u16(crc, *(const u16 *)p);        /* 66 F2 0F 38 F1 */
		p += 2;
		n -= 2;
	}
	if (n)
		crc = _mm_crc32_u8(crc, *p);                       /* F2 0F 38 F0 */
	return ~crc;
}

/* strchr-like scan with PCMPISTRI. */
long find_any_of(const char *s, const char set[16])
{
	__m128i chars = _mm_loadu_si128((const __m128i *)set);
	for (long off = 0;; off += 16) {
		__m128i blk = _mm_loadu_si128((const __m128i *)(s + off));
		int idx = _mm_cmpistri(chars, blk, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY | _SIDD_LEAST_SIGNIFICANT);
		if (idx < 16)
			return off + idx;
		if (_mm_cmpistrz(chars, blk, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY))
			return -1;
	}
}

int cmp_estr(const char *a, int la, const char *b, int lb)
{
	__m128i x = _mm_loadu_si128((const __m128i *)a);
	__m128i y = _mm_loadu_si128((const __m128i *)b);
	return _mm_cmpestri(x, la, y, lb, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_EACH | _SIDD_NEGATIVE_POLARITY);
}

__m128i shuffle_bytes(__m128i v, __m128i ctl) { return _mm_shuffle_epi8(v, ctl); }
int all_zero(__m128i v) { return _mm_testz_si128(v, v); }
__m128 blend_ps(__m128 a, __m128 b, __m128 m) { return _mm_blendv_ps(a, b, m); }
__m128 round_down(__m128 v) { return _mm_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
float dot4(__m128 a, __m128 b) { return _mm_cvtss_f32(_mm_dp_ps(a, b, 0xf1)); }
int extract_b5(__m128i v) { return _mm_extract_epi8(v, 5); }
long long extract_q1(__m128i v) { return _mm_extract_epi64(v, 1); }
__m128i insert_d2(__m128i v, int x) { return _mm_insert_epi32(v, x, 2); }
__m128i load_insert(__m128i v, const int *p) { return _mm_insert_epi32(v, p[3], 1); }  /* PINSRD mem */
void store_extract(int *p, __m128i v) { p[7] = _mm_extract_epi32(v, 3); }             /* PEXTRD mem */
__m128i minpos(__m128i v) { return _mm_minpos_epu16(v); }
__m128i mpsad(__m128i a, __m128i b) { return _mm_mpsadbw_epu8(a, b, 5); }
__m128i cmpgt64(__m128i a, __m128i b) { return _mm_cmpgt_epi64(a, b); }
__m128i hadd(__m128i a, __m128i b) { return _mm_hadd_epi16(a, b); }
__m128i alignr(__m128i a, __m128i b) { return _mm_alignr_epi8(a, b, 7); }
__m128i mul_u32x2(__m128i a, __m128i b) { return _mm_mul_epu32(a, b); }
__m128d addsub(__m128d a, __m128d b) { return _mm_addsub_pd(a, b); }
__m128i load_stream(const void *p) { return _mm_stream_load_si128((__m128i *)p); }   /* MOVNTDQA */
__m128i load_lddqu(const void *p) { return _mm_lddqu_si128((const __m128i *)p); }

/* ---- non-temporal stores and fences (write-combining memory) ------ */

void fb_fill_nt(void *fb, u32 pixel, size_t bytes)
{
	__m128i v = _mm_set1_epi32((int)pixel);
	__m128i *d = (__m128i *)fb;
	for (size_t i = 0; i < bytes / 16; i++)
		_mm_stream_si128(d + i, v);            /* 66 0F E7 */
	_mm_sfence();                              /* 0F AE F8 */
}

void fb_copy_nt(void *fb, const void *src, size_t bytes)
{
	const __m128i *s = (const __m128i *)src;
	__m128i *d = (__m128i *)fb;
	for (size_t i = 0; i < bytes / 64; i++) {
		__m128i a = _mm_loadu_si128(s + 4 * i), b = _mm_loadu_si128(s + 4 * i + 1);
		__m128i c = _mm_loadu_si128(s + 4 * i + 2), e = _mm_loadu_si128(s + 4 * i + 3);
		_mm_stream_si128(d + 4 * i, a);
		_mm_stream_si128(d + 4 * i + 1, b);
		_mm_stream_si128(d + 4 * i + 2, c);
		_mm_stream_si128(d + 4 * i + 3, e);
	}
	_mm_sfence();
}

void ring_write_nt(u32 *ring, const u32 *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		_mm_stream_si32((int *)&ring[i], (int)vals[i]);   /* MOVNTI 0F C3 */
	_mm_mfence();
}

void ring_write_nt64(long long *ring, long long v, size_t i)
{
	_mm_stream_si64(&ring[i], v);                         /* REX.W 0F C3 */
	_mm_lfence();
}

void flush_lines(const void *p, size_t n)
{
	for (size_t off = 0; off < n; off += 64)
		_mm_clflush((const u8 *)p + off);                 /* 0F AE /7 */
	_mm_mfence();
}

void prefetch_ring(const void *p)
{
	_mm_prefetch((const char *)p, _MM_HINT_T0);
	_mm_prefetch((const char *)p + 64, _MM_HINT_NTA);
	_mm_prefetch((const char *)p + 128, _MM_HINT_T2);
}

/* SSE load/store directly against a device register window. */
void mmio_read128(volatile void *reg, void *dst)
{
	__m128i v = _mm_load_si128((const __m128i *)reg);       /* MOVDQA from device */
	_mm_storeu_si128((__m128i *)dst, v);
}

void mmio_write128(volatile void *reg, const void *src)
{
	_mm_store_si128((__m128i *)reg, _mm_loadu_si128((const __m128i *)src));   /* MOVDQA to device */
}

void mmio_write_movq(volatile void *reg, __m128i v) { _mm_storel_epi64((__m128i *)reg, v); }   /* 66 0F D6 */
__m128i mmio_read_movd(volatile void *reg) { return _mm_cvtsi32_si128(*(volatile int *)reg); }
