#include "core/parallel/expert_parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/model/classifiers.h"
#include "core/optim/optimizer.h"

namespace moe::core {

using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

MoeLayer& checkedMoe(Model& model) {
  const bool classifier =
      dynamic_cast<MoeClassifier*>(&model) || dynamic_cast<StemMoeClassifier*>(&model);
  if (!classifier || !model.moe() || model.moeLayers().size() != 1)
    throw ParallelError(
        "expert parallelism trains the image and feature classifiers with one MoE layer (models "
        "moe and stem-moe); this model is " + model.describe());
  return *model.moe();
}

}  // namespace

ExpertParallel::ExpertParallel(Communicator& comm, Model& model, const TrainConfig& config,
                               compute::Backend& backend)
    : mComm(comm),
      mBackend(backend),
      mMoe(checkedMoe(model)),
      mExperts(config.model.routedExperts()) {
  const std::string router = config.model.router;
  // These read the gate's input, which only the row's own rank has.
  for (const char* reads : {"noisy-topk", "hash", "soft-moe"})
    if (router == reads)
      throw ParallelError("expert parallelism routes from the gathered logits, and the '" +
                          router +
                          "' router reads the gate's input as well; pick one of topk, switch, "
                          "expert-choice, sinkhorn, base or dense");
  if (config.optim.clipNorm > 0.0)
    throw ParallelError("expert parallelism does not clip gradients yet (the norm would need the "
                        "experts of every rank): set clip_norm to 0");
  mExchange = std::make_unique<ExpertExchange>(backend, comm, mExperts, mMoe.inputs(),
                                               mMoe.outputs());
  mShard.gather = [this](std::vector<float>& logits) {
    const auto t0 = Clock::now();
    std::vector<int> counts(std::size_t(mComm.size()));
    for (std::size_t q = 0; q < counts.size(); ++q)
      counts[q] = (mRowStarts[q + 1] - mRowStarts[q]) * mExperts;
    std::vector<float> all(std::size_t(mRowStarts.back()) * std::size_t(mExperts));
    countGather(4.0 * double(logits.size()));
    mComm.allgatherv(logits, all, counts);
    logits.swap(all);
    mSyncSeconds += since(t0);
  };
  mShard.inputs = this;
  mMoe.setExchange(mExchange.get());
  mMoe.router().setShard(&mShard);
  // The layers whose weight gradients come whole from gathered rows; the rest outside the
  // expert bank (shared experts) are summed over the ranks.
  mGathered.push_back(&mMoe.router().gate());
  if (auto* stem = dynamic_cast<StemMoeClassifier*>(&model))
    for (Linear* l : stem->denseLayers()) {
      l->setGather(this);
      mGathered.push_back(l);
    }
  std::vector<Parameter*> whole = mMoe.experts().parameters();
  for (Linear* l : mGathered) {
    whole.push_back(&l->weight());
    whole.push_back(&l->bias());
  }
  for (Parameter* p : model.parameters())
    if (std::find(whole.begin(), whole.end(), p) == whole.end()) mReplicated.push_back(p);
  const std::size_t R = std::size_t(comm.size());
  mBytesSum.assign(R * R, 0.0);
  mSyncBytesSum.assign(R * R, 0.0);
  mSyncBytes.assign(R, 0.0);
}

ExpertParallel::~ExpertParallel() {
  mMoe.setExchange(nullptr);
  mMoe.router().setShard(nullptr);
  for (Linear* l : mGathered) l->setGather(nullptr);
}

void ExpertParallel::countGather(double bytes) {
  for (int q = 0; q < ranks(); ++q)
    if (q != rank()) mSyncBytes[std::size_t(q)] += bytes;
}

compute::Tensor ExpertParallel::gather(const compute::Tensor& mine, Scratch& into) {
  if (!mInStep) return mine;
  const auto t0 = Clock::now();
  const int R = ranks(), cols = mine.cols();
  std::vector<int> counts(static_cast<std::size_t>(R));
  for (std::size_t q = 0; q < counts.size(); ++q)
    counts[q] = (mRowStarts[q + 1] - mRowStarts[q]) * cols;
  const std::vector<float> host = compute::toHost(mBackend, mine);
  std::vector<float> all(std::size_t(mRowStarts.back()) * std::size_t(cols));
  countGather(4.0 * double(host.size()));
  mComm.allgatherv(host, all, counts);
  compute::Tensor t = into.get(mBackend, mRowStarts.back(), cols);
  mBackend.write(t, std::span<const float>(all));
  mSyncSeconds += since(t0);
  return t;
}

std::pair<int, int> ExpertParallel::beginStep(int rows) {
  const int R = mComm.size();
  if (rows < R)
    throw ParallelError("a batch of " + std::to_string(rows) + " rows cannot be shared by " +
                        std::to_string(R) + " ranks: raise the batch size (or --max-train)");
  mStepStart = Clock::now();
  mSyncSeconds = 0.0;
  // Contiguous shards, the first rows % R ranks one row larger.
  mRowStarts.assign(std::size_t(R) + 1, 0);
  for (int q = 0; q < R; ++q)
    mRowStarts[std::size_t(q) + 1] = mRowStarts[std::size_t(q)] + rows / R + (q < rows % R);
  mExchange->setShard(mRowStarts);
  mExchange->counters() = ExchangeCounters{std::vector<double>(std::size_t(R), 0.0), 0.0, 0.0,
                                           std::vector<double>(std::size_t(R), 0.0)};
  mSyncBytes.assign(std::size_t(R), 0.0);
  mInStep = true;
  mShard.first = mRowStarts[std::size_t(rank())];
  mShard.rows = rows;
  return {mRowStarts[std::size_t(rank())], mRowStarts[std::size_t(rank()) + 1]};
}

void ExpertParallel::globalLoss(TaskLoss& loss, const Batch& batch, const compute::Tensor& out) {
  const int me = rank(), rows = mRowStarts.back();
  const int mine = mRowStarts[std::size_t(me) + 1] - mRowStarts[std::size_t(me)];
  // The task's gradient is d(mean over this shard)/d out. Scaling it by the shard's share
  // would round twice; the row-wise cross-entropy gradient with the batch's 1 / rows is the
  // one-process gradient of these rows, bit for bit.
  compute::Tensor labels = mLabelsS.get(mBackend, mine, 1, compute::DType::I32);
  mBackend.write(labels, std::span<const std::int32_t>(batch.labels));
  mBackend.crossEntropy(out, labels, 1.0f / float(rows), loss.gradient);
  const auto t0 = Clock::now();
  double sums[2] = {loss.loss * mine, loss.metric * mine};
  countSum(2);
  mComm.sum(sums);
  mSyncSeconds += since(t0);
  loss.loss = sums[0] / rows;
  loss.metric = sums[1] / rows;
}

Batch ExpertParallel::routingBatch(const Dataset& train,
                                   std::span<const std::int32_t> indices) const {
  Batch b;
  b.rows = int(indices.size());
  b.indices.assign(indices.begin(), indices.end());
  b.source = &train;
  if (!train.labels.empty())
    for (std::int32_t i : indices) b.labels.push_back(train.labels[std::size_t(i)]);
  return b;
}

void ExpertParallel::reduceGradients() {
  mInStep = false;
  if (mReplicated.empty()) return;  // the same on every rank: no rank waits in sum()
  const auto t0 = Clock::now();
  std::vector<double> all;
  std::vector<std::vector<float>> grads;
  for (Parameter* p : mReplicated) {
    grads.push_back(compute::toHost(mBackend, p->grad));
    all.insert(all.end(), grads.back().begin(), grads.back().end());
  }
  countSum(all.size());
  mComm.sum(all);
  std::size_t at = 0;
  for (std::size_t i = 0; i < mReplicated.size(); ++i) {
    for (float& g : grads[i]) g = float(all[at++]);
    mBackend.write(mReplicated[i]->grad, std::span<const float>(grads[i]));
  }
  mSyncSeconds += since(t0);
}

void ExpertParallel::countSum(std::size_t doubles) {
  // Communicator::sum gathers to rank 0 and broadcasts: what each message carries.
  const double bytes = 8.0 * double(doubles);
  if (rank() != 0)
    mSyncBytes[0] += bytes;
  else
    countGather(bytes);
}

void ExpertParallel::ownerNorms(StepMetrics& m) {
  if (m.expertGradNorm.size() != std::size_t(mExperts)) return;
  const int R = ranks(), per = mExperts / R, me = rank();
  std::vector<double> mine(2 * std::size_t(per)), all(std::size_t(2 * mExperts));
  for (int e = 0; e < per; ++e) {
    mine[std::size_t(e)] = m.expertGradNorm[std::size_t(me * per + e)];
    mine[std::size_t(per + e)] = m.expertWeightNorm[std::size_t(me * per + e)];
  }
  std::vector<int> counts(std::size_t(R), 2 * per);
  mComm.allgatherv(mine, all, counts);
  for (int e = 0; e < mExperts; ++e) {
    const std::size_t base = std::size_t(e / per) * 2 * std::size_t(per);
    m.expertGradNorm[std::size_t(e)] = float(all[base + std::size_t(e % per)]);
    m.expertWeightNorm[std::size_t(e)] = float(all[base + std::size_t(per + e % per)]);
  }
}

void ExpertParallel::finishStep(StepMetrics& m) {
  const int R = ranks();
  const ExchangeCounters& c = mExchange->counters();
  const double step = since(mStepStart);
  // Every rank's rows of the two traffic matrices and its three times, gathered on every rank.
  const std::size_t width = 2 * std::size_t(R) + 3;
  std::vector<double> mine(c.bytesTo), all(std::size_t(R) * width);
  for (int d = 0; d < R; ++d)
    mine.push_back(mSyncBytes[std::size_t(d)] + c.syncBytesTo[std::size_t(d)]);
  const double sync = c.syncSeconds + mSyncSeconds;
  mine.push_back(c.seconds);
  mine.push_back(sync);
  mine.push_back(std::max(0.0, step - c.seconds - sync));
  std::vector<int> counts(static_cast<std::size_t>(R), static_cast<int>(width));
  mComm.allgatherv(mine, all, counts);
  m.exchangeBytes.assign(std::size_t(R) * std::size_t(R), 0.0f);
  m.syncBytes.assign(std::size_t(R) * std::size_t(R), 0.0f);
  double a2a = 0.0, other = 0.0, compute = 0.0;
  for (int q = 0; q < R; ++q) {
    const double* row = all.data() + std::size_t(q) * width;
    for (int d = 0; d < R; ++d) {
      const std::size_t at = std::size_t(q * R + d);
      m.exchangeBytes[at] = float(row[d]);
      m.syncBytes[at] = float(row[R + d]);
      mBytesSum[at] += row[d];
      mSyncBytesSum[at] += row[R + d];
    }
    a2a += row[2 * R] / R;
    other += row[2 * R + 1] / R;
    compute += row[2 * R + 2] / R;
  }
  m.exchangeSeconds = a2a;
  m.syncSeconds = other;
  m.computeSeconds = compute;
  m.expertRank.resize(std::size_t(mExperts));
  for (int e = 0; e < mExperts; ++e) m.expertRank[std::size_t(e)] = float(mExchange->ownerOf(e));
  ++mSteps;
  mA2aSum += a2a;
  mSyncSum += other;
  mComputeSum += compute;
}

void ExpertParallel::syncBlocks(compute::Tensor& t) {
  // A stacked expert tensor holds expert e's rows at e * (rows / E): rank q's experts are the
  // q-th of R equal, contiguous blocks.
  const int R = ranks();
  std::vector<float> host = compute::toHost(mBackend, t);
  const std::size_t block = host.size() / std::size_t(R);
  std::vector<float> mine(host.begin() + std::ptrdiff_t(block * std::size_t(rank())),
                          host.begin() + std::ptrdiff_t(block * std::size_t(rank() + 1)));
  const std::vector<int> counts(static_cast<std::size_t>(R), static_cast<int>(block));
  mComm.allgatherv(mine, host, counts);
  mBackend.write(t, std::span<const float>(host));
}

void ExpertParallel::syncExperts(Optimizer* optimizer) {
  const auto bank = mMoe.experts().parameters();
  for (Parameter* p : bank) syncBlocks(p->value);
  if (!optimizer) return;
  for (auto& [name, tensor] : optimizer->state())
    for (Parameter* p : bank)
      if (name == p->name + ".m" || name == p->name + ".v") syncBlocks(*tensor);
}

nlohmann::json ExpertParallel::summary() const {
  const int R = ranks();
  auto perStep = [&](const std::vector<double>& sum) {
    nlohmann::json bytes = nlohmann::json::array();
    for (int q = 0; q < R; ++q) {
      nlohmann::json row = nlohmann::json::array();
      for (int d = 0; d < R; ++d)
        row.push_back(mSteps ? sum[std::size_t(q * R + d)] / double(mSteps) : 0.0);
      bytes.push_back(row);
    }
    return bytes;
  };
  const double steps = double(std::max(1L, mSteps));
  return {{"mode", "expert"},
          {"ranks", R},
          {"experts_per_rank", mExperts / R},
          {"library", mComm.library()},
          {"steps", mSteps},
          {"a2a_bytes_per_step", perStep(mBytesSum)},
          {"sync_bytes_per_step", perStep(mSyncBytesSum)},
          {"a2a_seconds_per_step", mA2aSum / steps},
          {"sync_seconds_per_step", mSyncSum / steps},
          {"compute_seconds_per_step", mComputeSum / steps}};
}

}  // namespace moe::core
