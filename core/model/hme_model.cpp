#include "core/model/hme_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/routing/routing_stats.h"
#include "core/task/task.h"

namespace moe::core {

namespace {

// Host rows of the tree at a time when evaluating a split (bounds the pass's memory).
constexpr int kChunkRows = 2048;
// The training log-likelihood an evaluation reports is measured on at most this many
// multiply-adds (rows x parameters), so that large data keeps evaluations quick.
constexpr double kLogLikBudget = 4e8;

void copyIn(compute::Backend& backend, const HmeMatrix& m, Parameter& p) {
  std::vector<float> v(std::size_t(m.size()));
  for (Eigen::Index i = 0; i < m.size(); ++i) v[std::size_t(i)] = float(m.data()[i]);
  backend.write(p.value, v);
}

void copyOut(compute::Backend& backend, const Parameter& p, HmeMatrix& m) {
  const std::vector<float> v = compute::toHost(backend, p.value);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = double(v[std::size_t(i)]);
}

Parameter allocParameter(compute::Backend& backend, const std::string& name, Eigen::Index rows,
                         Eigen::Index cols) {
  Parameter p;
  p.name = name;
  p.value = backend.alloc(int(rows), int(cols));
  p.grad = backend.alloc(int(rows), int(cols));
  backend.fill(p.grad, 0.0f);
  return p;
}

HmeShape shapeFor(int features, int outputs, bool regression, const ModelConfig& c,
                  double targetVariance = 0.0) {
  HmeShape s;
  s.depth = c.depth;
  s.branching = c.branching;
  s.inputs = features;
  s.outputs = outputs;
  s.hidden = c.expertHidden;
  s.regression = regression;
  if (targetVariance > 0.0) s.initialVariance = targetVariance / s.leaves();
  return s;
}

// The matrices of a tree (and of its gradients) in the order of the parameters.
std::vector<HmeMatrix*> blocks(HmeMatrix& gates, HmeMatrix& experts, HmeMatrix& experts2) {
  std::vector<HmeMatrix*> out{&gates, &experts};
  if (experts2.size() > 0) out.push_back(&experts2);
  return out;
}

}  // namespace

HmeModel::HmeModel(compute::Backend& backend, int features, int outputs, bool regression,
                   const ModelConfig& config, int trainRows, std::mt19937_64& rng,
                   double targetVariance)
    : mBackend(backend),
      mTree(shapeFor(features, outputs, regression, config, targetVariance), rng),
      mFit(config.fit), mLoss(config.mixtureLoss), mTrainRows(trainRows) {
  mParams.reserve(4);
  mParams.push_back(allocParameter(backend, "hme.gates", mTree.gates.rows(), mTree.gates.cols()));
  mParams.push_back(
      allocParameter(backend, "hme.experts", mTree.experts.rows(), mTree.experts.cols()));
  if (mTree.experts2.size() > 0)
    mParams.push_back(
        allocParameter(backend, "hme.experts2", mTree.experts2.rows(), mTree.experts2.cols()));
  if (regression) mParams.push_back(allocParameter(backend, "hme.log_var", mTree.logVar.size(), 1));
  push();
}

void HmeModel::push() {
  const auto b = blocks(mTree.gates, mTree.experts, mTree.experts2);
  for (std::size_t i = 0; i < b.size(); ++i) copyIn(mBackend, *b[i], mParams[i]);
  if (mTree.logVar.size() > 0) {
    HmeMatrix lv = mTree.logVar;
    copyIn(mBackend, lv, mParams.back());
  }
}

void HmeModel::pull() {
  const auto b = blocks(mTree.gates, mTree.experts, mTree.experts2);
  for (std::size_t i = 0; i < b.size(); ++i) copyOut(mBackend, mParams[i], *b[i]);
  if (mTree.logVar.size() > 0) {
    HmeMatrix lv(mTree.logVar.size(), 1);
    copyOut(mBackend, mParams.back(), lv);
    mTree.logVar = lv.col(0);
  }
}

HmeTargets HmeModel::targetsOf(const Batch& batch) const {
  HmeTargets t;
  if (mTree.shape().regression) {
    t.values.resize(Eigen::Index(batch.targets.size()));
    for (std::size_t i = 0; i < batch.targets.size(); ++i) t.values(Eigen::Index(i)) = batch.targets[i];
  } else {
    t.labels = batch.labels;
  }
  return t;
}

const compute::Tensor& HmeModel::forward(const Batch& batch, bool training, const StepContext&) {
  pull();
  const int d = mTree.shape().inputs;
  const std::vector<float> host = compute::toHost(mBackend, batch.x);
  HmeMatrix x(batch.rows, d);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = double(host[std::size_t(i)]);
  mTree.forward(x, mPass);
  const HmeMatrix y = mTree.output(mPass, mLoss);
  std::vector<float> out(std::size_t(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) out[std::size_t(i)] = float(y.data()[i]);
  mOut = mOutScratch.get(mBackend, batch.rows, int(y.cols()));
  mBackend.write(mOut, out);
  mHaveGrads = false;
  if (training) mTargets = targetsOf(batch);
  return mOut;
}

void HmeModel::replaceLoss(const Batch&, TaskLoss& loss) {
  loss.loss = mTree.loss(mPass, mTargets, mLoss, &mGrads);
  mHaveGrads = true;
}

void HmeModel::backward(const compute::Tensor&) {
  if (!mHaveGrads) mTree.loss(mPass, mTargets, mLoss, &mGrads);
  const auto b = blocks(mGrads.gates, mGrads.experts, mGrads.experts2);
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::vector<float> v(std::size_t(b[i]->size()));
    for (Eigen::Index j = 0; j < b[i]->size(); ++j) v[std::size_t(j)] = float(b[i]->data()[j]);
    mBackend.write(mParams[i].grad, v);
  }
  if (mTree.logVar.size() > 0) {
    std::vector<float> v(std::size_t(mTree.logVar.size()), 0.0f);
    for (Eigen::Index j = 0; j < mGrads.logVar.size(); ++j) v[std::size_t(j)] = float(mGrads.logVar(j));
    mBackend.write(mParams.back().grad, v);
  }
}

void HmeModel::fit(const Batch& batch) {
  HmeMatrix x = mPass.x1.leftCols(mPass.x1.cols() - 1);
  mLastEm = hmeEmStep(mTree, x, targetsOf(batch));
  push();
}

void HmeModel::describeStep(StepMetrics& m) {
  const Eigen::RowVectorXd share = mPass.prior.colwise().mean();
  m.nodeShare.assign(share.data(), share.data() + share.size());
  if (fitsItself()) m.emDataPasses = mLastEm.dataPasses;
}

void HmeModel::runOn(const Dataset& d, int begin, int end, HmePass& pass) const {
  const int f = d.features;
  HmeMatrix x(end - begin, f);
  for (int r = begin; r < end; ++r)
    for (int c = 0; c < f; ++c) x(r - begin, c) = d.x[std::size_t(r) * std::size_t(f) + std::size_t(c)];
  mTree.forward(x, pass);
}

void HmeModel::describeEval(const DataSplits& data, const Dataset& evaluated, EvalReport& report) {
  pull();
  const HmeShape& s = mTree.shape();
  const int L = s.leaves(), rows = evaluated.rows();
  const bool classes = !s.regression && report.classes > 0;
  report.experts = L;
  report.k = 1;
  report.gateProbs.assign(std::size_t(rows) * std::size_t(L), 0.0f);
  report.topExperts.assign(std::size_t(rows), -1);
  std::vector<double> share(std::size_t(s.nodes()), 0.0);
  std::vector<std::int64_t> joint(classes ? std::size_t(report.classes) * std::size_t(L) : 0, 0);
  std::vector<double> load(std::size_t(L), 0.0), importance(std::size_t(L), 0.0);
  double entropy = 0.0;
  HmePass pass;
  for (int begin = 0; begin < rows; begin += kChunkRows) {
    const int end = std::min(rows, begin + kChunkRows);
    runOn(evaluated, begin, end, pass);
    const auto prior = pass.leafPrior();
    for (int r = begin; r < end; ++r) {
      Eigen::Index top = 0;
      prior.row(r - begin).maxCoeff(&top);
      report.topExperts[std::size_t(r)] = int(top);
      load[std::size_t(top)] += 1.0;
      for (int l = 0; l < L; ++l) {
        const double p = prior(r - begin, l);
        report.gateProbs[std::size_t(r) * std::size_t(L) + std::size_t(l)] = float(p);
        importance[std::size_t(l)] += p;
        if (p > 0.0) entropy -= p * std::log(p);
      }
      if (classes && std::size_t(r) < evaluated.labels.size())
        ++joint[std::size_t(evaluated.labels[std::size_t(r)]) * std::size_t(L) + std::size_t(top)];
    }
    for (int n = 0; n < s.nodes(); ++n) share[std::size_t(n)] += pass.prior.col(n).sum();
  }
  const double inv = 1.0 / std::max(1, rows);
  report.nodeShare.resize(share.size());
  for (std::size_t n = 0; n < share.size(); ++n) report.nodeShare[n] = float(share[n] * inv);
  RoutingStats& routing = report.routing;
  routing.load.resize(std::size_t(L));
  routing.importance.resize(std::size_t(L));
  routing.deadExperts = 0;
  for (int l = 0; l < L; ++l) {
    routing.load[std::size_t(l)] = float(load[std::size_t(l)] * inv);
    routing.importance[std::size_t(l)] = float(importance[std::size_t(l)] * inv);
    if (load[std::size_t(l)] == 0.0) ++routing.deadExperts;
  }
  routing.entropy = entropy * inv;
  if (classes) {
    report.classExpert = joint;
    report.mutualInformation = mutualInformation(joint, report.classes, L);
  }
  // The training log-likelihood, on the rows the session trains on (a sample of them when large).
  const Dataset& train = data.train;
  const double perRow = double(paramsActivePerInput());
  const int trainRows = std::min(train.rows(), mTrainRows > 0 ? mTrainRows : train.rows());
  const int used = std::min(trainRows, std::max(1000, int(kLogLikBudget / std::max(1.0, perRow))));
  const bool haveTargets = s.regression ? train.targets.size() >= std::size_t(used)
                                        : train.labels.size() >= std::size_t(used);
  if (used <= 0 || !haveTargets) return;
  double sum = 0.0;
  for (int begin = 0; begin < used; begin += kChunkRows) {
    const int end = std::min(used, begin + kChunkRows);
    runOn(train, begin, end, pass);
    HmeTargets t;
    if (s.regression) {
      t.values.resize(end - begin);
      for (int r = begin; r < end; ++r) t.values(r - begin) = train.targets[std::size_t(r)];
    } else {
      t.labels.assign(train.labels.begin() + begin, train.labels.begin() + end);
    }
    sum += mTree.logLik(pass, t).sum();
  }
  report.trainLogLikelihood = sum / used;
}

std::vector<Parameter*> HmeModel::parameters() {
  std::vector<Parameter*> out;
  for (Parameter& p : mParams) out.push_back(&p);
  return out;
}

long HmeModel::paramsActivePerInput() const {
  return long(mTree.gates.size() + mTree.experts.size() + mTree.experts2.size() +
              mTree.logVar.size());
}

double HmeModel::flopsPerInput(const Dataset&) const {
  return 2.0 * double(paramsActivePerInput());
}

std::string HmeModel::describe() const {
  const HmeShape& s = mTree.shape();
  std::ostringstream o;
  o << "HME: " << s.depth << " level" << (s.depth > 1 ? "s" : "") << " of gates, branching "
    << s.branching << ", " << s.leaves() << " "
    << (s.hidden > 0 ? "MLP" : s.regression ? "linear" : "logistic") << " experts"
    << (s.hidden > 0 ? " (hidden " + std::to_string(s.hidden) + ")" : std::string()) << ", "
    << s.inputs << " -> " << s.outputs << ", fit " << fitMethodName(mFit) << ", "
    << mixtureLossName(mLoss) << " loss";
  return o.str();
}

Inspection HmeModel::inspect(const Batch& one) {
  forward(one, false, StepContext{});
  const HmeShape& s = mTree.shape();
  const int L = s.leaves(), O = s.outputs;
  Inspection in;
  in.experts = L;
  in.classes = s.regression ? 0 : O;
  const auto prior = mPass.leafPrior();
  in.gateProbs.resize(std::size_t(L));
  for (int l = 0; l < L; ++l) in.gateProbs[std::size_t(l)] = float(prior(0, l));
  std::vector<int> order(static_cast<std::size_t>(L));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return prior(0, a) > prior(0, b); });
  const HmeMatrix y = mTree.output(mPass, mLoss);
  for (int l : order) {
    in.chosen.push_back(l);
    in.chosenGates.push_back(float(prior(0, l)));
    const HmeMatrix o = s.regression ? HmeMatrix(mPass.out.block(0, l, 1, 1))
                                     : rowSoftmax(mPass.out.block(0, l * O, 1, O));
    in.expertPredictions.emplace_back(o.data(), o.data() + o.size());
  }
  if (s.regression) {
    in.regression = true;
    in.predictedRating = float(y(0, 0));
  } else {
    const HmeMatrix p = rowSoftmax(y);
    in.prediction.assign(p.data(), p.data() + p.size());
    Eigen::Index best = 0;
    p.row(0).maxCoeff(&best);
    in.predicted = int(best);
  }
  in.note = "HME: the gates form a tree; an expert's gate is the product of the gates on its "
            "path (all experts contribute)";
  return in;
}

std::unique_ptr<Model> createHmeModel(const TrainConfig& config, const Dataset& train,
                                      compute::Backend& backend) {
  config.validate();
  if (train.kind != DataKind::Dense)
    throw ConfigError("model 'hme' needs dense features (images or points)");
  const bool regression = train.classes == 0 && !train.targets.empty();
  if (!regression && train.classes < 2)
    throw ConfigError("dataset '" + train.name + "' has fewer than 2 classes");
  const int outputs = regression ? 1 : train.classes;
  if (config.model.fit == FitMethod::Em) {
    HmeShape s = shapeFor(train.features, outputs, regression, config.model);
    if (const std::string why = hmeEmRefusal(s); !why.empty()) throw ConfigError(why);
  }
  std::mt19937_64 rng(config.seed);
  const int trainRows = config.maxTrain > 0 ? std::min(config.maxTrain, train.rows()) : train.rows();
  double variance = 0.0;
  if (regression) {
    const std::size_t n = std::min(train.targets.size(), std::size_t(trainRows));
    double mean = 0.0, sq = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean += train.targets[i];
    mean /= double(std::max<std::size_t>(1, n));
    for (std::size_t i = 0; i < n; ++i) sq += (train.targets[i] - mean) * (train.targets[i] - mean);
    variance = sq / double(std::max<std::size_t>(1, n));
  }
  return std::make_unique<HmeModel>(backend, train.features, outputs, regression, config.model,
                                    trainRows, rng, variance);
}

}  // namespace moe::core
