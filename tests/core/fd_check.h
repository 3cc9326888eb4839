#pragma once
// The finite-difference gradient check that the model tests share: every element of every
// parameter nudged by +-eps, the central difference of the objective against the analytic
// gradient, skipping the elements whose nudge changes the routing (the objective is not smooth
// there).
#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "compute/backend.h"
#include "core/model/parameter.h"

namespace moe::testing {

struct FdCheck {
  int checked = 0;
  int skipped = 0;
  std::string failure;  ///< the first element out of tolerance; empty when none
};

/** The gradient of `p` as a dense values-sized vector (a sparse gradient holds only its rows). */
inline std::vector<float> denseGradient(compute::Backend& be, const core::Parameter& p) {
  const auto grad = compute::toHost(be, p.grad);
  if (!p.sparse) return grad;
  std::vector<float> dense(p.value.size(), 0.0f);
  const auto rows = compute::toHostInt(be, p.rows);
  const std::size_t cols = std::size_t(p.value.cols());
  for (std::size_t k = 0; k < rows.size(); ++k)
    for (std::size_t c = 0; c < cols; ++c) dense[std::size_t(rows[k]) * cols + c] = grad[k * cols + c];
  return dense;
}

/** Checks each parameter's gradient (read before any nudge) against central differences of
 *  objective(); planSame() is asked after each of the two evaluations and false skips the
 *  element. Stops at the first element off by more than absTol + relTol * max(|fd|, |analytic|). */
template <class Objective, class PlanSame>
FdCheck finiteDifferences(compute::Backend& be, const std::vector<core::Parameter*>& params,
                          double eps, double absTol, double relTol, Objective objective,
                          PlanSame planSame) {
  FdCheck r;
  for (core::Parameter* p : params) {
    const auto analytic = denseGradient(be, *p);
    std::vector<float> v = compute::toHost(be, p->value);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const float keep = v[i];
      v[i] = keep + float(eps);
      be.write(p->value, std::span<const float>(v));
      const double up = objective();
      const bool upSame = planSame();
      v[i] = keep - float(eps);
      be.write(p->value, std::span<const float>(v));
      const double down = objective();
      const bool downSame = planSame();
      v[i] = keep;
      be.write(p->value, std::span<const float>(v));
      if (!upSame || !downSame) {
        ++r.skipped;
        continue;
      }
      ++r.checked;
      const double fd = (up - down) / (2 * eps), an = analytic[i];
      if (std::abs(fd - an) > absTol + relTol * std::max(std::abs(fd), std::abs(an))) {
        r.failure = p->name + "[" + std::to_string(i) + "]: finite difference " +
                    std::to_string(fd) + ", analytic " + std::to_string(an);
        return r;
      }
    }
  }
  return r;
}

}  // namespace moe::testing
