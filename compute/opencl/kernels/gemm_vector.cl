// GEMM kernels for CPU devices (PoCL): no local memory and no barriers, explicit float16
// vectors and register blocking, leaving the tiling to the CPU's caches. Same arguments and
// group scheme as gemm_tiled (see gemm.cl); launched with a runtime-chosen work-group size.

#define VB_ROWS 8  // rows of C per work-item in gemm_vector_nn
#define VB_COLS 16

// op(B) = B (not transposed): each work-item computes an 8 x 16 block of C as a sum of outer
// products, one float16 row of B times 8 broadcast elements of op(A) per k. op(A) may be
// transposed. Range: (ceil(N / 16), ceil(maxM / 8), groups).
__kernel void gemm_vector_nn(GEMM_ARGS) {
  GEMM_GROUP();
  const int col0 = get_global_id(0) * VB_COLS;
  const int row0 = get_global_id(1) * VB_ROWS;
  if (row0 >= Mg || col0 >= N) return;
  const int rowStep = transA ? 1 : lda;  // distance between rows of op(A)
  const int kStep = transA ? lda : 1;    // distance between its columns
  int aRow[VB_ROWS];
  for (int i = 0; i < VB_ROWS; ++i) aRow[i] = min(row0 + i, Mg - 1) * rowStep;
  const bool fullCols = col0 + VB_COLS <= N;

  float16 acc[VB_ROWS];
  for (int i = 0; i < VB_ROWS; ++i) acc[i] = (float16)(0.0f);
  for (int k = 0; k < Kg; ++k) {
    __global const float* bRow = B + k * ldb + col0;
    float16 b;
    if (fullCols) {
      b = vload16(0, bRow);
    } else {
      float tmp[VB_COLS];
      for (int j = 0; j < VB_COLS; ++j) tmp[j] = col0 + j < N ? bRow[j] : 0.0f;
      b = vload16(0, tmp);
    }
    const int ak = k * kStep;
    for (int i = 0; i < VB_ROWS; ++i) acc[i] = mad((float16)(A[aRow[i] + ak]), b, acc[i]);
  }

  for (int i = 0; i < VB_ROWS && row0 + i < Mg; ++i) {
    __global float* c = C + (row0 + i) * ldc + col0;
    if (fullCols) {
      const float16 v = alpha * acc[i];
      vstore16(beta == 0.0f ? v : v + beta * vload16(0, c), 0, c);
    } else {
      float tmp[VB_COLS];
      vstore16(acc[i], 0, tmp);
      for (int j = 0; j < VB_COLS && col0 + j < N; ++j)
        c[j] = beta == 0.0f ? alpha * tmp[j] : alpha * tmp[j] + beta * c[j];
    }
  }
}

inline float hsum16(float16 v) {
  const float8 a = v.lo + v.hi;
  const float4 b = a.lo + a.hi;
  const float2 c = b.lo + b.hi;
  return c.x + c.y;
}

// op(A) = A, op(B) = B^T: every element of C is a dot product of two contiguous rows. Each
// work-item computes a 4 x 4 block with float16 partial sums over k. Range:
// (ceil(N / 4), ceil(maxM / 4), groups).
__kernel void gemm_vector_nt(GEMM_ARGS) {
  GEMM_GROUP();
  const int col0 = get_global_id(0) * 4;
  const int row0 = get_global_id(1) * 4;
  if (row0 >= Mg || col0 >= N) return;
  __global const float* a[4];
  __global const float* b[4];
  for (int i = 0; i < 4; ++i) {
    a[i] = A + min(row0 + i, Mg - 1) * lda;
    b[i] = B + min(col0 + i, N - 1) * ldb;
  }
  float16 acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = (float16)(0.0f);
  int k = 0;
  for (; k + 16 <= Kg; k += 16) {
    float16 av[4], bv[4];
    for (int i = 0; i < 4; ++i) av[i] = vload16(0, a[i] + k);
    for (int j = 0; j < 4; ++j) bv[j] = vload16(0, b[j] + k);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) acc[i][j] = mad(av[i], bv[j], acc[i][j]);
  }
  for (int i = 0; i < 4 && row0 + i < Mg; ++i)
    for (int j = 0; j < 4 && col0 + j < N; ++j) {
      float s = hsum16(acc[i][j]);
      for (int kk = k; kk < Kg; ++kk) s = mad(a[i][kk], b[j][kk], s);
      __global float* c = C + (row0 + i) * ldc + col0 + j;
      *c = beta == 0.0f ? alpha * s : alpha * s + beta * *c;
    }
}
