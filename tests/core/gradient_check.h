#pragma once
// The finite-difference gradient checks of the layer, router and model suites (test_gradients,
// test_gating_gradients): tiny-dnn style central differences on small sizes, forward passes in
// float32, objectives summed in double; entries whose nudge changes the routing are skipped.
#include <QByteArray>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "compute/backend.h"
#include "core/routing/dispatch_plan.h"
#include "core/routing/router_registry.h"
#include "tests/core/random_vectors.h"

namespace moe::testing {

inline compute::Tensor upload(compute::Backend& b, const std::vector<float>& v, int rows,
                              int cols) {
  compute::Tensor t = b.alloc(rows, cols);
  b.write(t, std::span<const float>(v));
  return t;
}

/** Compares analytic and numeric derivatives; collects the first failures for the message. */
class GradCheck {
 public:
  GradCheck(double rtol, double atol) : mRtol(rtol), mAtol(atol) {}

  void compare(const std::string& what, std::size_t i, double analytic, double numeric) {
    ++mChecked;
    const double err = std::fabs(analytic - numeric);
    if (err > mRtol * std::max(std::fabs(analytic), std::fabs(numeric)) + mAtol) {
      ++mFailed;
      if (mFailed <= 8)
        mReport += what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic) +
                   " numeric " + std::to_string(numeric) + "\n";
    }
  }
  void skip() { ++mSkipped; }
  bool ok() const { return mFailed == 0 && mChecked > 0 && mSkipped * 10 <= mChecked; }
  QByteArray report() const {
    return QByteArray::fromStdString(std::to_string(mFailed) + " of " + std::to_string(mChecked) +
                                     " derivatives off, " + std::to_string(mSkipped) +
                                     " skipped\n" + mReport);
  }

 private:
  double mRtol, mAtol;
  int mChecked = 0, mFailed = 0, mSkipped = 0;
  std::string mReport;
};

/**
 * Central differences of `objective` w.r.t. the entries `which` (all when empty) of a tensor on
 * the backend, compared with `analytic`. `stable` (optional) says whether the discrete routing
 * decision is still the reference one after a perturbation; entries where it is not are
 * skipped (the function is not differentiable across a routing change).
 */
inline void checkTensor(compute::Backend& b, compute::Tensor& t, const std::vector<float>& analytic,
                        const std::function<double()>& objective, double eps,
                        const std::string& what, GradCheck& check,
                        std::vector<std::size_t> which = {},
                        const std::function<bool()>& stable = {}) {
  std::vector<float> v = compute::toHost(b, t);
  if (which.empty())
    for (std::size_t i = 0; i < v.size(); ++i) which.push_back(i);
  for (std::size_t i : which) {
    const float orig = v[i];
    v[i] = orig + float(eps);
    b.write(t, std::span<const float>(v));
    const double up = objective();
    const bool stableUp = !stable || stable();
    v[i] = orig - float(eps);
    b.write(t, std::span<const float>(v));
    const double down = objective();
    const bool stableDown = !stable || stable();
    v[i] = orig;
    b.write(t, std::span<const float>(v));
    if (!stableUp || !stableDown) {
      check.skip();
      continue;
    }
    check.compare(what, i, analytic[i], (up - down) / (2.0 * eps));
  }
  objective();  // leave the forward state at the unperturbed point
}

/** Same for a host vector that the objective reads. */
inline void checkHost(std::vector<float>& v, const std::vector<float>& analytic,
                      const std::function<double()>& objective, double eps, const std::string& what,
                      GradCheck& check, const std::function<bool()>& stable = {}) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float orig = v[i];
    v[i] = orig + float(eps);
    const double up = objective();
    const bool stableUp = !stable || stable();
    v[i] = orig - float(eps);
    const double down = objective();
    const bool stableDown = !stable || stable();
    v[i] = orig;
    if (!stableUp || !stableDown) {
      check.skip();
      continue;
    }
    check.compare(what, i, analytic[i], (up - down) / (2.0 * eps));
  }
  objective();
}

/** The discrete part of a plan: which rows go to which experts, in which order, and drops. */
struct PlanShape {
  std::vector<std::int32_t> rowExperts, rowPtr, slotRow, dropped;
  explicit PlanShape(const core::DispatchPlan& p)
      : rowExperts(p.rowExperts), rowPtr(p.rowPtr), slotRow(p.slotRow), dropped(p.dropped) {}
  bool operator==(const PlanShape&) const = default;
};

// Router logits at least 0.4 apart within every row, so token-choice decisions do not flip
// under small perturbations (expert-choice columns are guarded by the plan-stability check).
inline std::vector<float> separatedLogits(int rows, int experts, std::mt19937_64& rng) {
  std::vector<float> z;
  for (;;) {
    z = randomVec(std::size_t(rows) * experts, rng, -2.0f, 2.0f);
    bool ok = true;
    for (int r = 0; r < rows && ok; ++r)
      for (int a = 0; a < experts && ok; ++a)
        for (int c = a + 1; c < experts && ok; ++c)
          ok = std::fabs(z[std::size_t(r) * experts + a] - z[std::size_t(r) * experts + c]) > 0.4f;
    if (ok) return z;  // a few draws at most for 4 experts
  }
}

constexpr int kRows = 5, kIn = 6, kExperts = 4, kHidden = 3, kOut = 5;

/** k for a router: `k` when it reads k, else what it uses anyway (validate() wants k <= E). */
inline int kFor(const std::string& router, int k) {
  const core::RouterInfo& info = core::findRouter(router).info;
  return info.reads(core::RouterSetting::TopK)
             ? k
             : std::min(k, info.expertsPerRow({k, 1.0, 1.0f}, kExperts));
}

}  // namespace moe::testing
