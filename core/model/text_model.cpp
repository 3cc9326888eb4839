#include "core/model/text_model.h"

#include <algorithm>
#include <cmath>

#include "core/model/host_softmax.h"

namespace moe::core {

TextMoeClassifier::TextMoeClassifier(compute::Backend& backend, int buckets, int classes,
                                     const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mBuckets(buckets),
      mClasses(classes),
      mDim(config.stemWidth),
      mConfig(config),
      mEmbed(backend, "embedding", buckets, config.stemWidth, 0.1f, rng),
      mMoe(backend, config.stemWidth, config.stemWidth, config, rng),
      mPool(backend),
      mHead(backend, "head", config.stemWidth, classes, rng) {
  mEmbed.setL2(float(config.embeddingL2));
}

const compute::Tensor& TextMoeClassifier::forward(const Batch& batch, bool training,
                                                  const StepContext& ctx) {
  const Dataset& d = *batch.source;
  mBatchPtr.assign(1, 0);
  mBatchIds.clear();
  for (const std::int32_t i : batch.indices) {
    const auto b = d.tokenOffsets[std::size_t(i)], e = d.tokenOffsets[std::size_t(i) + 1];
    mBatchIds.insert(mBatchIds.end(), d.tokens.begin() + b, d.tokens.begin() + e);
    mBatchPtr.push_back(std::int32_t(mBatchIds.size()));
  }
  return forwardTokens(mBatchPtr, mBatchIds, training, ctx);
}

const compute::Tensor& TextMoeClassifier::forwardTokens(std::span<const std::int32_t> textPtr,
                                                        std::span<const std::int32_t> ids,
                                                        bool training, const StepContext& ctx) {
  mTextPtr.assign(textPtr.begin(), textPtr.end());
  const int texts = int(textPtr.size()) - 1, tokens = int(ids.size());
  mOwner.resize(std::size_t(tokens));
  mPositions.resize(std::size_t(tokens));  // the router sees each token's id and position
  for (int t = 0; t < texts; ++t)
    for (int r = textPtr[std::size_t(t)]; r < textPtr[std::size_t(t) + 1]; ++r) {
      mOwner[std::size_t(r)] = t;
      mPositions[std::size_t(r)] = r - textPtr[std::size_t(t)];
    }
  // One bag of weight 1 per token: a lookup.
  mUnitPtr.resize(std::size_t(tokens) + 1);
  for (int r = 0; r <= tokens; ++r) mUnitPtr[std::size_t(r)] = r;
  if (int(mOnes.size()) < tokens) mOnes.assign(std::size_t(tokens), 1.0f);
  mX = mXS.get(mBackend, tokens, mDim);
  mH = mHS.get(mBackend, tokens, mDim);
  mEmbed.forward(mUnitPtr, ids, std::span<const float>(mOnes.data(), std::size_t(tokens)), mX);
  mRouted = tokens > 0;
  if (mRouted) {
    const compute::Tensor& y =
        mMoe.forward(mX, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter,
                     RowTokens{ids.data(), mPositions.data()});
    mBackend.copy(y, mH);
    mBackend.axpby(1.0f, mX, 1.0f, mH);  // residual: dropped tokens still count
  }
  mP = mPS.get(mBackend, texts, mDim);
  mPool.forward(mH, mTextPtr, mP);
  mLogits = mLogitsS.get(mBackend, texts, mClasses);
  mHead.forward(mP, mLogits);
  return mLogits;
}

void TextMoeClassifier::backward(const compute::Tensor& dLogits) {
  const int texts = dLogits.rows(), tokens = mX.rows();
  mDP = mDPS.get(mBackend, texts, mDim);
  mHead.backward(mP, dLogits, &mDP);
  mDH = mDHS.get(mBackend, tokens, mDim);
  mDX = mDXS.get(mBackend, tokens, mDim);
  if (tokens > 0) {
    mPool.backward(mDP, mDH);
    mBackend.copy(mDH, mDX);           // the residual path
    mMoe.backward(mDH, &mDX, 1.0f);    // plus the MoE path
  }
  mEmbed.backward(mDX);
}

std::vector<Parameter*> TextMoeClassifier::parameters() {
  std::vector<Parameter*> p{&mEmbed.table()};
  for (Parameter* q : mMoe.parameters()) p.push_back(q);
  p.push_back(&mHead.weight());
  p.push_back(&mHead.bias());
  return p;
}

long TextMoeClassifier::paramsActivePerInput() const {
  // Per token: its embedding row and the MoE path; per text: the head.
  return long(mDim) + mMoe.activeParamsPerRow() + long(mDim + 1) * mClasses;
}

double TextMoeClassifier::flopsPerInput(const Dataset& data) const {
  // Every token is a row of the MoE; the head runs once per text.
  const int texts = data.rows();
  const double tokens = texts > 0 && !data.tokenOffsets.empty()
                            ? double(data.tokenOffsets.back() - data.tokenOffsets.front()) / texts
                            : 0.0;
  return tokens * mMoe.flopsPerRow() + 2.0 * double(long(mDim + 1) * mClasses);
}

std::string TextMoeClassifier::describe() const {
  return "Text MoE: " + std::to_string(mBuckets) + " hashed n-grams -> embedding " +
         std::to_string(mDim) + " -> per-token MoE of " + std::to_string(mConfig.routedExperts()) +
         " experts (" + mConfig.router + ", k=" + std::to_string(mConfig.routedTopK()) +
         ", residual) -> mean pool -> " + std::to_string(mClasses) + " classes";
}

Inspection TextMoeClassifier::inspect(const Batch& one) {
  const Dataset& d = *one.source;
  const int i = one.indices.at(0);
  const auto b = d.tokenOffsets[std::size_t(i)], e = d.tokenOffsets[std::size_t(i) + 1];
  return inspectTokens(std::span<const std::int32_t>(d.tokens.data() + b, std::size_t(e - b)));
}

Inspection TextMoeClassifier::inspectTokens(std::span<const std::int32_t> ids) {
  Inspection out;
  const std::int32_t ptr[2] = {0, std::int32_t(ids.size())};
  const compute::Tensor& logits = forwardTokens(ptr, ids, false, StepContext{});
  out.classes = mClasses;
  out.prediction = softmaxOf(compute::toHost(mBackend, logits));
  out.predicted = int(std::max_element(out.prediction.begin(), out.prediction.end()) -
                      out.prediction.begin());
  const int E = mConfig.routedExperts(), T = int(ids.size());
  out.experts = E;
  if (!mRouted) {
    out.note = "the text has no tokens: the prediction comes from the head's bias alone";
    return out;
  }
  const DispatchPlan& plan = mMoe.plan();
  const auto& probs = mMoe.probs();
  out.gateProbs.assign(std::size_t(E), 0.0f);
  out.gateLogits.assign(std::size_t(E), 0.0f);
  std::vector<int> taken(static_cast<std::size_t>(E), 0);
  out.tokens.resize(std::size_t(T));
  for (int r = 0; r < T; ++r) {
    TokenRouting& tok = out.tokens[std::size_t(r)];
    tok.id = ids[std::size_t(r)];
    tok.probs.assign(probs.begin() + std::ptrdiff_t(r) * E, probs.begin() + std::ptrdiff_t(r + 1) * E);
    for (int k = 0; k < E; ++k) {
      out.gateProbs[std::size_t(k)] += tok.probs[std::size_t(k)] / float(T);
      out.gateLogits[std::size_t(k)] +=
          mMoe.router().logits()[std::size_t(r) * E + std::size_t(k)] / float(T);
    }
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j) {
      tok.experts.push_back(plan.rowExperts[std::size_t(j)]);
      tok.gates.push_back(plan.rowGates[std::size_t(j)]);
      ++taken[std::size_t(plan.rowExperts[std::size_t(j)])];
    }
  }
  out.dropped = !plan.dropped.empty();
  std::vector<int> order(static_cast<std::size_t>(E));
  for (int k = 0; k < E; ++k) order[std::size_t(k)] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return taken[std::size_t(a)] > taken[std::size_t(b)]; });
  int slots = 0;
  for (int k = 0; k < E; ++k) slots += taken[std::size_t(k)];
  // Each expert's view: the head on mean(x) plus only that expert's share of the MoE output.
  const auto x = compute::toHost(mBackend, mX);
  const auto ye = compute::toHost(mBackend, mMoe.expertOutputs());
  const auto w = compute::toHost(mBackend, mHead.weight().value);
  const auto bias = compute::toHost(mBackend, mHead.bias().value);
  std::vector<float> base(static_cast<std::size_t>(mDim), 0.0f);
  for (int r = 0; r < T; ++r)
    for (int c = 0; c < mDim; ++c) base[std::size_t(c)] += x[std::size_t(r) * mDim + c] / float(T);
  for (const int k : order) {
    if (taken[std::size_t(k)] == 0) break;
    out.chosen.push_back(k);
    out.chosenGates.push_back(float(taken[std::size_t(k)]) / float(std::max(1, slots)));
    std::vector<float> pooled = base;
    for (int j = 0; j < plan.rowPtr[std::size_t(T)]; ++j) {  // the combine view: any plan
      if (plan.rowExperts[std::size_t(j)] != k) continue;
      const std::size_t s = std::size_t(plan.rowSlots[std::size_t(j)]);
      for (int c = 0; c < mDim; ++c)
        pooled[std::size_t(c)] += plan.rowGates[std::size_t(j)] * ye[s * mDim + c] / float(T);
    }
    std::vector<float> z(bias);
    for (int c = 0; c < mDim; ++c)
      for (int o = 0; o < mClasses; ++o) z[std::size_t(o)] += pooled[std::size_t(c)] * w[std::size_t(c) * mClasses + o];
    out.expertPredictions.push_back(softmaxOf(std::move(z)));
  }
  return out;
}

std::unique_ptr<TextMoeClassifier> createTextModel(const TrainConfig& config, const Dataset& train,
                                       compute::Backend& backend) {
  if (config.model.kind == ModelKind::DenseMlp)
    throw ConfigError("model 'dense-mlp' needs dense features; for text use 'moe' (the text MoE)");
  if (config.model.kind == ModelKind::Hme)
    throw ConfigError("model 'hme' needs dense features; for text use 'moe'");
  if (config.model.kind == ModelKind::DeepMoe)
    throw ConfigError("model 'deep-moe' needs dense features (images); for text use 'moe'");
  if (config.model.kind == ModelKind::PatchMoe)
    throw ConfigError("model 'patch-moe' needs images; for text use 'moe' (the text MoE routes tokens)");
  if (train.classes < 2) throw ConfigError("dataset '" + train.name + "' has fewer than 2 classes");
  if (train.features < 1) throw ConfigError("dataset '" + train.name + "' has no token buckets");
  std::mt19937_64 rng(config.seed);
  return std::make_unique<TextMoeClassifier>(backend, train.features, train.classes, config.model,
                                             rng);
}

}  // namespace moe::core
