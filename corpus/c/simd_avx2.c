/*
 * simd_avx2.c - VEX-encoded AVX2/FMA code.
 *
 * corpus-flags: -O2 -mavx2 -mfma
 *
 * Auto-vectorised loops (256-bit VEX, VZEROUPPER on return), FMA, gathers
 * (VSIB addressing), masked loads/stores (VMASKMOV/VPMASKMOV), permutes,
 * broadcasts and a 4x4 matrix multiply with intrinsics.
 */
#include <immintrin.h>
#include <stddef.h>
#include "mmio.h"

void saxpy(float *restrict y, const float *restrict x, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = a * x[i] + y[i];               /* VFMADD231PS */
}

void daxpy(double *restrict y, const double *restrict x, double a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

float sdot(const float *a, const float *b, size_t n)
{
	float s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

void add_u8_sat(u8 *restrict d, const u8 *restrict a, const u8 *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned s = a[i] + b[i];
		d[i] = s > 255 ? 255 : (u8)s;          /* VPADDUSB */
	}
}

void i16_mul_add(int *restrict d, const short *restrict a, const short *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] += a[i] * b[i];
}

void u32_shift_xor(u32 *restrict d, const u32 *restrict s, size_t n, unsigned k)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (s[i] << k) ^ (s[i] >> (32 - k));   /* VPSLLD/VPSRLD with xmm count */
}

void u32_varshift(u32 *restrict d, const u32 *restrict s, const u32 *restrict k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i] << (k[i] & 31);             /* VPSLLVD */
}

void i64_max(long *restrict d, const long *restrict a, const long *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] > b[i] ? a[i] : b[i];       /* VPCMPGTQ + VPBLENDVB */
}

void f32_clamp(float *d, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++) {
		float v = d[i];
		d[i] = v < lo ? lo : v > hi ? hi : v;
	}
}

void gather_loop(float *restrict d, const float *restrict tbl, const int *restrict idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = tbl[idx[i]];                     /* VGATHERDPS, maybe */
}

u64 sum_u32_wide(const u32 *a, size_t n)
{
	u64 s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i];                               /* VPMOVZXDQ */
	return s;
}

void rgb_to_gray(u8 *restrict g, const u8 *restrict rgb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g[i] = (u8)((77 * rgb[3 * i] + 150 * rgb[3 * i + 1] + 29 * rgb[3 * i + 2]) >> 8);
}

void cvt_f64_i32(int *restrict d, const double *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (int)s[i];                       /* VCVTTPD2DQ */
}

/* ---- intrinsics ------------------------------------------------------- */

__m256 fma_ps(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
__m256d fms_pd(__m256d a, __m256d b, __m256d c) { return _mm256_fmsub_pd(a, b, c); }
__m128 fnma_ss(__m128 a, __m128 b, __m128 c) { return _mm_fnmadd_ss(a, b, c); }

__m256 gather_ps(const float *base, __m256i idx) { return _mm256_i32gather_ps(base, idx, 4); }      /* VSIB ymm */
__m256d gather_pd(const double *base, __m128i idx) { return _mm256_i32gather_pd(base, idx, 8); }
__m256i gather_q(const long long *base, __m256i idx) { return _mm256_i64gather_epi64(base, idx, 8); }
__m128i gather_masked(__m128i src, const int *base, __m128i idx, __m128i m)
{
	return _mm_mask_i32gather_epi32(src, base, idx, m, 2);
}

__m256 maskload_ps(const float *p, __m256i m) { return _mm256_maskload_ps(p, m); }                 /* VMASKMOVPS */
void maskstore_ps(float *p, __m256i m, __m256 v) { _mm256_maskstore_ps(p, m, v); }
__m256i maskload_d(const int *p, __m256i m) { return _mm256_maskload_epi32(p, m); }                 /* VPMASKMOVD */
void maskstore_q(long long *p, __m256i m, __m256i v) { _mm256_maskstore_epi64(p, m, v); }

__m256i permute_d(__m256i v, __m256i idx) { return _mm256_permutevar8x32_epi32(v, idx); }
__m256i permute_q(__m256i v) { return _mm256_permute4x64_epi64(v, 0x1b); }
__m256 permute2f(__m256 a, __m256 b) { return _mm256_permute2f128_ps(a, b, 0x21); }
__m256i bcast_d(const int *p) { return _mm256_set1_epi32(*p); }                                      /* VPBROADCASTD mem */
__m256 bcast_ss(const float *p) { return _mm256_broadcast_ss(p); }
__m256i bcast_128(const __m128i *p) { return _mm256_broadcastsi128_si256(_mm_loadu_si128(p)); }
__m256i shuffle_b(__m256i v, __m256i c) { return _mm256_shuffle_epi8(v, c); }
__m256i unpack_lo(__m256i a, __m256i b) { return _mm256_unpacklo_epi16(a, b); }
__m256i pack_us(__m256i a, __m256i b) { return _mm256_packus_epi32(a, b); }
__m256i sad(__m256i a, __m256i b) { return _mm256_sad_epu8(a, b); }
__m256i madd(__m256i a, __m256i b) { return _mm256_maddubs_epi16(a, b); }
int movemask_b(__m256i v) { return _mm256_movemask_epi8(v); }
int testc(__m256i a, __m256i b) { return _mm256_testc_si256(a, b); }
__m128i extract_hi(__m256i v) { return _mm256_extracti128_si256(v, 1); }
__m256i insert_hi(__m256i v, __m128i h) { return _mm256_inserti128_si256(v, h, 1); }
__m256i blend_d(__m256i a, __m256i b) { return _mm256_blend_epi32(a, b, 0xa5); }
__m256 cmp_ps(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
__m256 rsqrt(__m256 a) { return _mm256_rsqrt_ps(a); }
__m256d sqrt_pd(__m256d a) { return _mm256_sqrt_pd(a); }
__m256 round_ps(__m256 a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
__m256 hadd_ps(__m256 a, __m256 b) { return _mm256_hadd_ps(a, b); }
__m256i srav(__m256i a, __m256i c) { return _mm256_srav_epi32(a, c); }
__m256i mulhrs(__m256i a, __m256i b) { return _mm256_mulhrs_epi16(a, b); }
__m256i cvt_u8_i32(__m128i v) { return _mm256_cvtepu8_epi32(v); }
__m256i cvt_s16_i64(const void *p) { return _mm256_cvtepi16_epi64(_mm_loadl_epi64((const __m128i *)p)); }

/* Horizontal sum of 8 floats. */
float hsum8(__m256 v)
{
	__m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
	return _mm_cvtss_f32(lo);
}

/* 4x4 single-precision matrix multiply. */
void mat4_mul(float *restrict r, const float *restrict a, const float *restrict b)
{
	__m128 b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4), b2 = _mm_loadu_ps(b + 8), b3 = _mm_loadu_ps(b + 12);
	for (int i = 0; i < 4; i++) {
		__m128 x = _mm_mul_ps(_mm_broadcast_ss(a + 4 * i), b0);
		x = _mm_fmadd_ps(_mm_broadcast_ss(a + 4 * i + 1), b1, x);
		x = _mm_fmadd_ps(_mm_broadcast_ss(a + 4 * i + 2), b2, x);
		x = _mm_fmadd_ps(_mm_broadcast_ss(a + 4 * i + 3), b3, x);
		_mm_storeu_ps(r + 4 * i, x);
	}
}

/* memchr with VPCMPEQB/VPMOVMSKB. */
const void *memchr_avx2(const void *p, int c, size_t n)
{
	const u8 *s = (const u8 *)p;
	__m256i needle = _mm256_set1_epi8((char)c);
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		u32 m = (u32)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(s + i)), needle));
		if (m)
			return s + i + __builtin_ctz(m);
	}
	for (; i < n; i++)
		if (s[i] == (u8)c)
			return s + i;
	return 0;
}

/* Stream a 256-bit pattern into a framebuffer. */
void fb_fill_avx(void *fb, u32 px, size_t bytes)
{
	__m256i v = _mm256_set1_epi32((int)px);
	for (size_t i = 0; i < bytes / 32; i++)
		_mm256_stream_si256((__m256i *)fb + i, v);   /* VMOVNTDQ */
	_mm_sfence();
}

/* 256-bit access to a device register window (VMOVDQU to/from device). */
void mmio_read256(volatile void *reg, void *dst)
{
	_mm256_storeu_si256((__m256i *)dst, _mm256_loadu_si256((const __m256i *)reg));
}

void mmio_write256(volatile void *reg, __m256i v) { _mm256_store_si256((__m256i *)reg, v); }

/* Many live vectors: ymm8-ymm15 need VEX.R/VEX.B (3-byte VEX C4). */
void transpose8x8(float *m)
{
	__m256 r0 = _mm256_loadu_ps(m), r1 = _mm256_loadu_ps(m + 8), r2 = _mm256_loadu_ps(m + 16), r3 = _mm256_loadu_ps(m + 24);
	__m256 r4 = _mm256_loadu_ps(m + 32), r5 = _mm256_loadu_ps(m + 40), r6 = _mm256_loadu_ps(m + 48), r7 = _mm256_loadu_ps(m + 56);
	__m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
	__m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
	__m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
	__m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
	__m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
	__m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
	__m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
	__m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
	_mm256_storeu_ps(m,      _mm256_permute2f128_ps(s0, s4, 0x20));
	_mm256_storeu_ps(m + 8,  _mm256_permute2f128_ps(s1, s5, 0x20));
	_mm256_storeu_ps(m + 16, _mm256_permute2f128_ps(s2, s6, 0x20));
	_mm256_storeu_ps(m + 24, _mm256_permute2f128_ps(s3, s7, 0x20));
	_mm256_storeu_ps(m + 32, _mm256_permute2f128_ps(s0, s4, 0x31));
	_mm256_storeu_ps(m + 40, _mm256_permute2f128_ps(s1, s5, 0x31));
	_mm256_storeu_ps(m + 48, _mm256_permute2f128_ps(s2, s6, 0x31));
	_mm256_storeu_ps(m + 56, _mm256_permute2f128_ps(s3, s7, 0x31));
}

/* Table lookups through gathers in a loop (VSIB with ymm/xmm index). */
void lut_gather_loop(int *restrict d, const int *restrict lut, const int *restrict idx, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		__m256i ix = _mm256_loadu_si256((const __m256i *)(idx + i));
		_mm256_storeu_si256((__m256i *)(d + i), _mm256_i32gather_epi32(lut, ix, 4));
	}
}

__m128 gather_ps128(const float *base, __m128i idx) { return _mm_i32gather_ps(base, idx, 4); }
__m128d gather_pd_q(const double *base, __m128i idx) { return _mm_i64gather_pd(base, idx, 8); }
__m256d gather_pd_mask(__m256d src, const double *base, __m128i idx, __m256d m) { return _mm256_mask_i32gather_pd(src, base, idx, m, 8); }
__m128i gather_q32(const int *base, __m256i idx) { return _mm256_i64gather_epi32(base, idx, 4); }
