#pragma once
/** @file The collectives expert parallelism needs, behind an interface so that core compiles
 *  without MPI: Open MPI's implementation (mpi_communicator.cpp, built when CMake finds MPI)
 *  and a single-process one (the same code path with one rank, for tests and for builds
 *  without MPI). */
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>

namespace moe::core {

/** Expert parallelism is unavailable or was asked for something it cannot do; what() says
 *  which and what to do. */
class ParallelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/**
 * A group of ranks. Every call is collective: all ranks make it, in the same order, with
 * counts that agree (rank i's sendCounts[j] == rank j's recvCounts[i]).
 */
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /** all = every rank's `mine`, concatenated in rank order; counts[i] = elements of rank i. */
  virtual void allgatherv(std::span<const float> mine, std::span<float> all,
                          std::span<const int> counts) = 0;
  virtual void allgatherv(std::span<const double> mine, std::span<double> all,
                          std::span<const int> counts) = 0;
  /** Sends sendCounts[i] floats (consecutive in `send`, by rank) to rank i and receives
   *  recvCounts[i] floats from rank i into `recv` (by rank): MPI_Alltoallv. */
  virtual void alltoallv(std::span<const float> send, std::span<const int> sendCounts,
                         std::span<float> recv, std::span<const int> recvCounts) = 0;
  /** Sums `data` over the ranks in rank order (0 + 1 + ...), in double, so every rank gets
   *  the same bits whatever algorithm the library would have picked for an all-reduce. */
  virtual void sum(std::span<double> data) = 0;
  /** The library and its version, for reports ("Open MPI v4.1.4", "single process"). */
  virtual const char* library() const = 0;
  /** Ends every rank's process with `code` (MPI_Abort): for a failure that may have left the
   *  other ranks waiting in a collective. */
  virtual void abort(int code) = 0;
};

/** One rank: every collective is a copy. */
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allgatherv(std::span<const float> mine, std::span<float> all,
                  std::span<const int>) override;
  void allgatherv(std::span<const double> mine, std::span<double> all,
                  std::span<const int>) override;
  void alltoallv(std::span<const float> send, std::span<const int>, std::span<float> recv,
                 std::span<const int>) override;
  void sum(std::span<double>) override {}
  const char* library() const override { return "single process"; }
  void abort(int code) override;
};

/** True when this build links MPI (CMake found it). */
bool mpiBuilt();
/**
 * Initialises MPI (MPI_Init) and returns the world communicator; MPI_Finalize runs when it
 * is destroyed. Throws ParallelError when this build has no MPI, naming the packages.
 */
std::unique_ptr<Communicator> openMpi(int* argc, char*** argv);

}  // namespace moe::core
