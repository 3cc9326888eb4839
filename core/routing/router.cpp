#include "core/routing/router.h"

#include "compute/random.h"

namespace moe::core {

Router::Router(compute::Backend& backend, int in, const ModelConfig& config,
               std::mt19937_64& rng)
    : mBackend(backend),
      mIn(in),
      mExperts(config.experts),
      mSettings{config.router, config.topK, config.capacityFactor, float(config.noiseScale)},
      mGate(backend, "router.gate", in, config.experts, rng) {
  if (config.router == RouterKind::NoisyTopK)
    mNoise = std::make_unique<Linear>(backend, "router.noise", in, config.experts, rng);
}

const DispatchPlan& Router::route(const compute::Tensor& x, bool training,
                                  std::uint64_t noiseSeed, std::uint64_t noiseCounter) {
  mX = x;
  const int rows = x.rows();
  compute::Tensor logits = mLogitsS.get(mBackend, rows, mExperts);
  mGate.forward(x, logits);
  mLogitsHost.resize(std::size_t(rows) * mExperts);
  mBackend.read(logits, std::span<float>(mLogitsHost));
  mUsedNoise = mNoise && training && mSettings.noiseScale > 0.0f;
  if (mUsedNoise) {
    compute::Tensor noise = mNoiseS.get(mBackend, rows, mExperts);
    mNoise->forward(x, noise);
    mNoiseHost.resize(mLogitsHost.size());
    mBackend.read(noise, std::span<float>(mNoiseHost));
    mEps.resize(mLogitsHost.size());
    const std::uint64_t base = noiseCounter * std::uint64_t(mLogitsHost.size());
    for (std::size_t i = 0; i < mEps.size(); ++i) mEps[i] = compute::normalAt(noiseSeed, base + i);
  }
  mGating.forward(mSettings, rows, mExperts, mLogitsHost.data(),
                  mUsedNoise ? mNoiseHost.data() : nullptr, mUsedNoise ? mEps.data() : nullptr);
  return mGating.plan();
}

void Router::backward(const std::vector<float>& dRowGates, compute::Tensor* dx, float dxBeta) {
  const int rows = mX.rows();
  mDz.resize(std::size_t(rows) * mExperts);
  mDzNoise.resize(mUsedNoise ? mDz.size() : 0);
  mGating.backward(dRowGates.data(), mDz.data(), mUsedNoise ? mDzNoise.data() : nullptr);
  compute::Tensor dz = mDzS.get(mBackend, rows, mExperts);
  mBackend.write(dz, std::span<const float>(mDz));
  mGate.backward(mX, dz, dx, dxBeta);
  if (mNoise) {
    if (mUsedNoise) {
      mBackend.write(dz, std::span<const float>(mDzNoise));
      mNoise->backward(mX, dz, dx, dx ? 1.0f : 0.0f);
    } else {
      mBackend.fill(mNoise->weight().grad, 0.0f);
      mBackend.fill(mNoise->bias().grad, 0.0f);
    }
  }
}

void Router::inputGradient(const std::vector<float>& dz, compute::Tensor& dx) {
  compute::Tensor t = mDzS.get(mBackend, int(dz.size() / std::size_t(mExperts)), mExperts);
  mBackend.write(t, std::span<const float>(dz));
  mBackend.gemm(false, true, 1.0f, t, mGate.weight().value, 0.0f, dx);
}

std::vector<Parameter*> Router::parameters() {
  std::vector<Parameter*> p{&mGate.weight(), &mGate.bias()};
  if (mNoise) {
    p.push_back(&mNoise->weight());
    p.push_back(&mNoise->bias());
  }
  return p;
}

long Router::paramCount() const {
  return (long(mIn) * mExperts + mExperts) * (mNoise ? 2 : 1);
}

}  // namespace moe::core
