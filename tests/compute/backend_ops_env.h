#pragma once
// What the rows of test_backend_ops.cpp's op table are written with: Env (the backend under
// test, deterministic inputs, recorded outputs), the row types, and the inputs several rows
// share (expert segments, CSR dispatches, shape lists).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compute/backend.h"

namespace moe::compute::test {

/** |got - want| <= atol + rtol * |want|; NaN must match NaN. Int32 outputs compare exactly. */
struct Tol {
  float atol = 0.0f;
  float rtol = 0.0f;
};

/** One thing a row records: a tensor's values or a scalar, widened to double. */
struct Output {
  std::string what;
  std::vector<double> values;
  Tol tol;
};

/** What a row sees: the backend under test, deterministic inputs, and a record of outputs. */
class Env {
 public:
  explicit Env(Backend& backend) : be(backend) {}

  Backend& be;
  std::vector<Output> outputs;
  std::vector<std::string> failures;  ///< contract checks that failed on this backend

  /** A contract check that must hold on every backend (not a comparison between them). */
  void check(bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  }

  /** rows x cols of N(0, scale) from seed: the same values on every backend. */
  Tensor randn(int rows, int cols, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(std::size_t(rows) * std::size_t(cols));
    for (auto& x : v) x = d(rng);
    return floats(rows, cols, v);
  }
  Tensor floats(int rows, int cols, const std::vector<float>& v) {
    Tensor t = be.alloc(rows, cols);
    be.write(t, std::span<const float>(v));
    return t;
  }
  Tensor ints(int rows, int cols, const std::vector<std::int32_t>& v) {
    Tensor t = be.alloc(rows, cols, DType::I32);
    be.write(t, std::span<const std::int32_t>(v));
    return t;
  }
  /** Records t's values (read back through the backend). */
  void out(const std::string& what, const Tensor& t, Tol tol = {}) {
    Output o{what, {}, tol};
    if (t.dtype() == DType::I32) {
      for (std::int32_t v : toHostInt(be, t)) o.values.push_back(double(v));
      o.tol = {};
    } else {
      for (float v : toHost(be, t)) o.values.push_back(double(v));
    }
    outputs.push_back(std::move(o));
  }
  void out(const std::string& what, double value, Tol tol = {}) {
    outputs.push_back({what, {value}, tol});
  }
};

/** A row of the op table. */
struct OpCase {
  Op op;
  std::string name;
  std::function<void(Env&)> run;
};

/** A row of the shape-validation table: a call that must throw ShapeError naming `op`. */
struct ShapeCase {
  Op op;
  std::string name;
  std::function<void(Backend&)> call;
};

// ---- inputs shared by several rows ----------------------------------------------------------

/** Row segments for `experts` experts over `rows` rows: "random" (some experts may be empty),
 *  "one expert" (all rows to the middle one), "empty ends" (first, last and every third
 *  expert empty). */
inline std::vector<int> makeSegments(int experts, int rows, const std::string& pattern,
                                     unsigned seed) {
  std::vector<int> sizes(std::size_t(experts), 0);
  std::mt19937 rng(seed);
  if (pattern == "one expert") {
    sizes[std::size_t(experts / 2)] = rows;
  } else if (pattern == "empty ends") {
    std::vector<int> used;
    for (int e = 1; e + 1 < experts; ++e)
      if (e % 3 != 0) used.push_back(e);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(used[std::size_t(r) % used.size()])];
  } else {
    std::uniform_int_distribution<int> pick(0, experts - 1);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(pick(rng))];
  }
  std::vector<int> offsets(1, 0);
  for (int s : sizes) offsets.push_back(offsets.back() + s);
  return offsets;
}

/** A dispatch like a top-k router's, in CSR form: row r sends up to k slots (every fifth row
 *  none); the slots are a permutation of a subset of srcRows packed rows (some unreferenced). */
struct Dispatch {
  int rows = 0, srcRows = 0;
  std::vector<std::int32_t> rowPtr, slot, perm;
  std::vector<float> weight;
  int nnz() const { return int(slot.size()); }
};

inline Dispatch makeDispatch(int rows, int k, unsigned seed) {
  Dispatch d;
  std::mt19937 rng(seed);
  d.rows = rows;
  d.srcRows = rows * k + 3;
  d.perm.resize(std::size_t(d.srcRows));
  std::iota(d.perm.begin(), d.perm.end(), 0);
  std::shuffle(d.perm.begin(), d.perm.end(), rng);
  d.rowPtr.push_back(0);
  for (int r = 0; r < rows; ++r) {
    const int count = (r % 5 == 4) ? 0 : 1 + int(rng() % unsigned(k));
    for (int j = 0; j < count; ++j) {
      d.slot.push_back(d.perm[d.slot.size()]);
      d.weight.push_back(float(rng() % 1000) / 1000.0f);
    }
    d.rowPtr.push_back(int(d.slot.size()));
  }
  return d;
}

/** The grouped-GEMM shapes: experts, rows, in, out and the segment pattern. */
struct GroupedShape {
  int experts, rows, in, out;
  const char* pattern;
  std::string name() const {
    return std::to_string(experts) + " experts " + std::to_string(in) + "x" + std::to_string(out) +
           ", " + std::to_string(rows) + " rows " + pattern;
  }
  float tol() const { return 2e-5f * std::sqrt(float(std::max(in, out)) + 1.0f); }
  float tolK() const { return 2e-5f * std::sqrt(float(rows) + 1.0f); }
};

inline const std::vector<GroupedShape>& groupedShapes() {
  static const std::vector<GroupedShape> shapes{
      {8, 256, 784, 256, "random"},    {8, 130, 784, 256, "empty ends"},
      {8, 256, 256, 10, "random"},     {4, 33, 7, 33, "one expert"},
      {1, 7, 33, 7, "random"},         {2, 1, 5, 3, "random"},
      {17, 130, 33, 20, "empty ends"},  // more experts than one OpenCL launch holds (15)
      {8, 0, 16, 8, "random"},          // no rows at all: every segment empty
  };
  return shapes;
}

/** Element-wise shapes: single element, odd sizes, zero rows and the reference batch. */
inline const std::vector<std::pair<int, int>>& elementShapes() {
  static const std::vector<std::pair<int, int>> shapes{{1, 1},     {7, 10},    {33, 257},
                                                       {130, 256}, {128, 784}, {0, 5}};
  return shapes;
}

inline std::string dims(int rows, int cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/** A float as a row name shows it: 0.5, not 0.500000. */
inline std::string num(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace moe::compute::test
