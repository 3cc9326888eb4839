// Routing ops: gather, scatter, CSR combine (deterministic, no atomics), cross-entropy.
// Row-wise ops use one work-item per row: rows are short here (experts, classes), and a
// sequential loop gives the same summation order on every device.

// Indices live on the device and are not validated by the host (that would cost a read-back):
// an out-of-range index reads as a zero row instead of touching memory it does not own.

// out[i] = x[index[i]]; 2-D range (cols, rows).
__kernel void gather_rows(__global const float* x, int xRows, __global const int* index,
                          __global float* out, int rows, int cols) {
  const int c = get_global_id(0), r = get_global_id(1);
  if (c >= cols || r >= rows) return;
  const int i = index[r];
  out[r * cols + c] = i >= 0 && i < xRows ? x[i * cols + c] : 0.0f;
}

// out[index[i]] = src[i] (distinct indices); 2-D range (cols, rows of src).
__kernel void scatter_rows(__global const float* src, __global const int* index,
                           __global float* out, int outRows, int rows, int cols) {
  const int c = get_global_id(0), r = get_global_id(1);
  if (c >= cols || r >= rows) return;
  const int i = index[r];
  if (i >= 0 && i < outRows) out[i * cols + c] = src[r * cols + c];
}

// out[r] = beta * out[r] + sum_j weight[j] * src[slot[j]]; 2-D range (cols, rows).
__kernel void combine_rows(__global const float* src, int srcRows, __global const int* rowPtr,
                           __global const int* slot, __global const float* weight, float beta,
                           __global float* out, int rows, int cols) {
  const int c = get_global_id(0), r = get_global_id(1);
  if (c >= cols || r >= rows) return;
  float s = 0.0f;
  for (int j = rowPtr[r]; j < rowPtr[r + 1]; ++j) {
    const int i = slot[j];
    if (i >= 0 && i < srcRows) s += weight[j] * src[i * cols + c];
  }
  const int at = r * cols + c;
  out[at] = beta == 0.0f ? s : beta * out[at] + s;
}

// dSrc[slot[j]] = weight[j] * dOut[r] (dSrc zeroed before); 2-D range (cols, rows).
__kernel void combine_rows_backward_src(__global const float* dOut, __global const int* rowPtr,
                                        __global const int* slot, __global const float* weight,
                                        __global float* dSrc, int srcRows, int rows,
                                        int cols) {
  const int c = get_global_id(0), r = get_global_id(1);
  if (c >= cols || r >= rows) return;
  const float d = dOut[r * cols + c];
  for (int j = rowPtr[r]; j < rowPtr[r + 1]; ++j) {
    const int i = slot[j];
    if (i >= 0 && i < srcRows) dSrc[i * cols + c] = weight[j] * d;
  }
}

// dWeight[j] = dot(dOut[r], src[slot[j]]) where r owns entry j; one work-item per entry.
__kernel void combine_rows_backward_weight(__global const float* dOut, __global const float* src,
                                           int srcRows, __global const int* rowPtr,
                                           __global const int* slot, __global float* dWeight,
                                           int rows, int cols, int nnz) {
  const int j = get_global_id(0);
  if (j >= nnz) return;
  int lo = 0, hi = rows;  // find r with rowPtr[r] <= j < rowPtr[r + 1]
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (rowPtr[mid] <= j) lo = mid; else hi = mid;
  }
  const int i = slot[j];
  float acc = 0.0f;
  if (i < 0 || i >= srcRows) { dWeight[j] = acc; return; }
  __global const float* d = dOut + lo * cols;
  __global const float* s = src + i * cols;
  for (int c = 0; c < cols; ++c) acc += d[c] * s[c];
  dWeight[j] = acc;
}

// dLogits = scale * (softmax - onehot); loss[r] = logsumexp - logit[label] >= 0, summed on the
// host. A label out of range leaves the row alone and reports loss -1 (the host throws).
__kernel void cross_entropy(__global const float* logits, __global const int* labels,
                            float scale, __global float* dLogits, __global float* loss,
                            int rows, int cols) {
  const int r = get_global_id(0);
  if (r >= rows) return;
  const int base = r * cols;
  const int label = labels[r];
  if (label < 0 || label >= cols) { loss[r] = -1.0f; return; }
  float m = logits[base];
  for (int c = 1; c < cols; ++c) m = m < logits[base + c] ? logits[base + c] : m;
  float s = 0.0f;
  for (int c = 0; c < cols; ++c) s += exp(logits[base + c] - m);
  const float lse = m + log(s);
  for (int c = 0; c < cols; ++c) dLogits[base + c] = scale * exp(logits[base + c] - lse);
  dLogits[base + label] -= scale;
  loss[r] = lse - logits[base + label];
}
