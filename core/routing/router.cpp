#include "core/routing/router.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/routing/router_registry.h"

namespace moe::core {

namespace {

std::unique_ptr<RouterPolicy> makePolicy(compute::Backend& backend, int in,
                                         const ModelConfig& config, std::mt19937_64& rng) {
  RouterBuild build{backend, in, config.experts, rng, config.slotsPerExpert};
  return findRouter(config.router).create(build);
}

}  // namespace

Router::Router(compute::Backend& backend, int in, const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mIn(in),
      mExperts(config.experts),
      mSettings{config.topK,      config.capacityFactor,     float(config.noiseScale),
                config.score,     float(config.routeScale),  config.dropPolicy,
                config.slotsPerExpert},
      mGate(backend, "router.gate", in, config.experts, rng),
      mPolicy(makePolicy(backend, in, config, rng)),  // after the gate: draws from rng next
      mBias(config.experts, mPolicy->info().reads(RouterSetting::BiasUpdateRate)
                                ? config.biasUpdateRate
                                : 0.0) {}

void Router::setPolicy(std::unique_ptr<RouterPolicy> policy) {
  if (!policy) throw std::invalid_argument("Router::setPolicy: no policy");
  if (!policy->parameters().empty())
    throw std::invalid_argument(std::string("Router::setPolicy: router '") + policy->info().name +
                                "' has parameters of its own; register it instead");
  mPolicy = std::move(policy);
}

std::unique_ptr<RouterPolicy> Router::exchangePolicy(std::unique_ptr<RouterPolicy> policy) {
  if (!policy) throw std::invalid_argument("Router::exchangePolicy: no policy");
  std::swap(mPolicy, policy);
  return policy;
}

const DispatchPlan& Router::route(const compute::Tensor& x, bool training, std::uint64_t noiseSeed,
                                  std::uint64_t step, const RowTokens& tokens) {
  mX = x;
  const int rows = x.rows();
  compute::Tensor logits = mLogitsS.get(mBackend, rows, mExperts);
  mGate.forward(x, logits);
  mLogitsHost.resize(std::size_t(rows) * mExperts);
  mBackend.read(logits, std::span<float>(mLogitsHost));
  mSharded = mShard && training;
  if (mSharded) mShard->gather(mLogitsHost);
  RouterInput in;
  in.rows = mSharded ? mShard->rows : rows;
  in.experts = mExperts;
  in.logits = mLogitsHost.data();
  in.x = mSharded ? nullptr : &mX;
  in.tokenIds = tokens.ids;
  in.positions = tokens.positions;
  in.step = step;
  in.noiseSeed = noiseSeed;
  in.training = training;
  in.settings = mSettings;
  if (mBias.active()) in.selectionBias = mBias.values().data();
  mGating.forward(*mPolicy, in);
  if (training) mBias.record(mGating.probs(), in.rows, expertsPerRow());
  return mGating.plan();
}

void Router::backward(const std::vector<float>& dRowGates, compute::Tensor* dx, float dxBeta,
                      const std::vector<float>* dSlotWeights) {
  const int rows = mX.rows(), all = mSharded ? mShard->rows : rows;
  mDz.resize(std::size_t(all) * mExperts);
  mGating.backward(dRowGates.data(), mDz.data(), mDh,
                   dSlotWeights && !dSlotWeights->empty() ? dSlotWeights->data() : nullptr);
  compute::Tensor dz = mDzS.get(mBackend, all, mExperts);
  mBackend.write(dz, std::span<const float>(mDz));
  if (!mSharded) {
    mGate.backward(mX, dz, dx, dxBeta);
    mPolicy->backward(mDh, mX, dx);
    return;
  }
  // A shard: the logit gradients are the whole batch's (the router's backward ran on it), the
  // gate's input rows are gathered, and the weight gradient is the one-process GEMM over the
  // whole batch, the same bits on every rank (no sum over the ranks afterwards).
  mGate.paramGradients(mShard->inputs->gather(mX, mXAllS), dz);
  const std::size_t skip = std::size_t(mShard->first) * mExperts;
  if (dx) {
    compute::Tensor mine = mDzMineS.get(mBackend, rows, mExperts);
    mBackend.write(mine, std::span<const float>(mDz).subspan(skip, std::size_t(rows) * mExperts));
    mGate.inputGradient(mine, *dx, dxBeta);
  }
  // The policy's backward sees its rows only.
  mDh.erase(mDh.begin(), mDh.begin() + std::ptrdiff_t(skip));
  mDh.resize(std::size_t(rows) * mExperts);
  mPolicy->backward(mDh, mX, dx);
}

void Router::inputGradient(const std::vector<float>& dz, compute::Tensor& dx) {
  compute::Tensor t = mDzS.get(mBackend, int(dz.size() / std::size_t(mExperts)), mExperts);
  mBackend.write(t, std::span<const float>(dz));
  mBackend.gemm(false, true, 1.0f, t, mGate.weight().value, 0.0f, dx);
}

std::vector<Parameter*> Router::parameters() {
  std::vector<Parameter*> p{&mGate.weight(), &mGate.bias()};
  for (Parameter* q : mPolicy->parameters()) p.push_back(q);
  return p;
}

long Router::paramCount() const {
  long n = long(mIn) * mExperts + mExperts;
  for (Parameter* q : mPolicy->parameters()) n += long(q->value.size());
  return n;
}

std::vector<float> Router::state() const {
  std::vector<float> s = mPolicy->state();
  s.insert(s.end(), mBias.values().begin(), mBias.values().end());
  return s;
}

void Router::setState(std::span<const float> s) {
  const std::size_t bias = mBias.values().size();
  if (s.size() < bias)
    throw RouterStateError("router '" + std::string(mPolicy->info().name) + "' keeps " +
                           std::to_string(bias) + " balancing biases; the saved state has " +
                           std::to_string(s.size()) + " values");
  const auto own = s.first(s.size() - bias), biasValues = s.last(bias);
  for (float v : biasValues)
    if (!std::isfinite(v))
      throw RouterStateError("router '" + std::string(mPolicy->info().name) +
                             "': a saved balancing bias is not finite");
  mPolicy->setState(own);  // may refuse: then nothing has changed
  mBias.set(biasValues);
}

void Router::afterStep(std::uint64_t step) {
  mPolicy->afterStep(step);
  mBias.update();
}

int Router::expertsPerRow() const { return mPolicy->info().expertsPerRow(mSettings, mExperts); }

}  // namespace moe::core
