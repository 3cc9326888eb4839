#include "compute/backend.h"

#include <array>
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
