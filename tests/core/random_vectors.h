#pragma once
// Small helpers of the finite-difference gradient tests and the optimizer rig: random inputs
// and a dot product (the directional derivative's check is dot(analytic gradient, direction)).
#include <random>
#include <vector>

namespace moe::testing {

/** n values drawn uniformly from [lo, hi). */
inline std::vector<float> randomVec(std::size_t n, std::mt19937_64& rng, float lo = -1.0f,
                                    float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

/** n values drawn from N(0, scale^2) with a generator seeded by `seed`. */
inline std::vector<float> normalVec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

}  // namespace moe::testing
