// Fused optimizer steps, one work-item per parameter (the same formulas as PyTorch's Adam,
// AdamW and SGD).

// biasCorrection1/2 = 1 - beta^step, computed on the host in double.
__kernel void adam_update(__global float* param, __global const float* grad, __global float* m,
                          __global float* v, int n, float lr, float beta1, float beta2, float eps,
                          float weightDecay, int decoupled, float biasCorrection1,
                          float biasCorrection2) {
  const int i = get_global_id(0);
  if (i >= n) return;
  float p = param[i];
  float g = grad[i];
  if (weightDecay != 0.0f) {
    if (decoupled) p -= lr * weightDecay * p; else g += weightDecay * p;
  }
  const float mi = beta1 * m[i] + (1.0f - beta1) * g;
  const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  const float mHat = mi / biasCorrection1;
  const float vHat = vi / biasCorrection2;
  param[i] = p - lr * mHat / (sqrt(vHat) + eps);
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
