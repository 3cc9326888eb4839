#pragma once
/** @file A router wrapper for ablations: the wrapped router chooses, then one expert is taken
 *  out of every row's choices (two ways), or every row goes to one expert, or to all alike. */
#include "core/routing/router_policy.h"

namespace moe::core {

/** What an ablation does to each row's choices. */
enum class AblationMode : std::uint8_t {
  NextChoice,   ///< the removed expert's gate goes to the row's best unchosen expert (by p)
  Renormalise,  ///< the removed expert is dropped; the row's other gates are scaled up to the
                ///< same total (a row left with no expert gets no MoE output)
  Alone,        ///< every row goes to this expert alone, with the row's total gate
  UniformGate,  ///< every row goes to every expert, each with 1/E of the row's total gate
};

/** The mode's name in JSON and tables: "next-choice", "renormalise", "alone", "uniform-gate". */
const char* ablationModeName(AblationMode mode);

/**
 * Wraps a router for evaluation only: scores() and choose() are the wrapped router's, then the
 * choices are edited as `mode` says for `expert`. It has no parameters and no backward of its
 * own; it is put in place with Router::exchangePolicy and the wrapped router put back after.
 * A router that builds weighted plans (Soft MoE) has no per-row choices to edit: the wrapper
 * then routes as the wrapped router and sets unsupported().
 */
class AblationPolicy final : public RouterPolicy {
 public:
  AblationPolicy(RouterPolicy& wrapped, AblationMode mode, int expert);

  const RouterInfo& info() const override { return mWrapped.info(); }
  void scores(const RouterInput& in, std::vector<float>& h) override;
  bool buildPlan(const RouterInput& in, const std::vector<float>& p, DispatchPlan& plan) override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
  bool perturbed() const override { return mWrapped.perturbed(); }

  /** True when the wrapped router built a weighted plan, so nothing was ablated. */
  bool unsupported() const { return mUnsupported; }

  /** Edits one row's choices (rank order) as `mode` says; p: the row's probabilities. Public
   *  so that tests check it by hand. */
  static void editRow(std::vector<std::pair<int, float>>& row, const float* p, int experts,
                      AblationMode mode, int expert);

 private:
  RouterPolicy& mWrapped;
  AblationMode mMode;
  int mExpert;
  bool mUnsupported = false;
};

}  // namespace moe::core
