#include "core/routing/routers/noisy_topk_router.h"

#include <algorithm>
#include <cmath>

#include "compute/random.h"
#include "core/routing/routers/topk_router.h"

namespace moe::core {

namespace {

float softplus(float x) { return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0f); }
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace

RouterInfo NoisyTopKRouter::describe() {
  return {"noisy-topk",
          "top-k of the logits plus learned softplus noise (Shazeer et al. 2017)",
          {RouterSetting::TopK, RouterSetting::NoiseScale, RouterSetting::Score,
           RouterSetting::RouteScale, RouterSetting::BiasUpdateRate},
          true,
          [](const RouterSettings& s, int) { return s.k; }};
}

const RouterInfo& NoisyTopKRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

NoisyTopKRouter::NoisyTopKRouter(RouterBuild& b)
    : mBackend(b.backend), mNoise(b.backend, "router.noise", b.in, b.experts, b.rng) {}

void NoisyTopKRouter::scores(const RouterInput& in, std::vector<float>& h) {
  mRows = in.rows;
  mExperts = in.experts;
  mK = in.settings.k;
  mScale = in.settings.noiseScale;
  mNoisy = in.training && in.settings.noiseScale > 0.0f && in.x != nullptr;
  const std::size_t n = h.size();
  mZ = h;
  if (!mNoisy) return;
  compute::Tensor noise = mNoiseS.get(mBackend, in.rows, in.experts);
  mNoise.forward(*in.x, noise);
  mZNoise.resize(n);
  mBackend.read(noise, std::span<float>(mZNoise));
  mEps.resize(n);
  const std::uint64_t base = in.step * std::uint64_t(n);
  for (std::size_t i = 0; i < n; ++i) mEps[i] = compute::normalAt(in.noiseSeed, base + i);
  mSigma.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    mSigma[i] = mScale * softplus(mZNoise[i]);
    h[i] += mEps[i] * mSigma[i];
  }
  mH = h;
  mAuxDzNoise.assign(n, 0.0f);
}

void NoisyTopKRouter::choose(const RouterInput& in, const std::vector<float>& p,
                             RouterChoices& out) {
  TopKRouter::chooseTopK(in, p, out);
}

bool NoisyTopKRouter::smoothLoad(std::vector<double>& load) {
  if (!mNoisy) return false;
  const int rows = mRows, E = mExperts;
  const std::size_t n = std::size_t(rows) * E;
  const int k = std::min(mK, E);
  // prob(r, e) = Phi((z_e - threshold) / sigma_e), where the threshold is the noisy score
  // H_t = z_t + eps_t sigma_t of another expert t: the gradient reaches z_t and sigma_t too.
  mDProbDz.assign(n, 0.0);
  mDProbDsigma.assign(n, 0.0);
  mDProbDthreshold.assign(n, 0.0);
  mThresholdExpert.assign(n, -1);
  for (int r = 0; r < rows; ++r) {
    const float* h = &mH[std::size_t(r) * E];
    const auto top = topIndices(h, E, std::min(k + 1, E));
    const int kth = top[std::size_t(k) - 1];
    const int kPlus1 = k < E ? top[std::size_t(k)] : -1;
    for (int e = 0; e < E; ++e) {
      const std::size_t i = std::size_t(r) * E + e;
      const bool inTop = std::find(top.begin(), top.begin() + k, e) != top.begin() + k;
      const int t = inTop ? kPlus1 : kth;  // the k-th largest of the others
      const double threshold = t >= 0 ? double(h[t]) : -INFINITY;
      const double sigma = std::max(1e-6, double(mSigma[i]));
      const double u = (double(mZ[i]) - threshold) / sigma;
      const double prob = std::isfinite(u) ? 0.5 * std::erfc(-u / std::sqrt(2.0)) : (u > 0);
      load[std::size_t(e)] += prob;
      const double pdf = std::isfinite(u) ? kInvSqrt2Pi * std::exp(-0.5 * u * u) : 0.0;
      mDProbDz[i] = pdf / sigma;
      mDProbDsigma[i] = -pdf * u / sigma;
      mDProbDthreshold[i] = -pdf / sigma;
      mThresholdExpert[i] = t;
    }
  }
  return true;
}

void NoisyTopKRouter::smoothLoadBackward(double weight, const std::vector<double>& grad,
                                         float* dzOut) {
  const std::size_t n = mDProbDz.size(), E = std::size_t(mExperts);
  std::vector<double> dz(n, 0.0), dsigma(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double g = weight * grad[i % E];
    dz[i] += g * mDProbDz[i];
    dsigma[i] += g * mDProbDsigma[i];
    if (mThresholdExpert[i] >= 0) {  // d H_t / d z_t = 1, d H_t / d sigma_t = eps_t
      const std::size_t ti = i - i % E + std::size_t(mThresholdExpert[i]);
      dz[ti] += g * mDProbDthreshold[i];
      dsigma[ti] += g * mDProbDthreshold[i] * mEps[ti];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    dzOut[i] += float(dz[i]);
    mAuxDzNoise[i] += float(dsigma[i] * mScale * sigmoid(mZNoise[i]));
  }
}

void NoisyTopKRouter::backward(const std::vector<float>& dh, const compute::Tensor& x,
                               compute::Tensor* dx) {
  if (!mNoisy) {  // no noise this step: the noise map gets zero gradients
    mBackend.fill(mNoise.weight().grad, 0.0f);
    mBackend.fill(mNoise.bias().grad, 0.0f);
    return;
  }
  mDzNoise.resize(dh.size());
  for (std::size_t i = 0; i < dh.size(); ++i)
    mDzNoise[i] = dh[i] * mEps[i] * mScale * sigmoid(mZNoise[i]) + mAuxDzNoise[i];
  compute::Tensor dz = mDzS.get(mBackend, mRows, mExperts);
  mBackend.write(dz, std::span<const float>(mDzNoise));
  mNoise.backward(x, dz, dx, dx ? 1.0f : 0.0f);
}

std::vector<Parameter*> NoisyTopKRouter::parameters() { return {&mNoise.weight(), &mNoise.bias()}; }

}  // namespace moe::core
