#include "core/parallel/communicator.h"

#include <algorithm>

namespace moe::core {

void SingleProcess::allgatherv(std::span<const float> mine, std::span<float> all,
                               std::span<const int>) {
  std::copy(mine.begin(), mine.end(), all.begin());
}

void SingleProcess::allgatherv(std::span<const double> mine, std::span<double> all,
                               std::span<const int>) {
  std::copy(mine.begin(), mine.end(), all.begin());
}

void SingleProcess::alltoallv(std::span<const float> send, std::span<const int>,
                              std::span<float> recv, std::span<const int>) {
  std::copy(send.begin(), send.end(), recv.begin());
}

void SingleProcess::abort(int code) { std::exit(code); }

}  // namespace moe::core
