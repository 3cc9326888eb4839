// Expert-parallel training on MPI against one process (issue 15): run with 2 (or more) ranks
// by run_mpi_test.sh. Every rank trains the same configuration twice, once expert-parallel
// over the ranks and once alone, and compares, step by step, the losses (to 1e-7), the drops,
// the data-parallel gradients (router gate, stem, head: bit for bit, the one-process GEMM
// order; summing per-rank partial products, as before, differs in the last bits and parts the
// runs after a hundred-odd steps), the all-to-all bytes the run reports against the bytes its
// dispatch plans imply, and the other collectives' bytes against what the shapes imply; then
// every weight (bit for bit) and the test accuracy. Exit 0: passed; 1: failed; 77: skipped.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/data/idx.h"
#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/parallel/communicator.h"
#include "core/parallel/expert_parallel.h"
#include "core/train/session.h"

using namespace moe;
using namespace moe::core;

namespace {

constexpr int kSkipped = 77;
constexpr int kSteps = 16;  // two epochs of 512 images
int gFailures = 0;
int gRank = 0;

void check(bool ok, const std::string& what) {
  if (ok) return;
  ++gFailures;
  std::fprintf(stderr, "rank %d: FAIL: %s\n", gRank, what.c_str());
}

double relative(double a, double b) {
  return std::abs(a - b) / std::max(1e-12, std::max(std::abs(a), std::abs(b)));
}

/** The bytes a step's all-to-alls must move, from the whole batch's plan alone: each slot's
 *  row goes to its expert's rank and its output comes back (forward), its output gradient goes
 *  there and, when the layer's input needs one, its input gradient comes back (backward). */
std::vector<double> planBytes(const DispatchPlan& p, int ranks, int in, int out, bool inputGrad) {
  std::vector<int> starts(std::size_t(ranks) + 1, 0);
  for (int q = 0; q < ranks; ++q)
    starts[std::size_t(q) + 1] = starts[std::size_t(q)] + p.rows / ranks + (q < p.rows % ranks);
  const int perRank = p.experts / ranks;
  std::vector<double> bytes(std::size_t(ranks) * std::size_t(ranks), 0.0);
  for (int e = 0; e < p.experts; ++e)
    for (int s = p.offsets[std::size_t(e)]; s < p.offsets[std::size_t(e) + 1]; ++s) {
      const int row = p.slotRow[std::size_t(s)];
      const int src = int(std::upper_bound(starts.begin(), starts.end(), row) - starts.begin()) - 1;
      const int dst = e / perRank;
      bytes[std::size_t(src * ranks + dst)] += 4.0 * (in + out);
      bytes[std::size_t(dst * ranks + src)] += 4.0 * (out + (inputGrad ? in : 0));
    }
  return bytes;
}

/** Bytes rank src sends rank dst (src != dst) in a step's other collectives: its rows of the
 *  logits, of the gate gradients (one float a link) and of the gathered layer inputs and
 *  output gradients (`gathered` floats a row), and the two loss sums (gather to rank 0, then
 *  broadcast). */
double syncBytes(const DispatchPlan& p, int ranks, int src, int dst, int gathered) {
  std::vector<int> starts(std::size_t(ranks) + 1, 0);
  for (int q = 0; q < ranks; ++q)
    starts[std::size_t(q) + 1] = starts[std::size_t(q)] + p.rows / ranks + (q < p.rows % ranks);
  const int rows = starts[std::size_t(src) + 1] - starts[std::size_t(src)];
  const int links = p.rowPtr[std::size_t(starts[std::size_t(src) + 1])] -
                    p.rowPtr[std::size_t(starts[std::size_t(src)])];
  const bool sum = src == 0 || dst == 0;
  return 4.0 * rows * (p.experts + gathered) + 4.0 * links + (sum ? 16.0 : 0.0);
}

/** Parameters outside the expert bank: their gradients must be the one process's bits. */
std::vector<Parameter*> dataParallel(Model& m) {
  const auto bank = m.moe()->experts().parameters();
  std::vector<Parameter*> out;
  for (Parameter* p : m.parameters())
    if (std::find(bank.begin(), bank.end(), p) == bank.end()) out.push_back(p);
  return out;
}

/** Elements of a and b that differ in any bit, and their largest relative difference. */
std::pair<long, double> compare(Parameter& a, Parameter& b, bool grad) {
  const compute::Tensor& ta = grad ? a.grad : a.value;
  const compute::Tensor& tb = grad ? b.grad : b.value;
  const auto ha = compute::toHost(*ta.backend(), ta), hb = compute::toHost(*tb.backend(), tb);
  long differ = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < ha.size(); ++i)
    if (std::memcmp(&ha[i], &hb[i], sizeof(float)) != 0) {
      ++differ;
      worst = std::max(worst, relative(ha[i], hb[i]));
    }
  return {differ, worst};
}

struct Case {
  const char* name;
  const char* router;
  ModelKind model;
  double capacityFactor;
};

void runCase(Communicator& comm, const Case& c, std::shared_ptr<const DataSplits> data) {
  TrainConfig config;
  config.model.kind = c.model;
  config.model.router = c.router;
  config.model.experts = 4;
  config.model.topK = 2;
  config.model.expertHidden = 32;
  config.model.stemWidth = 32;
  config.model.capacityFactor = c.capacityFactor;
  config.batchSize = 64;
  config.threads = 1;
  config.seed = 3;
  Session alone(config, data, std::make_unique<compute::CpuBackend>(1));
  Session ranks(config, data, std::make_unique<compute::CpuBackend>(1));
  ranks.enableExpertParallel(comm);
  MoeLayer& moe = *ranks.model().moe();
  const int R = comm.size();
  const auto mineP = dataParallel(alone.model()), theirsP = dataParallel(ranks.model());
  const bool stem = c.model == ModelKind::StemMoe;
  // Floats a row the data-parallel layers gather: the gate's input; with a stem and a head,
  // also the stem's input and output gradient and the head's input and output gradient.
  const int gathered = moe.inputs() + (stem ? 784 + 2 * config.model.stemWidth + 10 : 0);
  double worstLoss = 0.0, drops = 0.0;
  long gradBitsOff = 0;
  for (int step = 0; step < kSteps; ++step) {
    const StepMetrics a = alone.trainStep(), b = ranks.trainStep();
    const std::string at = std::string(c.name) + ": step " + std::to_string(step + 1);
    worstLoss = std::max(worstLoss, relative(a.loss, b.loss));
    drops += b.routing.droppedFraction;
    check(relative(a.loss, b.loss) < 1e-7, at + " loss " + std::to_string(a.loss) +
                                               " alone, " + std::to_string(b.loss) +
                                               " on the ranks");
    check(a.routing.droppedFraction == b.routing.droppedFraction, at + ": the drops differ");
    for (std::size_t i = 0; i < mineP.size(); ++i) {
      const auto [differ, worst] = compare(*mineP[i], *theirsP[i], true);
      gradBitsOff += differ;
      check(differ == 0, at + ": " + std::to_string(differ) + " elements of " +
                             mineP[i]->name + "'s gradient differ from one process's (up to " +
                             std::to_string(worst) + " relative)");
    }
    const auto expected = planBytes(moe.plan(), R, moe.inputs(), moe.outputs(), stem);
    check(b.exchangeBytes.size() == expected.size(), std::string(c.name) + ": traffic matrix size");
    for (std::size_t i = 0; i < std::min(expected.size(), b.exchangeBytes.size()); ++i)
      check(double(b.exchangeBytes[i]) == expected[i],
            std::string(c.name) + ": all-to-all bytes " + std::to_string(i / R) + " -> " +
                std::to_string(i % R) + " reported " + std::to_string(b.exchangeBytes[i]) +
                ", the plan implies " + std::to_string(expected[i]));
    check(b.syncBytes.size() == expected.size(), std::string(c.name) + ": sync matrix size");
    for (std::size_t i = 0; i < std::min(expected.size(), b.syncBytes.size()); ++i) {
      const int src = int(i) / R, dst = int(i) % R;
      const double want = src == dst ? 0.0 : syncBytes(moe.plan(), R, src, dst, gathered);
      check(double(b.syncBytes[i]) == want,
            at + ": other collectives' bytes " + std::to_string(src) + " -> " +
                std::to_string(dst) + " reported " + std::to_string(b.syncBytes[i]) +
                ", the shapes imply " + std::to_string(want));
    }
    check(int(b.expertRank.size()) == config.model.experts, "placement size");
    for (std::size_t e = 0; e < b.expertRank.size(); ++e)
      check(int(b.expertRank[e]) == int(e) / (config.model.experts / R), "placement");
  }
  const auto ea = alone.evaluate(), eb = ranks.evaluate();  // syncs the experts to every rank
  long weightBitsOff = 0;
  const auto all = alone.model().parameters(), allR = ranks.model().parameters();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto [differ, worst] = compare(*all[i], *allR[i], false);
    weightBitsOff += differ;
    check(differ == 0, std::string(c.name) + ": after " + std::to_string(kSteps) + " steps " +
                           std::to_string(differ) + " weights of " + all[i]->name +
                           " differ from one process's (up to " + std::to_string(worst) +
                           " relative)");
  }
  check(std::abs(ea->quality - eb->quality) <= 1e-3,
        std::string(c.name) + ": test accuracy " + std::to_string(ea->quality) + " alone, " +
            std::to_string(eb->quality) + " on the ranks");
  if (comm.rank() == 0)
    std::printf("%-22s ranks %d  %d steps  max loss rel diff %.2e  gradient / weight elements "
                "off %ld / %ld  test accuracy %.4f vs %.4f  mean dropped %.3f\n",
                c.name, R, kSteps, worstLoss, gradBitsOff, weightBitsOff, ea->quality,
                eb->quality, drops / kSteps);
}

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<Communicator> comm;
  try {
    comm = openMpi(&argc, &argv);
  } catch (const ParallelError& e) {
    std::printf("SKIPPED: %s\n", e.what());
    return kSkipped;
  }
  gRank = comm->rank();
  const std::string dir = kFashionMnistDir;
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz") &&
      !std::filesystem::exists(dir + "/train-images-idx3-ubyte")) {
    if (gRank == 0) std::printf("SKIPPED: install Debian's dataset-fashion-mnist\n");
    return kSkipped;
  }
  DataOptions opt;
  opt.maxTrain = 512;
  opt.validationFraction = 0.0;
  auto data = std::make_shared<DataSplits>(loadDataset("fashion-mnist", opt));
  data->test = subset(data->test, 500, 2);
  const Case cases[] = {
      {"topk (reference)", "topk", ModelKind::MoeClassifier, 1.25},
      {"switch, drops", "switch", ModelKind::MoeClassifier, 0.5},
      {"expert-choice", "expert-choice", ModelKind::MoeClassifier, 1.0},
      {"stem-moe, switch", "switch", ModelKind::StemMoe, 1.0},
  };
  try {
    for (const Case& c : cases) runCase(*comm, c, data);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: FAIL: %s\n", gRank, e.what());
    comm->abort(1);
  }
  double failed = gFailures;
  comm->sum(std::span<double>(&failed, 1));
  if (gRank == 0) std::printf(failed == 0 ? "PASSED\n" : "FAILED\n");
  return failed == 0 ? 0 : 1;
}
