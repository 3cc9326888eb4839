#pragma once
// Small helpers of the finite-difference gradient tests: random inputs and a dot product
// (the directional derivative's check is dot(analytic gradient, direction)).
#include <random>
#include <vector>

namespace moe::testing {

inline std::vector<float> randomVec(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
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
