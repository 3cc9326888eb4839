// Expert-parallel training on MPI against one process (issue 15): run with 2 (or more) ranks
// by run_mpi_test.sh. Every rank trains the same configuration twice, once expert-parallel
// over the ranks and once alone, and compares, step by step, the losses, the drops and the
// all-to-all bytes the run reports against the bytes its dispatch plans imply, then the test
// accuracy. Exit 0: passed; 1: failed; 77: skipped (no MPI in this build, or no data).
#include <algorithm>
#include <cmath>
#include <cstdio>
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
  double worstLoss = 0.0, drops = 0.0;
  for (int step = 0; step < 8; ++step) {
    const StepMetrics a = alone.trainStep(), b = ranks.trainStep();
    worstLoss = std::max(worstLoss, relative(a.loss, b.loss));
    drops += b.routing.droppedFraction;
    check(relative(a.loss, b.loss) < 1e-4, std::string(c.name) + ": step " +
                                               std::to_string(step + 1) + " loss " +
                                               std::to_string(a.loss) + " alone, " +
                                               std::to_string(b.loss) + " on the ranks");
    check(a.routing.droppedFraction == b.routing.droppedFraction,
          std::string(c.name) + ": the drops differ at step " + std::to_string(step + 1));
    const auto expected = planBytes(moe.plan(), R, moe.inputs(), moe.outputs(),
                                    c.model == ModelKind::StemMoe);
    check(b.exchangeBytes.size() == expected.size(), std::string(c.name) + ": traffic matrix size");
    for (std::size_t i = 0; i < std::min(expected.size(), b.exchangeBytes.size()); ++i)
      check(double(b.exchangeBytes[i]) == expected[i],
            std::string(c.name) + ": all-to-all bytes " + std::to_string(i / R) + " -> " +
                std::to_string(i % R) + " reported " + std::to_string(b.exchangeBytes[i]) +
                ", the plan implies " + std::to_string(expected[i]));
    check(int(b.expertRank.size()) == config.model.experts, "placement size");
    for (std::size_t e = 0; e < b.expertRank.size(); ++e)
      check(int(b.expertRank[e]) == int(e) / (config.model.experts / R), "placement");
  }
  const auto ea = alone.evaluate(), eb = ranks.evaluate();
  check(std::abs(ea->quality - eb->quality) <= 1e-3,
        std::string(c.name) + ": test accuracy " + std::to_string(ea->quality) + " alone, " +
            std::to_string(eb->quality) + " on the ranks");
  if (comm.rank() == 0)
    std::printf("%-22s ranks %d  max loss rel diff %.2e  test accuracy %.4f vs %.4f  mean "
                "dropped %.3f\n",
                c.name, R, worstLoss, ea->quality, eb->quality, drops / 8.0);
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
