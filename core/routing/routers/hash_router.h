#pragma once
#include <cstdint>

#include "core/model/parameter.h"
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * Hash layers (Roller et al. 2021): each row goes to the one expert a fixed hash names, with
 * gate 1; no parameters, nothing learned, nothing dropped. The hash key is the row's token id
 * where the model gives one (text: the n-gram's bucket; ratings: the item id), else the sign
 * pattern of a fixed random projection of the gate's input (images: 16 random hyperplanes,
 * drawn once from the run's seed). The gate's logits are not used for the choice; they still
 * feed the auxiliary losses and the statistics.
 */
class HashRouter final : public RouterPolicy {
 public:
  explicit HashRouter(RouterBuild& build);
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;

  /** The expert of hash key `key` among `experts` (a SplitMix64 mix, then modulo). */
  static int expertOf(std::uint64_t key, int experts);

 private:
  static constexpr int kBits = 16;  ///< hyperplanes of the random projection
  compute::Backend& mBackend;
  compute::Tensor mProjection;  ///< in x kBits, fixed
  Scratch mProjectedS;
  std::vector<float> mProjected;
};

}  // namespace moe::core
