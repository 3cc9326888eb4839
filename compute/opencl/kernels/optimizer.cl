// Fused optimizer steps, one work-item per parameter (the same formulas as PyTorch's Adam,
// AdamW and SGD).

// stepSize = lr / (1 - beta1^step), sqrtBc2 = sqrt(1 - beta2^step) and decay = 1 - lr * wd
// (AdamW) come from the host, computed as the CPU backend does.
__kernel void adam_update(__global float* param, __global const float* grad, __global float* m,
                          __global float* v, int n, float beta1, float beta2, float eps,
                          float weightDecay, int decoupled, float decay, float stepSize,
                          float sqrtBc2) {
  const int i = get_global_id(0);
  if (i >= n) return;
  float p = param[i];
  float g = grad[i];
  if (weightDecay != 0.0f) {
    if (decoupled) p *= decay; else g += weightDecay * p;
  }
  const float mi = beta1 * m[i] + (1.0f - beta1) * g;
  const float vi = beta2 * v[i] + (1.0f - beta2) * (g * g);
  m[i] = mi;
  v[i] = vi;
  param[i] = p - stepSize * mi / (sqrt(vi) / sqrtBc2 + eps);
}

__kernel void sgd_update(__global float* param, __global const float* grad,
                         __global float* velocity, int n, float lr, float momentum,
                         float weightDecay, int nesterov) {
  const int i = get_global_id(0);
  if (i >= n) return;
  const float p = param[i];
  float g = grad[i];
  if (weightDecay != 0.0f) g += weightDecay * p;
  if (momentum != 0.0f) {
    const float vel = momentum * velocity[i] + g;
    velocity[i] = vel;
    g = nesterov ? g + momentum * vel : vel;
  }
  param[i] = p - lr * g;
}
