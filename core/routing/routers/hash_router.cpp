#include "core/routing/routers/hash_router.h"

#include "compute/random.h"

namespace moe::core {

RouterInfo HashRouter::describe() {
  return {"hash",
          "fixed hash of the token or item id, else of a fixed random projection; gate 1 "
          "(Roller et al. 2021)",
          {},
          true,  // the one gate is p renormalised over itself: 1, and no gradient reaches p
          [](const RouterSettings&, int) { return 1; }};
}

const RouterInfo& HashRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

HashRouter::HashRouter(RouterBuild& b)
    : mBackend(b.backend), mProjection(b.backend.alloc(b.in, kBits)) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> r(std::size_t(b.in) * kBits);
  for (float& v : r) v = normal(b.rng);
  mBackend.write(mProjection, std::span<const float>(r));
}

int HashRouter::expertOf(std::uint64_t key, int experts) {
  return int(compute::mix64(key + 0x9e3779b97f4a7c15ULL) % std::uint64_t(experts));
}

void HashRouter::choose(const RouterInput& in, const std::vector<float>&, RouterChoices& out) {
  const int rows = in.rows;
  if (!in.tokenIds && in.x) {
    compute::Tensor projected = mProjectedS.get(mBackend, rows, kBits);
    mBackend.gemm(false, false, 1.0f, *in.x, mProjection, 0.0f, projected);
    mProjected.resize(std::size_t(rows) * kBits);
    mBackend.read(projected, std::span<float>(mProjected));
  }
  for (int r = 0; r < rows; ++r) {
    std::uint64_t key = 0;
    if (in.tokenIds) {
      key = std::uint64_t(std::uint32_t(in.tokenIds[r]));
    } else if (in.x) {
      for (int b = 0; b < kBits; ++b)
        key = (key << 1) | std::uint64_t(mProjected[std::size_t(r) * kBits + b] > 0.0f);
    } else {  // neither ids nor input (hand-made inputs in tests): the logits' signs
      for (int e = 0; e < in.experts; ++e)
        key = (key << 1) | std::uint64_t(in.logits[std::size_t(r) * in.experts + e] > 0.0f);
    }
    out.rows[std::size_t(r)].push_back({expertOf(key, in.experts), 1.0f});
  }
}

}  // namespace moe::core
