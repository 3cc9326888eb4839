#include "core/data/toy_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "core/data/splits.h"

namespace moe::core {

namespace {

constexpr double kPi = std::numbers::pi;

// Uniform and normal draws from the raw 64-bit stream: the standard distributions' algorithms
// differ between libraries, these give the same points everywhere.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : mRng(seed) {}
  double uniform() { return double(mRng() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal() {  // Box-Muller, one of the pair
    const double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * v);
  }
  std::mt19937_64& rng() { return mRng; }

 private:
  std::mt19937_64 mRng;
};

struct Point {
  double x, y;
};

// One point of class c of a classification set (before the jitter).
Point spiral(Draw& d, int c) {
  // Two interleaved arms of 1.75 turns; points spread evenly along the arm's length.
  const double t = std::sqrt(d.uniform(0.0025, 1.0));
  const double angle = t * 3.5 * kPi + c * kPi, r = 0.95 * t;
  return {r * std::cos(angle), r * std::sin(angle)};
}

Point xorPoint(Draw& d, int c) {
  for (;;) {  // uniform in the two quadrants of class c, away from the axes
    const double x = d.uniform(-1, 1), y = d.uniform(-1, 1);
    if (std::abs(x) < 0.05 || std::abs(y) < 0.05) continue;
    if (int(x * y < 0) == c) return {x, y};
  }
}

Point circle(Draw& d, int c) {
  // Class 0: a disc of radius 0.45; class 1: a ring from 0.65 to 0.95.
  const double r = c == 0 ? 0.45 * std::sqrt(d.uniform()) : std::sqrt(d.uniform(0.65 * 0.65, 0.9025));
  const double a = d.uniform(0, 2 * kPi);
  return {r * std::cos(a), r * std::sin(a)};
}

Point blob(Draw& d, int c, int classes) {
  // Centres evenly on a circle of radius 0.6, each blob a Gaussian of std 0.12.
  const double a = 2 * kPi * c / classes + kPi / 2;
  return {0.6 * std::cos(a) + 0.12 * d.normal(), 0.6 * std::sin(a) + 0.12 * d.normal()};
}

Point checker(Draw& d, int c) {
  for (;;) {  // 4 x 4 cells over [-1, 1]^2
    const double x = d.uniform(-1, 1), y = d.uniform(-1, 1);
    const int cell = int(std::floor((x + 1) * 2)) + int(std::floor((y + 1) * 2));
    if (cell % 2 == c) return {x, y};
  }
}

Point moon(Draw& d, int c) {
  // The classic half circles (upper one centred at 0, lower at (1, 0.5)), scaled into the plane.
  const double t = d.uniform(0, kPi);
  const double x = c == 0 ? std::cos(t) : 1 - std::cos(t);
  const double y = c == 0 ? std::sin(t) : 0.5 - std::sin(t);
  return {(x - 0.5) / 1.6, (y - 0.25) / 1.6};
}

// The 1-D piecewise function: a rising line, a flat step, a falling line; jumps between them, so
// a mixture of linear experts is visibly one expert per piece.
double piecewise(double x) {
  if (x < -0.33) return 1.5 * x + 0.9;
  if (x < 0.33) return 0.6;
  return -1.8 * x + 0.4;
}

// The 2-D regression target: a sum of four Gaussian bumps of both signs.
double bumps(double x, double y) {
  struct Bump {
    double cx, cy, a, s;
  };
  static const Bump all[] = {
      {-0.5, -0.4, 1.0, 0.3}, {0.5, 0.5, 0.8, 0.25}, {0.4, -0.5, -0.7, 0.3}, {-0.4, 0.5, -0.5, 0.2}};
  double v = 0;
  for (const Bump& b : all) {
    const double dx = x - b.cx, dy = y - b.cy;
    v += b.a * std::exp(-(dx * dx + dy * dy) / (2 * b.s * b.s));
  }
  return v;
}

int classesOf(const std::string& name, const ToyOptions& o) {
  if (toyIsRegression(name)) return 0;
  return name == "blobs" ? o.classes : 2;
}

std::string displayName(const std::string& name) { return "toy:" + name; }

// Rows [from, to) of a toy dataset (features, labels or targets).
Dataset tail(const Dataset& d, int from, int to) {
  Dataset out = d;
  const auto f = std::size_t(d.features);
  out.x.assign(d.x.begin() + std::ptrdiff_t(from * f), d.x.begin() + std::ptrdiff_t(to * f));
  if (!d.labels.empty()) out.labels.assign(d.labels.begin() + from, d.labels.begin() + to);
  if (!d.targets.empty()) out.targets.assign(d.targets.begin() + from, d.targets.begin() + to);
  return out;
}

}  // namespace

const std::vector<std::string>& toyNames() {
  static const std::vector<std::string> names = {"spirals", "xor",  "circles",       "blobs",
                                                 "checkerboard", "moons", "regression-1d",
                                                 "regression-2d"};
  return names;
}

int toyBin(float x) {
  return std::clamp(int(std::floor((double(x) + 1.0) * kToyBins / 2.0)), 0, kToyBins - 1);
}

bool toyIsRegression(const std::string& name) { return name.rfind("regression", 0) == 0; }

void validateToyOptions(const std::string& name, const ToyOptions& o) {
  if (std::find(toyNames().begin(), toyNames().end(), name) == toyNames().end()) {
    std::string valid;
    for (const auto& n : toyNames()) valid += (valid.empty() ? "" : ", ") + displayName(n);
    throw DataError("unknown toy dataset '" + displayName(name) + "'; valid: " + valid);
  }
  if (o.size < kMinToySize || o.size > kMaxToySize)
    throw DataError("toy_size must be between " + std::to_string(kMinToySize) + " and " +
                    std::to_string(kMaxToySize) + " points, got " + std::to_string(o.size));
  if (!(o.noise >= 0.0 && o.noise <= kMaxToyNoise))
    throw DataError("toy_noise must be between 0 and " + std::to_string(kMaxToyNoise).substr(0, 3) +
                    " (a standard deviation in plane units), got " + std::to_string(o.noise));
  if (name == "blobs" && (o.classes < 2 || o.classes > kMaxToyClasses))
    throw DataError("toy_classes must be between 2 and " + std::to_string(kMaxToyClasses) +
                    " for toy:blobs, got " + std::to_string(o.classes));
}

Dataset generateToy(const std::string& name, int rows, const ToyOptions& o, std::uint64_t seed) {
  validateToyOptions(name, o);
  Draw draw(seed);
  Dataset d;
  d.name = displayName(name);
  d.kind = DataKind::Dense;
  const bool oneD = name == "regression-1d";
  d.features = oneD ? 1 : 2;
  d.classes = classesOf(name, o);
  for (int c = 0; c < d.classes; ++c) d.classNames.push_back(std::string(1, char('A' + c)));
  if (d.classes == 0)  // the category x expert table's rows (toyBin)
    for (int b = 0; b < kToyBins; ++b) {
      char name[32];
      std::snprintf(name, sizeof name, "x %+.2f..%+.2f", -1.0 + 2.0 * b / kToyBins,
                    -1.0 + 2.0 * (b + 1) / kToyBins);
      d.classNames.push_back(name);
    }
  d.x.reserve(std::size_t(rows) * std::size_t(d.features));
  if (d.classes == 0) {
    d.targets.reserve(std::size_t(rows));
    for (int i = 0; i < rows; ++i) {
      const double x = draw.uniform(-1, 1);
      if (oneD) {
        d.x.push_back(float(x));
        d.targets.push_back(float(piecewise(x) + o.noise * draw.normal()));
      } else {
        const double y = draw.uniform(-1, 1);
        d.x.push_back(float(x));
        d.x.push_back(float(y));
        d.targets.push_back(float(bumps(x, y) + o.noise * draw.normal()));
      }
    }
    return d;
  }
  // Classes in turn (exact balance), then one shuffle.
  std::vector<int> order(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) order[std::size_t(i)] = i;
  shuffleIndices(order, draw.rng());
  d.x.assign(std::size_t(rows) * 2, 0.0f);
  d.labels.assign(std::size_t(rows), 0);
  for (int i = 0; i < rows; ++i) {
    const int c = i % d.classes;
    Point p{};
    if (name == "spirals") p = spiral(draw, c);
    else if (name == "xor") p = xorPoint(draw, c);
    else if (name == "circles") p = circle(draw, c);
    else if (name == "blobs") p = blob(draw, c, d.classes);
    else if (name == "checkerboard") p = checker(draw, c);
    else p = moon(draw, c);
    const std::size_t at = std::size_t(order[std::size_t(i)]);
    d.x[at * 2] = float(p.x + o.noise * draw.normal());
    d.x[at * 2 + 1] = float(p.y + o.noise * draw.normal());
    d.labels[at] = c;
  }
  return d;
}

DataSplits makeToySplits(const std::string& name, const ToyOptions& o, double validationFraction,
                         int maxTrain) {
  // Independent streams per split: the test points do not move when the size changes.
  const std::uint64_t base = o.seed * 0x9E3779B97F4A7C15ull;
  DataSplits s;
  const int trainRows = maxTrain > 0 ? std::min(o.size, maxTrain) : o.size;
  Dataset train = generateToy(name, trainRows, o, base + 1);
  s.test = generateToy(name, std::max(kMinToySize, o.size / 2), o, base + 2);
  // Points are independent draws in random order, so the last ones are a fair validation set.
  const int held = int(std::lround(std::clamp(validationFraction, 0.0, 0.5) * trainRows));
  s.train = tail(train, 0, trainRows - held);
  s.validation = tail(train, trainRows - held, trainRows);
  return s;
}

}  // namespace moe::core
