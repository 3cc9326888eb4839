// Open MPI's implementation of Communicator; compiled only when CMake finds MPI (the other
// build compiles no_mpi.cpp instead).
#include <mpi.h>

#include <numeric>
#include <string>
#include <vector>

#include "core/parallel/communicator.h"

namespace moe::core {

namespace {

std::vector<int> displacements(std::span<const int> counts) {
  std::vector<int> d(counts.size(), 0);
  for (std::size_t i = 1; i < counts.size(); ++i) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw ParallelError(std::string(what) + " failed: " + std::string(text, std::size_t(length)));
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(int* argc, char*** argv) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) check(MPI_Init(argc, argv), "MPI_Init");
    mOwnsInit = !initialised;
    // Errors come back as codes (then ParallelError), not as an abort without a message.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &mRank);
    MPI_Comm_size(MPI_COMM_WORLD, &mSize);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    mLibrary.assign(version, std::size_t(length));
    if (const auto cut = mLibrary.find(','); cut != std::string::npos) mLibrary.resize(cut);
  }
  ~MpiCommunicator() override {
    if (mOwnsInit) MPI_Finalize();
  }
  int rank() const override { return mRank; }
  int size() const override { return mSize; }
  void allgatherv(std::span<const float> mine, std::span<float> all,
                  std::span<const int> counts) override {
    const auto d = displacements(counts);
    check(MPI_Allgatherv(mine.data(), int(mine.size()), MPI_FLOAT, all.data(), counts.data(),
                         d.data(), MPI_FLOAT, MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }
  void allgatherv(std::span<const double> mine, std::span<double> all,
                  std::span<const int> counts) override {
    const auto d = displacements(counts);
    check(MPI_Allgatherv(mine.data(), int(mine.size()), MPI_DOUBLE, all.data(), counts.data(),
                         d.data(), MPI_DOUBLE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }
  void alltoallv(std::span<const float> send, std::span<const int> sendCounts,
                 std::span<float> recv, std::span<const int> recvCounts) override {
    const auto sd = displacements(sendCounts), rd = displacements(recvCounts);
    check(MPI_Alltoallv(send.data(), sendCounts.data(), sd.data(), MPI_FLOAT, recv.data(),
                        recvCounts.data(), rd.data(), MPI_FLOAT, MPI_COMM_WORLD),
          "MPI_Alltoallv");
  }
  void sum(std::span<double> data) override {
    // Gather to rank 0, add in rank order, broadcast: the same bits on every rank and for
    // every run, which MPI_Allreduce does not promise.
    const int n = int(data.size());
    std::vector<double> all(mRank == 0 ? std::size_t(n) * std::size_t(mSize) : 0);
    check(MPI_Gather(data.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    if (mRank == 0)
      for (int i = 0; i < n; ++i) {
        double s = 0.0;
        for (int r = 0; r < mSize; ++r) s += all[std::size_t(r) * std::size_t(n) + std::size_t(i)];
        data[std::size_t(i)] = s;
      }
    check(MPI_Bcast(data.data(), n, MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
  const char* library() const override { return mLibrary.c_str(); }
  void abort(int code) override { MPI_Abort(MPI_COMM_WORLD, code); }

 private:
  int mRank = 0, mSize = 1;
  bool mOwnsInit = false;
  std::string mLibrary;
};

}  // namespace

bool mpiBuilt() { return true; }

std::unique_ptr<Communicator> openMpi(int* argc, char*** argv) {
  return std::make_unique<MpiCommunicator>(argc, argv);
}

}  // namespace moe::core
