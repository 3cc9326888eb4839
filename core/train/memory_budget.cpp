#include "core/train/memory_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/train/layer_settings.h"

namespace moe::core {

namespace {

constexpr double kFloat = 4.0;
// Evaluation batches, often larger than training's (the tasks' evalBatchRows).
double evalRows(DataKind kind) {
  switch (kind) {
    case DataKind::Dense: return 1000.0;
    case DataKind::Tokens: return 256.0;
    case DataKind::Ratings: return 4096.0;
  }
  return 1000.0;
}
constexpr double kDefaultTokensPerText = 64.0;

// Parameters of an MoE layer from in to out: its experts and the router's gate.
double moeParameters(const ModelConfig& m, double in, double out) {
  const double e = m.experts, h = m.expertHidden;
  const double expert = h > 0 ? in * h + h + h * out + out : in * out + out;
  return e * expert + in * e + e;
}

// Floats one row keeps through the MoE layer's forward and backward pass.
double moeRowFloats(const ModelConfig& m, double in, double out) {
  const double slots = double(m.topK) * std::max(1.0, m.capacityFactor);
  const double hidden = std::max(1, m.expertHidden);
  return 2.0 * (in + 4.0 * m.experts + slots * (in + 2.0 * hidden + 2.0 * out) + 2.0 * out);
}

}  // namespace

DataShape shapeOf(const DataSplits& data) {
  DataShape s;
  const Dataset& t = data.train;
  s.kind = t.kind;
  s.features = t.features;
  s.classes = t.classes;
  s.users = std::max(1, t.userCount);
  s.items = std::max(1, t.itemCount) + long(t.genreNames.size());
  if (t.kind == DataKind::Tokens && t.rows() > 0)
    s.rowsPerSample = std::max(1.0, double(t.tokens.size()) / double(t.rows()));
  for (const Dataset* d : {&data.train, &data.validation, &data.test}) {
    s.bytes += kFloat * double(d->x.size() + d->labels.size() + d->tokens.size() +
                               d->tokenOffsets.size() + d->users.size() + d->items.size() +
                               d->targets.size());
    for (const std::string& text : d->texts) s.bytes += double(text.size() + sizeof(std::string));
  }
  return s;
}

MemoryEstimate estimateMemory(const TrainConfig& c, const DataShape& shape) {
  const ModelConfig& m = c.model;
  const double w = m.stemWidth, classes = std::max(1L, shape.classes);
  double params = 0.0, rowFloats = 0.0, rowsPerSample = 1.0;
  switch (shape.kind) {
    case DataKind::Dense: {
      const double f = shape.features;
      if (m.kind == ModelKind::MoeClassifier) {
        params = moeParameters(m, f, classes);
        rowFloats = moeRowFloats(m, f, classes);
      } else if (m.kind == ModelKind::DeepMoe) {
        params = (w + 1) * classes;
        rowFloats = f + 3.0 * classes;
        for (int l = 0; l < m.layers; ++l) {  // each layer with its own settings
          ModelConfig layer = m;
          try {
            layer = layerConfig(m, l);
          } catch (const ConfigError&) {  // a list being typed: estimate with the global ones
          }
          params += moeParameters(layer, l == 0 ? f : w, w);
          rowFloats += 4.0 * w + moeRowFloats(layer, l == 0 ? f : w, w);
        }
      } else if (m.kind == ModelKind::StemMoe) {
        params = (f + 1) * w + moeParameters(m, w, w) + (w + 1) * classes;
        rowFloats = f + 4.0 * w + moeRowFloats(m, w, w) + 3.0 * classes;
      } else {
        const double hidden = double(std::max(1, m.expertHidden)) * m.topK;
        params = (f + 1) * hidden + (hidden + 1) * classes;
        rowFloats = 2.0 * (f + 3.0 * hidden + 3.0 * classes);
      }
      break;
    }
    case DataKind::Tokens:
      // The embedding has one row per hash bucket; the MoE sees one row per token.
      params = double(c.text.buckets) * w + moeParameters(m, w, w) + (w + 1) * classes;
      rowsPerSample = shape.rowsPerSample > 1.0 ? shape.rowsPerSample : kDefaultTokensPerText;
      rowFloats = 3.0 * w + moeRowFloats(m, w, w);
      break;
    case DataKind::Ratings:
      params = double(shape.users + shape.items) * w + double(shape.users + shape.items) +
               moeParameters(m, w, 1.0);
      rowFloats = 4.0 * w + moeRowFloats(m, w, 1.0);
      break;
  }
  MemoryEstimate e;
  e.parameters = params;
  e.parameterBytes = kFloat * params;
  // One gradient per parameter, plus Adam's two moments or SGD's momentum.
  const double states = c.optim.kind == OptimizerKind::Sgd ? 1.0 : 2.0;
  e.optimizerBytes = kFloat * params * (1.0 + states);
  const double rows = std::max(double(c.batchSize), evalRows(shape.kind)) * rowsPerSample;
  e.activationBytes = kFloat * rows * rowFloats;
  e.dataBytes = shape.bytes;
  return e;
}

std::string formatBytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9) std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  else if (bytes >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f kB", std::ceil(bytes / 1e3));
  return buf;
}

std::string MemoryEstimate::describe() const {
  return formatBytes(total()) + " (parameters " + formatBytes(parameterBytes) +
         ", gradients and optimizer state " + formatBytes(optimizerBytes) + ", activations " +
         formatBytes(activationBytes) + ", data " + formatBytes(dataBytes) + ")";
}

std::optional<double> availableMemoryBytes() {
  if (const char* env = std::getenv("MOE_MEMORY_AVAILABLE"); env && *env) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    static const std::string suffixes = "kMGT";
    if (end && *end) {
      const auto at = suffixes.find(*end);
      if (at != std::string::npos && end[1] == '\0') v *= std::pow(1000.0, double(at + 1));
      else end = nullptr;
    }
    if (!end || !std::isfinite(v) || v < 0)
      throw ConfigError(std::string("MOE_MEMORY_AVAILABLE='") + env +
                        "' is not a number of bytes (suffixes k, M, G, T allowed: 9.8G)");
    return v;
  }
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double kb = 0.0;
    if (fields >> key >> kb && key == "MemAvailable:") return kb * 1024.0;
  }
  return std::nullopt;
}

std::string checkMemoryBudget(const TrainConfig& config, const DataShape& shape) {
  const std::optional<double> available = availableMemoryBytes();
  if (!available) return {};
  const MemoryEstimate e = estimateMemory(config, shape);
  if (e.toAllocate() > *available)
    throw MemoryBudgetError(
        "these settings need " + formatBytes(e.toAllocate()) + ", " + formatBytes(*available) +
        " available (parameters " + formatBytes(e.parameterBytes) +
        ", gradients and optimizer state " + formatBytes(e.optimizerBytes) + ", activations " +
        formatBytes(e.activationBytes) + "; the data already takes " + formatBytes(e.dataBytes) +
        "); use fewer or smaller experts, a smaller batch or fewer hash buckets");
  if (e.toAllocate() > 0.8 * *available)
    return "these settings take " + formatBytes(e.toAllocate()) + " of the " +
           formatBytes(*available) + " available: the machine may start swapping";
  return {};
}

}  // namespace moe::core
