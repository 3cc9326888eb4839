#include "compute/backend.h"

#include <array>
#include <cmath>
#include <utility>

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
  doAdamUpdate(w, dwScratch, m, v, p);
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
