/*
 * simd_avx512.c - EVEX-encoded AVX-512 (F, BW, VL) code.
 *
 * corpus-flags: -O2 -mavx512f -mavx512bw -mavx512vl
 *
 * zmm intrinsics, opmask registers (KMOV/KAND/KORTEST), masked and
 * zero-masked operations, embedded broadcast ({1to16}), embedded
 * rounding, compressed disp8*N displacements, compress/expand to memory,
 * scatter/gather, VPTERNLOG, plus auto-vectorised loops (GCC 12 prefers
 * 256-bit vectors, so those mix VEX with EVEX for xmm/ymm16-31 and masks).
 */
#include <immintrin.h>
#include <stddef.h>
#include "mmio.h"

/* ---- auto-vectorised loops ------------------------------------------- */

void z_saxpy(float *restrict y, const float *restrict x, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = a * x[i] + y[i];
}

void z_cond_store(int *restrict d, const int *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] > 0)
			d[i] = s[i] * 3;            /* masked store */
}

void z_u8_avg(u8 *restrict d, const u8 *restrict a, const u8 *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (u8)((a[i] + b[i] + 1) >> 1);   /* VPAVGB */
}

long z_count_neg(const long *a, size_t n)
{
	long c = 0;
	for (size_t i = 0; i < n; i++)
		c += a[i] < 0;
	return c;
}

void z_i64_to_f64(double *restrict d, const long *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (double)s[i];            /* VCVTQQ2PD needs DQ; F gives scalar fallback */
}

void z_abs_i64(long *restrict d, const long *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i] < 0 ? -s[i] : s[i]; /* VPABSQ (AVX512F) */
}

void z_u16_min(u16 *restrict d, const u16 *restrict a, const u16 *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] < b[i] ? a[i] : b[i];
}

void z_rotate(u32 *restrict d, const u32 *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (s[i] << 7) | (s[i] >> 25);   /* VPROLD */
}

/* ---- 512-bit intrinsics ------------------------------------------------ */

__m512 z_fma(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
__m512 z_fma_mask(__m512 a, __mmask16 k, __m512 b, __m512 c) { return _mm512_mask_fmadd_ps(a, k, b, c); }
__m512d z_add_round(__m512d a, __m512d b) { return _mm512_add_round_pd(a, b, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
__m512 z_mul_bcast(__m512 a, const float *p) { return _mm512_mul_ps(a, _mm512_set1_ps(*p)); }  /* {1to16} */
__m512i z_add_bcast(__m512i a, const int *p) { return _mm512_add_epi32(a, _mm512_set1_epi32(*p)); }
__m512i z_ternlog(__m512i a, __m512i b, __m512i c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
__m512i z_perm(__m512i a, __m512i idx) { return _mm512_permutexvar_epi32(idx, a); }
__m512i z_perm2(__m512i a, __m512i idx, __m512i b) { return _mm512_permutex2var_epi64(a, idx, b); }
__m512i z_shuf_b(__m512i a, __m512i c) { return _mm512_shuffle_epi8(a, c); }
__mmask64 z_cmp_b(__m512i a, __m512i b) { return _mm512_cmpeq_epi8_mask(a, b); }
__mmask16 z_cmp_d(__m512i a, __m512i b) { return _mm512_cmplt_epu32_mask(a, b); }
__mmask8 z_cmp_pd(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
__m512i z_maskz_add(__mmask16 k, __m512i a, __m512i b) { return _mm512_maskz_add_epi32(k, a, b); }
__m512i z_mask_mov_b(__m512i s, __mmask64 k, __m512i a) { return _mm512_mask_mov_epi8(s, k, a); }
__m512i z_blend_q(__mmask8 k, __m512i a, __m512i b) { return _mm512_mask_blend_epi64(k, a, b); }
__m512i z_sll_var(__m512i a, __m512i c) { return _mm512_sllv_epi64(a, c); }
__m512i z_ror(__m512i a) { return _mm512_ror_epi64(a, 13); }
__m512i z_cvt_b_w(__m256i v) { return _mm512_cvtepu8_epi16(v); }
__m256i z_cvt_d_w(__m512i v) { return _mm512_cvtepi32_epi16(v); }      /* VPMOVDW */
__m512 z_rcp(__m512 a) { return _mm512_rcp14_ps(a); }
__m512d z_getexp(__m512d a) { return _mm512_getexp_pd(a); }
__m512 z_scalef(__m512 a, __m512 b) { return _mm512_scalef_ps(a, b); }
__m512i z_sad(__m512i a, __m512i b) { return _mm512_sad_epu8(a, b); }
__m512i z_madd(__m512i a, __m512i b) { return _mm512_madd_epi16(a, b); }
__m512i z_alignr(__m512i a, __m512i b) { return _mm512_alignr_epi32(a, b, 3); }
__m512d z_insert(__m512d a, __m256d b) { return _mm512_insertf64x4(a, b, 1); }
__m256d z_extract(__m512d a) { return _mm512_extractf64x4_pd(a, 1); }
int z_reduce_add(__m512i a) { return _mm512_reduce_add_epi32(a); }
float z_reduce_max(__m512 a) { return _mm512_reduce_max_ps(a); }

/* ---- memory forms: disp8*N, masked load/store, compress/expand ------- */

__m512 z_load_d8(const float *p) { return _mm512_loadu_ps(p + 16); }          /* disp8 = 1 (x64) */
__m512 z_load_d32(const float *p) { return _mm512_loadu_ps(p + 3); }          /* not a multiple of 64 */
__m512i z_load_idx(const int *p, long i) { return _mm512_loadu_si512(p + 16 * i + 32); }
void z_store_d8(double *p, __m512d v) { _mm512_storeu_pd(p - 8, v); }
__m512i z_maskz_load(const int *p, __mmask16 k) { return _mm512_maskz_loadu_epi32(k, p); }
void z_mask_store(int *p, __mmask16 k, __m512i v) { _mm512_mask_storeu_epi32(p + 48, k, v); }
void z_mask_store_b(char *p, __mmask64 k, __m512i v) { _mm512_mask_storeu_epi8(p, k, v); }
__m512i z_mask_load_w(__m512i s, const short *p, __mmask32 k) { return _mm512_mask_loadu_epi16(s, k, p + 64); }
void z_compress_store(int *p, __mmask16 k, __m512i v) { _mm512_mask_compressstoreu_epi32(p, k, v); }
__m512 z_expand_load(const float *p, __mmask16 k) { return _mm512_maskz_expandloadu_ps(k, p); }
__m512 z_gather(const float *base, __m512i idx) { return _mm512_i32gather_ps(idx, base, 4); }
void z_scatter(double *base, __m256i idx, __m512d v) { _mm512_i32scatter_pd(base, idx, v, 8); }
void z_scatter_mask(int *base, __mmask16 k, __m512i idx, __m512i v) { _mm512_mask_i32scatter_epi32(base, k, idx, v, 4); }
void z_stream(void *p, __m512i v) { _mm512_stream_si512((__m512i *)p + 2, v); }
__m512i z_bcast_mem_q(const long long *p) { return _mm512_set1_epi64(p[5]); }
__m512i z_bcast_x4(const __m128i *p) { return _mm512_broadcast_i32x4(_mm_loadu_si128(p + 1)); }
__m512 z_fma_bcast(__m512 a, __m512 b, const float *p) { return _mm512_fmadd_ps(a, b, _mm512_set1_ps(p[9])); }

/* ---- 128/256-bit EVEX (AVX512VL) -------------------------------------- */

__m256i y_ternlog(__m256i a, __m256i b, __m256i c) { return _mm256_ternarylogic_epi64(a, b, c, 0xe8); }
__m128i x_maskz_sub(__mmask8 k, __m128i a, __m128i b) { return _mm_maskz_sub_epi32(k, a, b); }
__mmask8 y_cmp_q(__m256i a, __m256i b) { return _mm256_cmpgt_epi64_mask(a, b); }
__m256i y_perm_w(__m256i a, __m256i i) { return _mm256_permutexvar_epi16(i, a); }
__m128i x_rol(__m128i a) { return _mm_rol_epi32(a, 5); }
void y_mask_store(float *p, __mmask8 k, __m256 v) { _mm256_mask_storeu_ps(p + 24, k, v); }
__m256i y_abs_q(__m256i a) { return _mm256_abs_epi64(a); }
__m128i x_cvt_q_b(__m128i a) { return _mm_cvtepi64_epi8(a); }
__m256 y_bcast_fma(__m256 a, __mmask8 k, __m256 b, const float *p) { return _mm256_mask_fmadd_ps(a, k, b, _mm256_set1_ps(*p)); }

/* ---- opmask arithmetic ------------------------------------------------- */

int k_count(__m512i a, __m512i b)
{
	__mmask64 m = _mm512_cmpgt_epi8_mask(a, b);
	__mmask64 n = _mm512_cmpeq_epi8_mask(a, b);
	return __builtin_popcountll(_kor_mask64(m, n));
}

int k_test(__m512i a, __m512i b)
{
	__mmask16 m = _mm512_cmpneq_epi32_mask(a, b);
	return _mm512_kortestz(m, m);
}

__mmask16 k_logic(__mmask16 a, __mmask16 b, __mmask16 c) { return _mm512_kand(_mm512_kxor(a, b), _mm512_knot(c)); }
__mmask32 k_shift(__mmask32 a) { return _kshiftli_mask32(a, 3); }
__mmask64 k_unpack(__mmask64 a, __mmask64 b) { return _kunpackd_mask64(a, b); }

/* strlen with 64-byte EVEX compares and a mask. */
size_t z_strlen(const char *s)
{
	uptr base = (uptr)s & ~63ul;
	__m512i zero = _mm512_setzero_si512();
	u64 m = _mm512_cmpeq_epi8_mask(_mm512_load_si512((const void *)base), zero);
	m >>= (uptr)s & 63;
	if (m)
		return __builtin_ctzll(m);
	for (base += 64;; base += 64) {
		m = _mm512_cmpeq_epi8_mask(_mm512_load_si512((const void *)base), zero);
		if (m)
			return base - (uptr)s + __builtin_ctzll(m);
	}
}

/* Many live zmm registers: zmm16-31 need EVEX.R'/V'/X. */
void z_transpose_add(float *m)
{
	__m512 v[24];
	for (int i = 0; i < 24; i++)
		v[i] = _mm512_loadu_ps(m + 16 * i);
	for (int i = 0; i < 12; i++)
		v[i] = _mm512_fmadd_ps(v[i], v[23 - i], v[(i + 7) % 24]);
	for (int i = 0; i < 24; i++)
		_mm512_storeu_ps(m + 16 * i, _mm512_add_ps(v[i], v[(i * 5) % 24]));
}

/* 512-bit copy to/from a device window (EVEX VMOVDQU64). */
void mmio_copy512(volatile void *dst, const volatile void *src)
{
	_mm512_storeu_si512((void *)dst, _mm512_loadu_si512((const void *)src));
}

void mmio_write512_masked(volatile void *dst, __mmask16 k, __m512i v)
{
	_mm512_mask_storeu_epi32((void *)dst, k, v);
}

/* ---- 512-bit kernels: loops with masked tails (the AVX-512 idiom) -- */

#define ZW __attribute__((target("prefer-vector-width=512")))

/* Auto-vectorised with full zmm width. */
ZW void zw_saxpy(float *restrict y, const float *restrict x, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

ZW void zw_add_u8(u8 *restrict d, const u8 *restrict a, const u8 *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] + b[i];
}

ZW long zw_sum_i32(const int *a, size_t n)
{
	long s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i];
	return s;
}

ZW void zw_select(int *restrict d, const int *restrict a, const int *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] > b[i] ? a[i] - b[i] : 0;
}

ZW void zw_f64_poly(double *restrict d, const double *restrict x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = ((0.25 * x[i] + 0.5) * x[i] + 1.0) * x[i] + 2.0;
}

/* Dot product with a masked remainder (no scalar tail). */
float z_dot(const float *a, const float *b, size_t n)
{
	__m512 acc = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
	if (i < n) {
		__mmask16 k = (__mmask16)((1u << (n - i)) - 1);
		acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), acc);
	}
	return _mm512_reduce_add_ps(acc);
}

/* y = A*x for a row-major float matrix, 16 columns at a time, broadcast x. */
void z_gemv(float *restrict y, const float *restrict A, const float *restrict x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++) {
		__m512 acc = _mm512_setzero_ps();
		size_t c = 0;
		for (; c + 16 <= cols; c += 16)
			acc = _mm512_fmadd_ps(_mm512_loadu_ps(A + r * cols + c), _mm512_loadu_ps(x + c), acc);
		__mmask16 k = (__mmask16)((1u << (cols - c)) - 1);
		acc = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(k, A + r * cols + c), _mm512_maskz_loadu_ps(k, x + c), acc, k);
		y[r] = _mm512_reduce_add_ps(acc);
	}
}

/* Scale-and-bias with embedded broadcast of the scalar operands. */
void z_scale_bias(float *d, size_t n, const float *scale, const float *bias)
{
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m512 v = _mm512_loadu_ps(d + i);
		v = _mm512_fmadd_ps(v, _mm512_set1_ps(*scale), _mm512_set1_ps(*bias));
		_mm512_storeu_ps(d + i, v);
	}
}

/* Byte classification: count ASCII digits with VPCMPUB masks. */
size_t z_count_digits(const u8 *s, size_t n)
{
	size_t c = 0, i = 0;
	const __m512i lo = _mm512_set1_epi8('0'), span = _mm512_set1_epi8(9);
	for (; i + 64 <= n; i += 64) {
		__m512i v = _mm512_sub_epi8(_mm512_loadu_si512(s + i), lo);
		c += __builtin_popcountll(_mm512_cmple_epu8_mask(v, span));
	}
	if (i < n) {
		__mmask64 k = (n - i) >= 64 ? ~0ull : ((1ull << (n - i)) - 1);
		__m512i v = _mm512_sub_epi8(_mm512_maskz_loadu_epi8(k, s + i), lo);
		c += __builtin_popcountll(_mm512_mask_cmple_epu8_mask(k, v, span));
	}
	return c;
}

/* Filter: keep positive ints, packing them with VPCOMPRESSD to memory. */
size_t z_filter_pos(int *restrict out, const int *restrict in, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m512i v = _mm512_loadu_si512(in + i);
		__mmask16 k = _mm512_cmpgt_epi32_mask(v, _mm512_setzero_si512());
		_mm512_mask_compressstoreu_epi32(out + o, k, v);
		o += __builtin_popcount(k);
	}
	return o;
}

/* Histogram-free table lookup: gather from a 256-entry table. */
void z_lut_u32(u32 *restrict d, const u8 *restrict idx, const u32 *restrict lut, size_t n)
{
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m512i ix = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(idx + i)));
		_mm512_storeu_si512(d + i, _mm512_i32gather_epi32(ix, lut, 4));
	}
}

/* Scatter a strided column. */
void z_scatter_col(double *m, size_t stride, const double *col)
{
	__m256i ix = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)stride));
	_mm512_i32scatter_pd(m, ix, _mm512_loadu_pd(col), 8);
}

/* 16x16 transpose of 32-bit elements: four perfect-shuffle rounds of
 * VPERMT2D (each round rotates the 8-bit element address by 4 bits). */
void z_transpose16(u32 *m)
{
	const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
	const __m512i ihi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
	__m512i r[16], t[16];
	for (int i = 0; i < 16; i++)
		r[i] = _mm512_loadu_si512(m + 16 * i);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 8; i++) {
			t[2 * i] = _mm512_permutex2var_epi32(r[i], ilo, r[i + 8]);
			t[2 * i + 1] = _mm512_permutex2var_epi32(r[i], ihi, r[i + 8]);
		}
		for (int i = 0; i < 16; i++)
			r[i] = t[i];
	}
	for (int i = 0; i < 16; i++)
		_mm512_storeu_si512(m + 16 * i, r[i]);
}

/* Clamp with min/max against memory operands using {1to16} broadcasts. */
void z_clamp_bcast(int *d, size_t n, const int *lo, const int *hi)
{
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m512i v = _mm512_loadu_si512(d + i);
		v = _mm512_max_epi32(v, _mm512_set1_epi32(*lo));
		v = _mm512_min_epi32(v, _mm512_set1_epi32(*hi));
		_mm512_storeu_si512(d + i, v);
	}
}

/* 256-bit EVEX with ymm16-31: force via many live values under AVX512VL. */
void y_many_live(float *m)
{
	__m256 v[20];
	for (int i = 0; i < 20; i++)
		v[i] = _mm256_loadu_ps(m + 8 * i);
	for (int i = 0; i < 20; i++)
		v[i] = _mm256_mask_add_ps(v[i], (__mmask8)(0x5a ^ i), v[i], v[(i + 3) % 20]);
	for (int i = 0; i < 20; i++)
		_mm256_storeu_ps(m + 8 * i, v[(i * 7) % 20]);
}

/* Per-row scalars used once each: GCC folds the set1 into an embedded
 * broadcast memory operand (EVEX.b, {1to16} / {1to8}). */
void z_row_scale(float *m, const float *scale, const float *bias, size_t rows)
{
	for (size_t r = 0; r < rows; r++) {
		__m512 v = _mm512_loadu_ps(m + 16 * r);
		v = _mm512_mul_ps(v, _mm512_set1_ps(scale[r]));
		v = _mm512_add_ps(v, _mm512_set1_ps(bias[r]));
		_mm512_storeu_ps(m + 16 * r, v);
	}
}

void z_row_add_i32(int *m, const int *add, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		_mm512_storeu_si512(m + 16 * r, _mm512_add_epi32(_mm512_loadu_si512(m + 16 * r), _mm512_set1_epi32(add[r])));
}

void z_row_max_f64(double *m, const double *lim, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		_mm512_storeu_pd(m + 8 * r, _mm512_min_pd(_mm512_loadu_pd(m + 8 * r), _mm512_set1_pd(lim[r])));
}

void z_row_and_q(long long *m, const long long *mask, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		_mm512_storeu_si512(m + 8 * r, _mm512_and_si512(_mm512_loadu_si512(m + 8 * r), _mm512_set1_epi64(mask[r])));
}

__m512 z_bcast_fnmadd(__m512 a, __m512 b, const float *p) { return _mm512_fnmadd_ps(a, _mm512_set1_ps(p[1]), b); }
__m256 y_bcast_mul(__m256 a, const float *p) { return _mm256_maskz_mul_ps(0x3f, a, _mm256_set1_ps(p[2])); }
__m128i x_bcast_sub(__m128i a, const int *p) { return _mm_mask_sub_epi32(a, 0x7, a, _mm_set1_epi32(p[3])); }
__mmask16 z_bcast_cmp(__m512i a, const int *p) { return _mm512_cmpgt_epi32_mask(a, _mm512_set1_epi32(*p)); }

/* Masked gathers with VSIB zmm index. */
__m512i z_gather_mask(__m512i src, __mmask16 k, __m512i idx, const int *base) { return _mm512_mask_i32gather_epi32(src, k, idx, base, 4); }
__m512d z_gather_q(__m512i idx, const double *base) { return _mm512_i64gather_pd(idx, base, 8); }
__m256 z_gather_q_ps(__m512i idx, const float *base) { return _mm512_i64gather_ps(idx, base, 4); }

/* One-use scalars from memory fold into embedded-broadcast operands. */
__m512d z_bc_addpd(__m512d a, const double *p)   { return _mm512_add_pd(a, _mm512_set1_pd(p[4])); }       /* {1to8} */
__m512 z_bc_divps(__m512 a, const float *p)      { return _mm512_div_ps(a, _mm512_set1_ps(*p)); }
__m512 z_bc_maxps(__m512 a, const float *p)      { return _mm512_max_ps(a, _mm512_set1_ps(p[-1])); }
__m512i z_bc_andq(__m512i a, const long long *p) { return _mm512_and_epi64(a, _mm512_set1_epi64(p[2])); }
__m512i z_bc_orq(__m512i a, const long long *p)  { return _mm512_or_epi64(a, _mm512_set1_epi64(*p)); }
__m512i z_bc_mulld(__m512i a, const int *p)      { return _mm512_mullo_epi32(a, _mm512_set1_epi32(p[32])); }
__m512i z_bc_subq(__m512i a, const long long *p) { return _mm512_sub_epi64(a, _mm512_set1_epi64(p[1])); }
__m512i z_bc_xord(__m512i a, const int *p)       { return _mm512_xor_epi32(a, _mm512_set1_epi32(p[100])); }
__m512i z_bc_minud(__m512i a, const unsigned *p) { return _mm512_min_epu32(a, _mm512_set1_epi32((int)*p)); }
__m512i z_bc_sllv(__m512i a, const long long *p) { return _mm512_sllv_epi64(a, _mm512_set1_epi64(*p)); }
__m256d y_bc_mulpd(__m256d a, const double *p)   { return _mm256_maskz_mul_pd(0x5, a, _mm256_set1_pd(*p)); }
__m256i y_bc_addq(__m256i a, const long long *p) { return _mm256_maskz_add_epi64(0x3, a, _mm256_set1_epi64x(p[3])); }
__m128 x_bc_subps(__m128 a, const float *p)      { return _mm_maskz_sub_ps(0x9, a, _mm_set1_ps(p[7])); }
__m512 z_bc_fmadd_mask(__m512 a, __mmask16 k, __m512 b, const float *p) { return _mm512_mask_fmadd_ps(a, k, b, _mm512_set1_ps(p[5])); }
