// Element-wise ops, activations, row-vector broadcast and reductions.
// Portable OpenCL 1.2 C. 1-D kernels take the element count and ignore padding work-items.

enum { ACT_IDENTITY, ACT_RELU, ACT_GELU, ACT_TANH, ACT_SIGMOID, ACT_SILU, ACT_SOFTPLUS };

#define GELU_K0 0.7978845608028654f  // sqrt(2 / pi)
#define GELU_K1 0.044715f

// The CPU reference's form; exp(-x) = inf for very negative x still gives 0, not NaN.
inline float sigmoidf(float x) { return 1.0f / (1.0f + exp(-x)); }

// log(1 + exp(x)) without overflow for large x.
inline float softplusf(float x) { return log1p(exp(-fabs(x))) + fmax(x, 0.0f); }

inline float activate(int act, float x) {
  switch (act) {
    case ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ACT_GELU: return 0.5f * x * (1.0f + tanh(GELU_K0 * (x + GELU_K1 * x * x * x)));
    case ACT_TANH: return tanh(x);
    case ACT_SIGMOID: return sigmoidf(x);
    case ACT_SILU: return x * sigmoidf(x);
    case ACT_SOFTPLUS: return softplusf(x);
    default: return x;
  }
}

// d act(x) / dx, given the forward input x and output y.
inline float activateGrad(int act, float x, float y) {
  switch (act) {
    case ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case ACT_GELU: {
      const float t = tanh(GELU_K0 * (x + GELU_K1 * x * x * x));
      return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_K0 * (1.0f + 3.0f * GELU_K1 * x * x);
    }
    case ACT_TANH: return 1.0f - y * y;
    case ACT_SIGMOID: return y * (1.0f - y);
    case ACT_SILU: {
      const float s = sigmoidf(x);
      return s * (1.0f + x * (1.0f - s));
    }
    case ACT_SOFTPLUS: return sigmoidf(x);
    default: return 1.0f;
  }
}

__kernel void axpby(__global const float* x, __global float* y, int n, float a, float b) {
  const int i = get_global_id(0);
  if (i < n) y[i] = b == 0.0f ? a * x[i] : a * x[i] + b * y[i];
}

__kernel void mul_f32(__global const float* x, __global const float* y, __global float* z, int n) {
  const int i = get_global_id(0);
  if (i < n) z[i] = x[i] * y[i];
}

__kernel void activation_forward(__global const float* x, __global float* y, int n, int act) {
  const int i = get_global_id(0);
  if (i < n) y[i] = activate(act, x[i]);
}

__kernel void activation_backward(__global const float* x, __global const float* y,
                                  __global const float* dy, __global float* dx, int n, int act) {
  const int i = get_global_id(0);
  if (i < n) dx[i] = dy[i] * activateGrad(act, x[i], y[i]);
}

// x (rows x cols) += b (1 x cols); 2-D range: (cols, rows).
__kernel void add_row_vector(__global float* x, __global const float* b, int rows, int cols) {
  const int c = get_global_id(0), r = get_global_id(1);
  if (c < cols && r < rows) x[r * cols + c] += b[c];
}

// out[c] = beta * out[c] + sum_r x[r][c]; one work-item per column, rows summed in order.
__kernel void sum_rows(__global const float* x, __global float* out, int rows, int cols,
                       float beta) {
  const int c = get_global_id(0);
  if (c >= cols) return;
  float s = 0.0f;
  for (int r = 0; r < rows; ++r) s += x[r * cols + c];
  out[c] = beta == 0.0f ? s : beta * out[c] + s;
}

// Partial sums of squares: a fixed grid of work-groups, each writes one partial (the host
// adds them in double), so the result does not depend on timing. Local size must be 256.
__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void sum_squares_partial(__global const float* x, int n, __global float* partial) {
  __local float scratch[256];
  const int lid = get_local_id(0);
  float s = 0.0f;
  for (int i = get_global_id(0); i < n; i += get_global_size(0)) s += x[i] * x[i];
  scratch[lid] = s;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int stride = 128; stride > 0; stride >>= 1) {
    if (lid < stride) scratch[lid] += scratch[lid + stride];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
