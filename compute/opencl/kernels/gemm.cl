// Tiled GEMM with optional transposes, shared by the plain and the grouped (per-expert) ops.
//
// One launch covers up to 15 groups (get_global_id(2) = group; work-groups are 1 deep). Group g uses rows
// [seg[g], seg[g+1]) of the segmented operands; its operands start at
//   base + seg[g] * segStride + (expert0 + g) * expertStride
// for A, B and C. segM: the group's M is its segment length (forward, backward-input);
// segK: its K is (backward-weight). A plain GEMM is one group with zero strides.
//
// C = alpha * op(A) * op(B) + beta * C; op(A) is M x K, op(B) is K x N. beta == 0 never reads C.
// Work-group 16 x 16; each work-item computes a 4 x 4 block of a 64 x 64 tile, strided by 16
// so that neighbouring work-items touch neighbouring columns (coalesced on GPUs, vectorised
// across work-items by PoCL).

#define TILE 64
#define TILE_K 16
#define WG 16
#define WPT (TILE / WG)

// Resolves group g of a launch: its M and K, and its operands' element offsets.
inline void gemmGroup(int16 seg, int g, int expert0, int M, int K, int segM, int segK,
                      int aSeg, int aExpert, int bSeg, int bExpert, int cSeg, int cExpert,
                      int* Mg, int* Kg, int* aOff, int* bOff, int* cOff) {
  int offs[16];
  vstore16(seg, 0, offs);
  const int lo = offs[g];
  const int len = offs[g + 1] - lo;
  const int e = expert0 + g;
  *Mg = segM ? len : M;
  *Kg = segK ? len : K;
  *aOff = lo * aSeg + e * aExpert;
  *bOff = lo * bSeg + e * bExpert;
  *cOff = lo * cSeg + e * cExpert;
}

#define GEMM_ARGS                                                                    \
  int M, int N, int K, float alpha, float beta, __global const float *A, int lda,    \
      int transA, __global const float *B, int ldb, int transB, __global float *C,   \
      int ldc, int16 seg, int expert0, int segM, int segK, int aSeg, int aExpert,    \
      int bSeg, int bExpert, int cSeg, int cExpert

#define GEMM_GROUP()                                                                 \
  int Mg, Kg, aOff, bOff, cOff;                                                      \
  gemmGroup(seg, get_global_id(2), expert0, M, K, segM, segK, aSeg, aExpert, bSeg,    \
            bExpert, cSeg, cExpert, &Mg, &Kg, &aOff, &bOff, &cOff);                  \
  A += aOff;                                                                         \
  B += bOff;                                                                         \
  C += cOff

__kernel __attribute__((reqd_work_group_size(WG, WG, 1)))
void gemm_tiled(GEMM_ARGS) {
  GEMM_GROUP();
  const int row0 = get_group_id(1) * TILE;
  const int col0 = get_group_id(0) * TILE;
  if (row0 >= Mg) return;  // uniform across the work-group

  __local float As[TILE_K][TILE + 1];
  __local float Bs[TILE_K][TILE];

  const int tx = get_local_id(0), ty = get_local_id(1);
  const int lid = ty * WG + tx;

  float acc[WPT][WPT];
  for (int i = 0; i < WPT; ++i)
    for (int j = 0; j < WPT; ++j) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < Kg; k0 += TILE_K) {
    // Each work-item loads 4 elements of each tile; consecutive work-items read consecutive
    // addresses whichever way the operand is stored.
    for (int i = 0; i < (TILE * TILE_K) / (WG * WG); ++i) {
      const int l = lid + i * WG * WG;
      int m, k;
      if (transA) { k = l / TILE; m = l % TILE; } else { m = l / TILE_K; k = l % TILE_K; }
      const int gm = row0 + m, gk = k0 + k;
      float v = 0.0f;
      if (gm < Mg && gk < Kg) v = transA ? A[gk * lda + gm] : A[gm * lda + gk];
      As[k][m] = v;
    }
    for (int i = 0; i < (TILE * TILE_K) / (WG * WG); ++i) {
      const int l = lid + i * WG * WG;
      int n, k;
      if (transB) { n = l / TILE_K; k = l % TILE_K; } else { k = l / TILE; n = l % TILE; }
      const int gn = col0 + n, gk = k0 + k;
      float v = 0.0f;
      if (gn < N && gk < Kg) v = transB ? B[gn * ldb + gk] : B[gk * ldb + gn];
      Bs[k][n] = v;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 0; k < TILE_K; ++k) {
      float a[WPT], b[WPT];
      for (int i = 0; i < WPT; ++i) a[i] = As[k][ty + i * WG];
      for (int j = 0; j < WPT; ++j) b[j] = Bs[k][tx + j * WG];
      for (int i = 0; i < WPT; ++i)
        for (int j = 0; j < WPT; ++j) acc[i][j] = mad(a[i], b[j], acc[i][j]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  for (int i = 0; i < WPT; ++i) {
    const int r = row0 + ty + i * WG;
    if (r >= Mg) break;
    for (int j = 0; j < WPT; ++j) {
      const int c = col0 + tx + j * WG;
      if (c < N) {
        const int at = r * ldc + c;
        C[at] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * C[at];
      }
    }
  }
}

// y[seg_e] += b_e for the rows [seg[0], seg[count]) of this launch; 2-D range (cols, rows).
__kernel void grouped_add_bias(__global float* y, __global const float* b, int cols,
                               int16 seg, int count, int expert0) {
  int offs[16];
  vstore16(seg, 0, offs);
  const int c = get_global_id(0);
  const int r = offs[0] + get_global_id(1);
  if (c >= cols || r >= offs[count]) return;
  int g = 0;
  while (r >= offs[g + 1]) ++g;
  y[r * cols + c] += b[(expert0 + g) * cols + c];
}

// db_e = beta * db_e + column sums of dy[seg_e]; 2-D range (cols, count), rows summed in order.
__kernel void grouped_bias_grad(__global const float* dy, __global float* db, int cols,
                                int16 seg, int count, int expert0, float beta) {
  int offs[16];
  vstore16(seg, 0, offs);
  const int c = get_global_id(0), g = get_global_id(1);
  if (c >= cols || g >= count) return;
  float s = 0.0f;
  for (int r = offs[g]; r < offs[g + 1]; ++r) s += dy[r * cols + c];
  const int at = (expert0 + g) * cols + c;
  db[at] = beta == 0.0f ? s : beta * db[at] + s;
}
