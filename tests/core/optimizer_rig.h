#pragma once
// An expert bank trained by one optimizer, as a Session wires them: the fixture of the suites
// that check Optimizer::step on the experts (test_lazy_experts, test_optimizer_step).
#include <memory>
#include <random>
#include <vector>

#include "compute/backend.h"
#include "core/model/expert_bank.h"
#include "core/optim/optimizer.h"
#include "tests/core/random_vectors.h"

namespace moe::testing {

/** The bank's shape: experts, input, hidden and output widths, and the rows of a batch. */
constexpr int kRigExperts = 4, kRigIn = 6, kRigHidden = 5, kRigOut = 3, kRigRows = 10;

/** An expert bank (ReLU experts, weights from a generator seeded 7) and the optimizer of
 *  `params`: the bank's parameters and whatever a suite appends before attach(). */
struct OptimizerRig {
  explicit OptimizerRig(compute::Backend& backend) : be(backend), rng(7) {
    bank = std::make_unique<core::ExpertBank>(be, kRigExperts, kRigIn, kRigHidden, kRigOut,
                                              compute::Activation::Relu, rng);
    params = bank->parameters();
  }

  /** Creates the optimizer of params; `fused`: the bank hands it its weight gradients. */
  void attach(const core::OptimConfig& oc, bool fused) {
    optimizer = std::make_unique<core::Optimizer>(be, params, oc);
    if (fused) bank->setFusedOptimizer(optimizer.get());
  }

  /** Forward and backward of the bank on kRigRows rows, split between experts by offsets. */
  void forwardBackward(const std::vector<float>& xv, const std::vector<float>& dyv,
                       const std::vector<int>& offsets) {
    compute::Tensor x = be.alloc(kRigRows, kRigIn), dy = be.alloc(kRigRows, kRigOut);
    be.write(x, std::span<const float>(xv));
    be.write(dy, std::span<const float>(dyv));
    bank->forward(x, offsets);
    bank->backward(dy, nullptr);
  }

  /** Every parameter, then every state tensor (in the optimizer's order), on the host. */
  std::vector<std::vector<float>> snapshot() {
    std::vector<std::vector<float>> s;
    for (core::Parameter* p : params) s.push_back(compute::toHost(be, p->value));
    for (auto& [name, t] : optimizer->state()) s.push_back(compute::toHost(be, *t));
    return s;
  }

  compute::Backend& be;
  std::mt19937_64 rng;
  std::unique_ptr<core::ExpertBank> bank;
  std::vector<core::Parameter*> params;
  std::unique_ptr<core::Optimizer> optimizer;
};

}  // namespace moe::testing
