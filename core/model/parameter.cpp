#include "core/model/parameter.h"

#include <vector>

namespace moe::core {

Parameter makeParameter(compute::Backend& backend, const std::string& name, int rows, int cols,
                        float bound, std::mt19937_64& rng) {
  Parameter p;
  p.name = name;
  p.value = backend.alloc(rows, cols);
  p.grad = backend.alloc(rows, cols);
  std::uniform_real_distribution<float> dist(-bound, bound);
  std::vector<float> init(p.value.size());
  for (auto& v : init) v = dist(rng);
  backend.write(p.value, std::span<const float>(init));
  return p;
}

compute::Tensor Scratch::get(compute::Backend& backend, int rows, int cols, compute::DType dtype) {
  const std::size_t need = std::size_t(std::max(rows, 0)) * std::size_t(std::max(cols, 0));
  if (mStorage.empty() || mStorage.dtype() != dtype || mStorage.size() < need ||
      mStorage.backend() != &backend) {
    // Grow with headroom: routing sizes vary from step to step.
    const std::size_t cap = std::max<std::size_t>(need + need / 4, 1);
    mStorage = backend.alloc(int(cap), 1, dtype);
  }
  return mStorage.view(rows, cols);
}

}  // namespace moe::core
