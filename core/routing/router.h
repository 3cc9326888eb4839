#pragma once
/** @file The gate: a linear map to expert logits on the backend, then host-side Gating. */
#include <cstdint>
#include <memory>
#include <vector>

#include "core/model/linear.h"
#include "core/routing/gating.h"

namespace moe::core {

class Router {
 public:
  Router(compute::Backend& backend, int in, const ModelConfig& config, std::mt19937_64& rng);

  /**
   * Computes the logits of x (rows x in) and routes the batch. Noise (noisy router, training
   * only) is drawn from the counter-based generator at (noiseSeed, noiseCounter), so runs are
   * reproducible and identical across backends.
   */
  const DispatchPlan& route(const compute::Tensor& x, bool training, std::uint64_t noiseSeed,
                            std::uint64_t noiseCounter);
  AuxLosses aux(const LossConfig& weights) { return mGating.aux(weights); }
  /** dRowGates: gradient w.r.t. plan().rowGates. Fills the router's parameter gradients and,
   *  when dx is given, dx = dxBeta * dx + d loss / d x. */
  void backward(const std::vector<float>& dRowGates, compute::Tensor* dx, float dxBeta);
  /** dx = dz W_g^T for a given logit gradient dz (rows x experts): for saliency maps. */
  void inputGradient(const std::vector<float>& dz, compute::Tensor& dx);

  const Gating& gating() const { return mGating; }
  const std::vector<float>& logits() const { return mLogitsHost; }
  std::vector<Parameter*> parameters();
  long paramCount() const;

  void setCapacityFactor(double cf) { mSettings.capacityFactor = cf; }
  void setNoiseScale(double s) { mSettings.noiseScale = float(s); }

 private:
  compute::Backend& mBackend;
  int mIn, mExperts;
  Gating::Settings mSettings;
  Linear mGate;
  std::unique_ptr<Linear> mNoise;  // NoisyTopK only
  compute::Tensor mX;
  Scratch mLogitsS, mNoiseS, mDzS;
  std::vector<float> mLogitsHost, mNoiseHost, mEps, mDz, mDzNoise;
  bool mUsedNoise = false;
  Gating mGating;
};

}  // namespace moe::core
