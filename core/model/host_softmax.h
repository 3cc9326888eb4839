#pragma once
/** @file Softmax of one row on the host, for inspections (class probabilities per expert). */
#include <algorithm>
#include <cmath>
#include <vector>

namespace moe::core {

/** exp(z - max) / sum: the probabilities of logits z (not empty). */
inline std::vector<float> softmaxOf(std::vector<float> z) {
  const float mx = *std::max_element(z.begin(), z.end());
  float sum = 0.0f;
  for (auto& v : z) sum += (v = std::exp(v - mx));
  for (auto& v : z) v /= sum;
  return z;
}

inline std::vector<float> softmaxOf(const float* z, int n) { return softmaxOf(std::vector<float>(z, z + n)); }

}  // namespace moe::core
