#include "core/sweep/ensemble_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/sweep/baselines.h"
#include "core/task/task.h"
#include "core/train/history_file.h"
#include "core/train/session_factory.h"

namespace moe::core {

namespace {

using Clock = std::chrono::steady_clock;

/** The meta-learner of stacking (a linear model on N x C inputs) trains at least this many
 *  epochs and at least kMetaSteps steps: on a few hundred held-out rows 20 epochs are too few
 *  steps for a logistic regression to converge (the peer's runs to convergence). */
constexpr int kMetaEpochs = 20;
constexpr long kMetaSteps = 3000;
/** Stacking holds this share of the training rows out for the meta-learner. */
constexpr double kStackingHeldOut = 0.2;

/** One trained model of an ensemble: its class probabilities and its costs. */
struct Member {
  std::vector<float> test;   ///< test rows x classes
  std::vector<float> other;  ///< the rows of its validation split x classes
  double forward = 0.0;      ///< forward FLOPs per input
  long params = 0;
  long steps = 0;
  long samples = 0;          ///< samples trained
  double trainSeconds = 0.0;
  std::string diverged;
  bool stopped = false;
};

struct Ensemble {
  const SweepRun& run;
  int threads;
  std::string folder;  ///< DIR/runs/FOLDER
  const RunProgress& progress;
  const std::atomic<bool>& stop;
  int models;          ///< models to train in all (members, and the meta-learner)
  int trained = 0;

  Member train(const TrainConfig& cfg, const Dataset& trainRows, const Dataset& other,
               const Dataset& test, bool predictOther) {
    auto data = std::make_shared<DataSplits>();
    data->train = trainRows;
    data->validation = other;
    data->test = test;
    TrainConfig c = cfg;
    c.threads = threads;
    SessionBuild build = buildSession(c, data);
    Session& s = *build.session;
    RunHistory history(s.qualityMetric());
    const int index = trained;
    const TrainedRun t = trainToEnd(s, history, [&](double f) {
      if (progress) progress((index + f) / models);
    }, stop);
    ++trained;
    Member m;
    m.stopped = t.stopped;
    if (t.stopped) return m;
    writeHistoryFile(folder + "/member-" + std::to_string(index) + ".jsonl", c, history);
    m.diverged = t.diverged;
    m.trainSeconds = t.trainSeconds;
    m.samples = t.samples;
    m.steps = s.step();
    m.params = s.paramsTotal();
    m.forward = s.model().flopsPerInput(data->train);
    if (!m.diverged.empty()) return m;
    m.test = s.predictProbabilities(Split::Test);
    if (predictOther) m.other = s.predictProbabilities(Split::Validation);
    return m;
  }
};

int argmax(const float* p, int n) { return int(std::max_element(p, p + n) - p); }

Dataset emptyLike(const Dataset& d) { return takeRows(d, {}); }

/** A dense dataset of the members' probabilities side by side, with `labels`. */
Dataset stackedFeatures(const std::vector<Member>& members, bool test, const Dataset& labelsOf) {
  Dataset d;
  d.name = labelsOf.name + " (stacked probabilities)";
  d.kind = DataKind::Dense;
  d.classes = labelsOf.classes;
  d.classNames = labelsOf.classNames;
  d.labels = labelsOf.labels;
  const auto C = std::size_t(labelsOf.classes), rows = labelsOf.labels.size();
  d.features = int(members.size() * C);
  d.x.resize(rows * members.size() * C);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t m = 0; m < members.size(); ++m) {
      const std::vector<float>& p = test ? members[m].test : members[m].other;
      std::copy_n(p.begin() + std::ptrdiff_t(r * C), C,
                  d.x.begin() + std::ptrdiff_t((r * members.size() + m) * C));
    }
  return d;
}

}  // namespace

std::vector<int> resampleRows(int n, const std::vector<double>& weights, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53; };
  std::vector<int> rows(static_cast<std::size_t>(n));
  if (weights.empty()) {
    for (int& r : rows) r = std::min(n - 1, int(uniform() * n));
    return rows;
  }
  std::vector<double> cumulative(weights.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) cumulative[i] = sum += weights[i];
  for (int& r : rows) {
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), uniform() * sum);
    r = std::min(int(weights.size()) - 1, int(it - cumulative.begin()));
  }
  return rows;
}

double sammeAlpha(double error, int classes) {
  const double e = std::clamp(error, 1e-10, 1.0 - 1e-10);
  return std::log((1.0 - e) / e) + std::log(double(std::max(2, classes)) - 1.0);
}

SweepRow trainEnsembleRun(const SweepRun& run, std::shared_ptr<const DataSplits> data, int threads,
                          const std::string& dir, const RunProgress& progress,
                          const std::atomic<bool>& stop) {
  const auto started = Clock::now();
  const Baseline kind = *findBaseline(run.baseline);
  const Dataset& train = data->train;
  const Dataset& test = data->test;
  const int C = train.classes, N = std::max(1, run.members);
  if (C < 2 || train.labels.empty())
    throw ConfigError("the " + run.baseline + " baseline needs a classification task");
  const std::string folder = "runs/" + run.folder;
  std::filesystem::create_directories(dir + "/" + folder);
  {
    nlohmann::json j;
    to_json(j, run.config);
    std::ofstream(dir + "/" + folder + "/config.json") << j.dump(2) << "\n";
  }
  Ensemble ens{run, threads, dir + "/" + folder, progress, stop,
               N + (kind == Baseline::Stacking ? 1 : 0)};
  const std::uint64_t seed = run.config.seed;
  auto memberConfig = [&](int m) {
    TrainConfig c = run.config;
    c.seed = seed * 1000 + std::uint64_t(m);  // distinct initialisations and batch orders
    return c;
  };

  std::vector<Member> members;
  std::vector<double> alphas;
  double extraForward = 0.0;  // forward passes beyond training (boosting, stacking), per sample
  Member meta;
  Dataset metaTest;
  const int n = train.rows();
  const auto& labels = train.labels;
  if (kind == Baseline::Bagging) {
    for (int m = 0; m < N; ++m) {
      members.push_back(ens.train(memberConfig(m), takeRows(train, resampleRows(n, {}, seed * 7919 + m)),
                                  emptyLike(train), test, false));
      if (members.back().stopped) return SweepRow::object();
      if (!members.back().diverged.empty()) break;
    }
  } else if (kind == Baseline::Boosting) {
    std::vector<double> w(std::size_t(n), 1.0 / n);
    for (int m = 0; m < N; ++m) {
      members.push_back(ens.train(memberConfig(m), takeRows(train, resampleRows(n, w, seed * 7919 + m)),
                                  train, test, true));
      Member& b = members.back();
      if (b.stopped) return SweepRow::object();
      if (!b.diverged.empty()) break;
      extraForward += b.forward;  // its predictions on every training row
      double error = 0.0;
      std::vector<char> wrong(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        wrong[std::size_t(i)] = argmax(&b.other[std::size_t(i) * C], C) != labels[std::size_t(i)];
        if (wrong[std::size_t(i)]) error += w[std::size_t(i)];
      }
      // SAMME stops at a member no better than chance (kept when it is the first).
      if (error >= 1.0 - 1.0 / C && !alphas.empty()) {
        members.pop_back();
        break;
      }
      const double alpha = sammeAlpha(error, C);
      alphas.push_back(alpha);
      double sum = 0.0;
      for (int i = 0; i < n; ++i) sum += w[std::size_t(i)] *= wrong[std::size_t(i)] ? std::exp(alpha) : 1.0;
      for (double& x : w) x /= sum;
      if (error <= 0.0) break;  // a perfect member: nothing is left to weight
    }
  } else {  // stacking
    auto [kept, held] = splitDataset(train, kStackingHeldOut, seed, true);
    for (int m = 0; m < N; ++m) {
      members.push_back(ens.train(memberConfig(m), kept, held, test, true));
      if (members.back().stopped) return SweepRow::object();
      if (!members.back().diverged.empty()) break;
      extraForward += members.back().forward * held.rows() / std::max(1, n);
    }
    if (members.back().diverged.empty()) {
      TrainConfig mc = run.config;  // a linear softmax model: logistic regression
      mc.model.expertHidden = 0;
      const Dataset metaTrain = stackedFeatures(members, false, held);
      const long perEpoch = std::max(1L, (long(metaTrain.rows()) + mc.batchSize - 1) / mc.batchSize);
      mc.epochs = int(std::max<long>(kMetaEpochs, (kMetaSteps + perEpoch - 1) / perEpoch));
      metaTest = stackedFeatures(members, true, test);
      meta = ens.train(mc, metaTrain, emptyLike(metaTrain), metaTest, false);
      if (meta.stopped) return SweepRow::object();
    }
  }

  // The combined test probabilities.
  std::string diverged;
  for (const Member& m : members)
    if (!m.diverged.empty()) diverged = m.diverged;
  if (!meta.diverged.empty()) diverged = meta.diverged;
  const int T = test.rows();
  std::vector<double> p(std::size_t(T) * C, 0.0);
  std::vector<int> predicted(std::size_t(T), 0);
  if (diverged.empty()) {
    if (kind == Baseline::Stacking) {
      for (std::size_t i = 0; i < p.size(); ++i) p[i] = meta.test[i];
    } else {
      double total = 0.0;
      for (std::size_t m = 0; m < members.size(); ++m) {
        const double a = kind == Baseline::Boosting ? alphas[m] : 1.0;
        total += a;
        for (std::size_t i = 0; i < p.size(); ++i) p[i] += a * members[m].test[i];
      }
      for (double& x : p) x /= total;
    }
    for (int r = 0; r < T; ++r) {
      int best = 0;
      if (kind == Baseline::Boosting) {  // SAMME: the alpha-weighted vote of the members
        std::vector<double> votes(std::size_t(C), 0.0);
        for (std::size_t m = 0; m < members.size(); ++m)
          votes[std::size_t(argmax(&members[m].test[std::size_t(r) * C], C))] += alphas[m];
        best = int(std::max_element(votes.begin(), votes.end()) - votes.begin());
      } else {
        best = int(std::max_element(p.begin() + std::ptrdiff_t(r) * C,
                                    p.begin() + std::ptrdiff_t(r + 1) * C) -
                   (p.begin() + std::ptrdiff_t(r) * C));
      }
      predicted[std::size_t(r)] = best;
    }
  }
  double correct = 0.0, loss = 0.0;
  for (int r = 0; r < T; ++r) {
    const int y = test.labels[std::size_t(r)];
    correct += predicted[std::size_t(r)] == y;
    loss -= std::log(std::max(1e-12, p[std::size_t(r) * C + std::size_t(y)]));
  }

  double forward = 0.0, trainFlops = 0.0, trainSeconds = 0.0;
  long params = 0, steps = 0, samples = 0;
  for (const Member& m : members) {
    forward += m.forward;
    trainFlops += kTrainFlopsPerForward * m.forward * double(m.samples) /
                  std::max(1.0, double(n) * run.config.epochs);
    params += m.params;
    steps += m.steps;
    samples += m.samples;
    trainSeconds += m.trainSeconds;
  }
  if (kind == Baseline::Stacking) {
    forward += meta.forward;
    trainFlops += kTrainFlopsPerForward * meta.forward * double(meta.samples) /
                  std::max(1.0, double(n) * run.config.epochs);
    params += meta.params;
    steps += meta.steps;
    trainSeconds += meta.trainSeconds;
  }
  trainFlops += extraForward;

  const bool ok = diverged.empty() && T > 0;
  SweepRow row;
  row["run"] = run.id;
  for (auto it = run.columns.begin(); it != run.columns.end(); ++it) row[it.key()] = it.value();
  row["status"] = diverged.empty() ? "done" : "diverged";
  row["test_accuracy"] = ok ? SweepRow(correct / T) : SweepRow(nullptr);
  row["test_loss"] = ok ? SweepRow(loss / T) : SweepRow(nullptr);
  row["params_total"] = params;
  row["params_active_per_input"] = params;
  row["train_flops_per_sample"] = trainFlops;
  row["inference_flops_per_sample"] = forward;
  row["train_seconds"] = trainSeconds;
  row["train_samples_per_s"] = double(samples) / std::max(trainSeconds, 1e-9);
  row["run_seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  for (const char* c : {"load_cv", "max_vio", "dropped_fraction", "dead_experts", "mutual_information"})
    row[c] = nullptr;
  row["steps"] = steps;
  row["epochs"] = run.config.epochs;
  row["threads"] = threads;
  row["history"] = folder + "/member-0.jsonl";
  row["members_used"] = int(members.size());
  if (!diverged.empty()) row["error"] = diverged;
  nlohmann::json stored;
  to_json(stored, run.config);
  row["config"] = SweepRow::parse(stored.dump());
  return row;
}

}  // namespace moe::core
