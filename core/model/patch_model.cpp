#include "core/model/patch_model.h"

#include <algorithm>
#include <cmath>

#include "core/model/host_softmax.h"

namespace moe::core {

namespace {

int checkedPatch(ImageGeometry g, int p) {
  if (p < 1 || g.width % p != 0 || g.height % p != 0)
    throw ConfigError("patch size " + std::to_string(p) + " does not divide the " +
                      std::to_string(g.width) + "x" + std::to_string(g.height) +
                      " images (choose a divisor of both sides)");
  return p;
}

}  // namespace

ImageGeometry imageGeometry(const Dataset& train) {
  if (!train.isImage())
    throw ConfigError("model 'patch-moe' needs images; dataset '" + train.name +
                      "' has features without an image shape (use 'moe' or 'stem-moe')");
  ImageGeometry g{train.imageWidth, train.imageHeight, std::max(1, train.imageChannels)};
  if (g.width * g.height * g.channels != train.features)
    throw ConfigError("dataset '" + train.name + "': image shape does not match its features");
  return g;
}

PatchMoeClassifier::PatchMoeClassifier(compute::Backend& backend, ImageGeometry image,
                                       int classes, const ModelConfig& config,
                                       std::mt19937_64& rng)
    : mBackend(backend),
      mImage(image),
      mPatch(checkedPatch(image, config.patchSize)),
      mPatches((image.width / mPatch) * (image.height / mPatch)),
      mPatchDim(image.channels * mPatch * mPatch),
      mClasses(classes),
      mDim(config.stemWidth),
      mConfig(config),
      mEmbed(backend, "patch.embed", mPatchDim, config.stemWidth, rng),
      mPosition(backend, "patch.position", mPatches, config.stemWidth, 0.1f, rng),
      mMoe(backend, config.stemWidth, config.stemWidth, config, rng),
      mHead(backend, "head", mPatches * config.stemWidth, classes, rng) {}

void PatchMoeClassifier::buildIndex(int images) {
  if (images == mIndexImages) return;
  mIndexImages = images;
  const int W = mImage.width, H = mImage.height, C = mImage.channels, P = mPatch;
  const int across = W / P, perImage = W * H * C / P;  // P-pixel segments per image
  mSegments.clear();
  mSegments.reserve(std::size_t(images) * mPatches * C * P);
  for (int n = 0; n < images; ++n)
    for (int p = 0; p < mPatches; ++p)
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < P; ++i) {
          const int y = (p / across) * P + i, x = (p % across) * P;
          mSegments.push_back(n * perImage + (c * H * W + y * W + x) / P);
        }
  const int tokens = images * mPatches;
  mOwner.resize(std::size_t(tokens));
  mPositions.resize(std::size_t(tokens));
  mUnitPtr.resize(std::size_t(tokens) + 1);
  for (int r = 0; r < tokens; ++r) {
    mOwner[std::size_t(r)] = r / mPatches;
    mPositions[std::size_t(r)] = r % mPatches;
    mUnitPtr[std::size_t(r)] = r;
  }
  mUnitPtr[std::size_t(tokens)] = tokens;
  mOnes.assign(std::size_t(tokens), 1.0f);
}

const compute::Tensor& PatchMoeClassifier::forward(const Batch& batch, bool training,
                                                   const StepContext& ctx) {
  return forwardImages(batch.x, training, ctx);
}

const compute::Tensor& PatchMoeClassifier::forwardImages(const compute::Tensor& x, bool training,
                                                         const StepContext& ctx) {
  const int images = x.rows(), tokens = images * mPatches;
  buildIndex(images);
  // Patches by a row gather: the images seen as rows of P pixels, P-pixel rows picked in
  // patch order, then seen as one row of channels x P x P pixels per patch.
  mIdx = mIdxS.get(mBackend, int(mSegments.size()), 1, compute::DType::I32);
  mBackend.write(mIdx, std::span<const std::int32_t>(mSegments));
  const compute::Tensor pixels = x.view(int(x.size() / std::size_t(mPatch)), mPatch);
  compute::Tensor gathered = mTokensInS.get(mBackend, int(mSegments.size()), mPatch);
  mBackend.gatherRows(pixels, mIdx, gathered);
  mTokensIn = gathered.view(tokens, mPatchDim);
  mX = mXS.get(mBackend, tokens, mDim);
  mPos = mPosS.get(mBackend, tokens, mDim);
  mH = mHS.get(mBackend, tokens, mDim);
  mEmbed.forward(mTokensIn, mX);
  mPosition.forward(mUnitPtr, mPositions, mOnes, mPos);
  mBackend.axpby(1.0f, mPos, 1.0f, mX);
  const compute::Tensor& y = mMoe.forward(mX, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter,
                                          RowTokens{nullptr, mPositions.data()});
  mBackend.copy(y, mH);
  mBackend.axpby(1.0f, mX, 1.0f, mH);  // residual: dropped patches still count
  // The head reads every token at its place: an image's tokens side by side are one row.
  mLogits = mLogitsS.get(mBackend, images, mClasses);
  mHead.forward(mH.view(images, mPatches * mDim), mLogits);
  return mLogits;
}

void PatchMoeClassifier::backward(const compute::Tensor& dLogits) {
  const int images = dLogits.rows(), tokens = mX.rows();
  mDH = mDHS.get(mBackend, tokens, mDim);
  mDX = mDXS.get(mBackend, tokens, mDim);
  compute::Tensor dRow = mDH.view(images, mPatches * mDim);
  mHead.backward(mH.view(images, mPatches * mDim), dLogits, &dRow);
  mBackend.copy(mDH, mDX);         // the residual path
  mMoe.backward(mDH, &mDX, 1.0f);  // plus the MoE path
  mPosition.backward(mDX);
  mEmbed.backward(mTokensIn, mDX, nullptr);
}

std::vector<Parameter*> PatchMoeClassifier::parameters() {
  std::vector<Parameter*> p{&mEmbed.weight(), &mEmbed.bias(), &mPosition.table()};
  for (Parameter* q : mMoe.parameters()) p.push_back(q);
  p.push_back(&mHead.weight());
  p.push_back(&mHead.bias());
  return p;
}

long PatchMoeClassifier::paramsActivePerInput() const {
  // Per patch: the embedding, its position row and the MoE path; per image: the head.
  return long(mPatchDim + 1) * mDim + mDim + mMoe.activeParamsPerRow() +
         long(mPatches * mDim + 1) * mClasses;
}

double PatchMoeClassifier::flopsPerInput(const Dataset&) const {
  // Per patch: its embedding and the MoE path; per image: the head over all patch tokens.
  return mPatches * (2.0 * double(long(mPatchDim + 1) * mDim) + mMoe.flopsPerRow()) +
         2.0 * double(long(mPatches * mDim + 1) * mClasses);
}

std::string PatchMoeClassifier::describe() const {
  return "Patch MoE: " + std::to_string(mImage.width) + "x" + std::to_string(mImage.height) +
         " images -> " + std::to_string(mPatches) + " patches of " + std::to_string(mPatch) + "x" +
         std::to_string(mPatch) + " -> embedding " + std::to_string(mDim) +
         " + position -> per-patch MoE of " + std::to_string(mConfig.routedExperts()) +
         " experts (" + mConfig.router + ", k=" + std::to_string(mConfig.routedTopK()) +
         ", residual) -> linear head over the tokens -> " + std::to_string(mClasses) + " classes";
}

Inspection PatchMoeClassifier::inspect(const Batch& one) {
  Inspection out;
  const compute::Tensor& logits = forwardImages(one.x, false, StepContext{});
  out.classes = mClasses;
  out.prediction = softmaxOf(compute::toHost(mBackend, logits));
  out.predicted = int(std::max_element(out.prediction.begin(), out.prediction.end()) -
                      out.prediction.begin());
  out.patchSize = mPatch;
  const DispatchPlan& plan = mMoe.plan();
  const int E = plan.experts, T = mPatches;
  out.experts = E;
  const auto& probs = mMoe.probs();
  const auto& logitsHost = mMoe.router().logits();
  out.gateProbs.assign(std::size_t(E), 0.0f);
  out.gateLogits.assign(std::size_t(E), 0.0f);
  std::vector<int> taken(static_cast<std::size_t>(E), 0);
  out.tokens.resize(std::size_t(T));
  for (int r = 0; r < T; ++r) {
    TokenRouting& tok = out.tokens[std::size_t(r)];
    tok.id = r;
    tok.probs.assign(probs.begin() + std::ptrdiff_t(r) * E, probs.begin() + std::ptrdiff_t(r + 1) * E);
    for (int k = 0; k < E; ++k) {
      out.gateProbs[std::size_t(k)] += tok.probs[std::size_t(k)] / float(T);
      out.gateLogits[std::size_t(k)] += logitsHost[std::size_t(r) * E + std::size_t(k)] / float(T);
    }
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j) {
      tok.experts.push_back(plan.rowExperts[std::size_t(j)]);
      tok.gates.push_back(plan.rowGates[std::size_t(j)]);
      ++taken[std::size_t(plan.rowExperts[std::size_t(j)])];
    }
  }
  out.dropped = !plan.dropped.empty();
  int links = 0;
  for (int k = 0; k < E; ++k) links += taken[std::size_t(k)];
  std::vector<int> order(static_cast<std::size_t>(E));
  for (int k = 0; k < E; ++k) order[std::size_t(k)] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return taken[std::size_t(a)] > taken[std::size_t(b)]; });
  // Each expert's view: the head on the tokens x plus only that expert's share of the MoE
  // output, at the patches it took.
  const auto x = compute::toHost(mBackend, mX);
  const auto ye = compute::toHost(mBackend, mMoe.expertOutputs());
  const auto w = compute::toHost(mBackend, mHead.weight().value);
  const auto bias = compute::toHost(mBackend, mHead.bias().value);
  for (const int k : order) {
    if (taken[std::size_t(k)] == 0) break;
    out.chosen.push_back(k);
    out.chosenGates.push_back(float(taken[std::size_t(k)]) / float(std::max(1, links)));
    std::vector<float> h = x;
    for (int r = 0; r < T; ++r)
      for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j) {
        if (plan.rowExperts[std::size_t(j)] != k) continue;
        const std::size_t s = std::size_t(plan.rowSlots[std::size_t(j)]);
        for (int c = 0; c < mDim; ++c)
          h[std::size_t(r) * mDim + c] += plan.rowGates[std::size_t(j)] * ye[s * mDim + c];
      }
    std::vector<float> z(bias);
    for (std::size_t i = 0; i < h.size(); ++i)
      for (int o = 0; o < mClasses; ++o) z[std::size_t(o)] += h[i] * w[i * mClasses + o];
    out.expertPredictions.push_back(softmaxOf(std::move(z)));
  }
  out.note = "routing is per patch: gate values are means over the image's " +
             std::to_string(T) + " patches, chosen experts ordered by patches taken";
  return out;
}

}  // namespace moe::core
