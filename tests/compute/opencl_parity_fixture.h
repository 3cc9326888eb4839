#pragma once
// Shared by the OpenCL parity tests: the CPU reference and OpenCL backends side by side, and
// helpers that upload the same data to both and compare results with a tolerance.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "compute/backend_factory.h"
#include "compute/cpu/cpu_backend.h"

namespace moe::compute::test {

inline std::vector<float> randomVec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

/** The same data on both backends. */
struct Pair {
  Tensor cpu, cl;
};

/** Row segments for `experts` experts over `rows` rows; pattern picks the distribution. */
inline std::vector<int> makeSegments(int experts, int rows, const QString& pattern, unsigned seed) {
  std::vector<int> sizes(std::size_t(experts), 0);
  std::mt19937 rng(seed);
  if (pattern == "one expert") {
    sizes[std::size_t(experts / 2)] = rows;
  } else if (pattern == "empty ends") {  // first, last and every third expert empty
    std::vector<int> used;
    for (int e = 1; e + 1 < experts; ++e)
      if (e % 3 != 0) used.push_back(e);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(used[std::size_t(r) % used.size()])];
  } else {  // random, some experts may be empty
    std::uniform_int_distribution<int> pick(0, experts - 1);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(pick(rng))];
  }
  std::vector<int> offsets(1, 0);
  for (int s : sizes) offsets.push_back(offsets.back() + s);
  return offsets;
}

/** Both backends, plus an OpenCL instance forced onto the tiled (GPU) GEMM kernels. */
class OpenClParityFixture {
 public:
  OpenClParityFixture() : mCpu(2) {}

  /** Creates the OpenCL backends; returns why not when there is no usable device. */
  QString openBackends() {
    BackendChoice choice = createBackend("opencl", 2);
    if (choice.fellBack) return QString::fromStdString(choice.message);
    mClOwner = std::move(choice.backend);
    mCl = mClOwner.get();
    qInfo("OpenCL device: %s", mCl->deviceName().c_str());
    // A second instance forced onto the local-memory tiled GEMM (the GPU path), so both GEMM
    // kernel families are checked whatever the device.
    qputenv("MOE_OPENCL_GEMM", "tiled");
    mClTiledOwner = createBackend("opencl", 2).backend;
    qunsetenv("MOE_OPENCL_GEMM");
    return {};
  }

  /** Switches mCl to the instance a row's "kernels" column names; returns the previous one. */
  Backend* selectGemm(const QString& kernels) {
    Backend* previous = mCl;
    if (kernels == "tiled") mCl = mClTiledOwner.get();
    return previous;
  }

 protected:
  CpuBackend mCpu;
  std::unique_ptr<Backend> mClOwner, mClTiledOwner;
  Backend* mCl = nullptr;

  Pair upload(int rows, int cols, const std::vector<float>& v) {
    Pair p{mCpu.alloc(rows, cols), mCl->alloc(rows, cols)};
    mCpu.write(p.cpu, std::span<const float>(v));
    mCl->write(p.cl, std::span<const float>(v));
    return p;
  }
  Pair uploadInt(int rows, int cols, const std::vector<std::int32_t>& v) {
    Pair p{mCpu.alloc(rows, cols, DType::I32), mCl->alloc(rows, cols, DType::I32)};
    mCpu.write(p.cpu, std::span<const std::int32_t>(v));
    mCl->write(p.cl, std::span<const std::int32_t>(v));
    return p;
  }
  Pair random(int rows, int cols, unsigned seed, float scale = 1.0f) {
    return upload(rows, cols, randomVec(std::size_t(rows) * cols, seed, scale));
  }

  /** |cl - cpu| <= atol + rtol * |cpu| everywhere; reports the worst element. */
  void expectClose(const Pair& p, float atol, float rtol, const char* what) {
    const auto a = toHost(mCpu, p.cpu), b = toHost(*mCl, p.cl);
    QCOMPARE(a.size(), b.size());
    std::size_t worst = 0;
    float worstExcess = -1.0f;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const float excess = std::fabs(a[i] - b[i]) - (atol + rtol * std::fabs(a[i]));
      if (excess > worstExcess || std::isnan(b[i]) != std::isnan(a[i])) {
        worstExcess = std::isnan(b[i]) != std::isnan(a[i]) ? INFINITY : excess;
        worst = i;
      }
    }
    if (!a.empty() && worstExcess > 0.0f)
      QFAIL(qPrintable(QString("%1: element %2 cpu %3 opencl %4 (atol %5 rtol %6)")
                           .arg(what)
                           .arg(worst)
                           .arg(double(a[worst]), 0, 'g', 9)
                           .arg(double(b[worst]), 0, 'g', 9)
                           .arg(double(atol))
                           .arg(double(rtol))));
  }
  void expectEqualInt(const Pair& p, const char* what) {
    const auto a = toHostInt(mCpu, p.cpu), b = toHostInt(*mCl, p.cl);
    QVERIFY2(a == b, what);
  }

  static void shapeColumns() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (int rows : {1, 7, 33, 130})
      for (int cols : {1, 10, 257}) QTest::addRow("%dx%d", rows, cols) << rows << cols;
    QTest::addRow("128x784") << 128 << 784;
  }
};

}  // namespace moe::compute::test
