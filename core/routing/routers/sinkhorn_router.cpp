#include "core/routing/routers/sinkhorn_router.h"

#include <algorithm>
#include <cmath>

namespace moe::core {

RouterInfo SinkhornRouter::describe() {
  return {"sinkhorn",
          "training: top-1 of Sinkhorn-balanced exp(logits); test: top-1 (Megatron's S-BASE, "
          "Clark et al. 2022)",
          {RouterSetting::Score, RouterSetting::RouteScale},
          false,
          [](const RouterSettings&, int) { return 1; }};
}

const RouterInfo& SinkhornRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

std::vector<double> SinkhornRouter::balance(const float* z, int rows, int experts,
                                            double tolerance) {
  const std::size_t n = std::size_t(rows) * std::size_t(experts);
  const float mx = rows > 0 ? *std::max_element(z, z + n) : 0.0f;  // exp without overflow
  std::vector<double> cost(n);
  for (std::size_t i = 0; i < n; ++i) cost[i] = std::exp(double(z[i]) - double(mx));
  std::vector<double> d0(std::size_t(rows), 1.0), d1(std::size_t(experts), 1.0);
  constexpr double kEps = 1e-30;
  for (int iteration = 0; iteration < 1000; ++iteration) {
    for (int r = 0; r < rows; ++r) {
      double sum = 0.0;
      for (int e = 0; e < experts; ++e) sum += d1[std::size_t(e)] * cost[std::size_t(r) * experts + e];
      d0[std::size_t(r)] = 1.0 / (double(rows) * (sum + kEps));
    }
    double change = 0.0;
    for (int e = 0; e < experts; ++e) {
      double sum = 0.0;
      for (int r = 0; r < rows; ++r) sum += d0[std::size_t(r)] * cost[std::size_t(r) * experts + e];
      const double next = 1.0 / (double(experts) * (sum + kEps));
      change += std::fabs(next - d1[std::size_t(e)]);
      d1[std::size_t(e)] = next;
    }
    if (change / experts < tolerance) break;
  }
  for (int r = 0; r < rows; ++r)
    for (int e = 0; e < experts; ++e)
      cost[std::size_t(r) * experts + e] *= d0[std::size_t(r)] * d1[std::size_t(e)];
  return cost;
}

void SinkhornRouter::choose(const RouterInput& in, const std::vector<float>& p,
                            RouterChoices& out) {
  const int rows = in.rows, E = in.experts;
  std::vector<double> balanced;
  if (in.training) balanced = balance(in.logits, rows, E);
  for (int r = 0; r < rows; ++r) {
    int e = 0;
    if (in.training) {
      const double* b = &balanced[std::size_t(r) * E];
      e = int(std::max_element(b, b + E) - b);  // first of equals: the lower index
    } else {
      e = topIndices(&p[std::size_t(r) * E], E, 1)[0];
    }
    out.rows[std::size_t(r)].push_back({e, p[std::size_t(r) * E + std::size_t(e)]});
  }
}

}  // namespace moe::core
