#include "compute/backend.h"

#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace moe::compute {

namespace {
constexpr std::array<std::pair<Activation, const char*>, 7> kActivationNames{{
    {Activation::Identity, "identity"},
    {Activation::Relu, "relu"},
    {Activation::Gelu, "gelu"},
    {Activation::Tanh, "tanh"},
    {Activation::Sigmoid, "sigmoid"},
    {Activation::Silu, "silu"},
    {Activation::Softplus, "softplus"},
}};
}  // namespace

const char* activationName(Activation a) {
  for (const auto& [act, name] : kActivationNames)
    if (act == a) return name;
  return "?";
}

Activation parseActivation(const std::string& name) {
  for (const auto& [act, n] : kActivationNames)
    if (name == n) return act;
  throw std::invalid_argument("unknown activation '" + name +
                              "' (expected identity, relu, gelu, tanh, sigmoid, silu or softplus)");
}

const char* opName(Op op) {
  // clang-format off
  static constexpr std::array<const char*, std::size_t(Op::Count)> kNames{
      "alloc", "write", "read", "fill", "copy", "axpby", "mul", "activation",
      "activationBackward", "addRowVector", "sumRows", "sumSquares", "gemm", "groupedGemm",
      "groupedGemmBackwardInput", "groupedGemmBackwardWeight", "groupedGemmBackwardWeightAdam",
      "groupedAddBias", "groupedBiasGrad", "gatherRows", "scatterRows", "combineRows",
      "combineRowsBackward", "crossEntropy", "adamUpdate", "sgdUpdate"};
  // clang-format on
  return std::size_t(op) < kNames.size() ? kNames[std::size_t(op)] : "?";
}

bool Backend::doGroupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w,
                                              Tensor& m, Tensor& v, Segments offsets,
                                              const AdamParams& p, Tensor& dwScratch) {
  doGroupedGemmBackwardWeight(x, dy, dwScratch, offsets, 0.0f);
  if (!std::isfinite(doSumSquares(dwScratch))) return false;
  // Lazy experts: the rows of experts without rows are copied aside and put back after the
  // dense update (the result a fusing backend gets by skipping them).
  std::vector<std::int32_t> idle;
  if (p.skipEmptySegments)
    for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
      if (offsets[e + 1] == offsets[e])
        for (int r = 0; r < x.cols(); ++r) idle.push_back(std::int32_t(e) * x.cols() + r);
  if (idle.empty()) {
    doAdamUpdate(w, dwScratch, m, v, p);
    return true;
  }
  Tensor index = doAlloc(int(idle.size()), 1, DType::I32);
  doWrite(index, std::span<const std::int32_t>(idle));
  Tensor* state[3] = {&w, &m, &v};
  Tensor kept[3];
  for (int i = 0; i < 3; ++i) {
    kept[i] = doAlloc(int(idle.size()), w.cols(), DType::F32);
    doGatherRows(*state[i], index, kept[i]);
  }
  doAdamUpdate(w, dwScratch, m, v, p);
  for (int i = 0; i < 3; ++i) doScatterRows(kept[i], index, *state[i]);
  return true;
}

std::vector<float> toHost(Backend& backend, const Tensor& t) {
  std::vector<float> out(t.size());
  backend.read(t, std::span<float>(out));
  return out;
}

std::vector<std::int32_t> toHostInt(Backend& backend, const Tensor& t) {
  std::vector<std::int32_t> out(t.size());
  backend.read(t, std::span<std::int32_t>(out));
  return out;
}

}  // namespace moe::compute
