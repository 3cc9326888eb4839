#include "core/task/feature_rows.h"

namespace moe::core {

namespace {

compute::Tensor upload(compute::Backend& backend, const Dataset& d) {
  if (d.rows() == 0) return {};
  compute::Tensor t = backend.alloc(d.rows(), d.features);
  backend.write(t, std::span<const float>(d.x));
  return t;
}

}  // namespace

FeatureRows::FeatureRows(compute::Backend& backend, const DataSplits& data)
    : mBackend(backend),
      mX{upload(backend, data.train), upload(backend, data.validation), upload(backend, data.test)} {}

compute::Tensor FeatureRows::gather(Split s, std::span<const std::int32_t> rows, int features) {
  const int n = int(rows.size());
  compute::Tensor idx = mIdx.get(mBackend, n, 1, compute::DType::I32);
  mBackend.write(idx, rows);
  compute::Tensor x = mXS.get(mBackend, n, features);
  mBackend.gatherRows(mX[std::size_t(s)], idx, x);
  return x;
}

compute::Tensor FeatureRows::gatherTestRow(int testIndex, int features) {
  const std::int32_t row = testIndex;
  compute::Tensor idx = mBackend.alloc(1, 1, compute::DType::I32);
  mBackend.write(idx, std::span<const std::int32_t>(&row, 1));
  compute::Tensor x = mBackend.alloc(1, features);
  mBackend.gatherRows(mX[std::size_t(Split::Test)], idx, x);
  return x;
}

}  // namespace moe::core
