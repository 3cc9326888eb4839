#pragma once
#include "core/model/linear.h"
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * Noisy top-k gating (Shazeer et al. 2017). In training the scores are
 * H = z + eps * noiseScale * softplus(zNoise), with zNoise from a second linear map of the
 * gate's input and eps ~ N(0, 1) from the counter-based generator; then top-k as TopKRouter.
 * It supplies Shazeer's smooth load estimator for the load CV^2 loss.
 */
class NoisyTopKRouter final : public RouterPolicy {
 public:
  explicit NoisyTopKRouter(RouterBuild& build);
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void scores(const RouterInput& in, std::vector<float>& h) override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
  bool smoothLoad(std::vector<double>& load) override;
  void smoothLoadBackward(double weight, const std::vector<double>& grad, float* dz) override;
  void backward(const std::vector<float>& dh, const compute::Tensor& x,
                compute::Tensor* dx) override;
  std::vector<Parameter*> parameters() override;
  bool perturbed() const override { return mNoisy; }

 private:
  compute::Backend& mBackend;
  Linear mNoise;
  Scratch mNoiseS, mDzS;
  bool mNoisy = false;
  int mRows = 0, mExperts = 0, mK = 0;
  float mScale = 0.0f;
  std::vector<float> mZ, mZNoise, mEps, mSigma, mH, mAuxDzNoise, mDzNoise;
  // Smooth load: d prob / d (clean logit, sigma, threshold) and the threshold's expert.
  std::vector<double> mDProbDz, mDProbDsigma, mDProbDthreshold;
  std::vector<int> mThresholdExpert;
};

}  // namespace moe::core
