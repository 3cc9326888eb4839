#include "core/routing/balanced_assignment.h"

#include <limits>
#include <stdexcept>

namespace moe::core {

std::vector<int> balancedAssignment(const float* score, int rows, int experts, int capacity) {
  if (rows > experts * capacity)
    throw std::invalid_argument("balancedAssignment: " + std::to_string(rows) + " rows do not fit " +
                                std::to_string(experts) + " experts of capacity " +
                                std::to_string(capacity));
  const std::size_t E = std::size_t(experts);
  auto s = [&](int r, std::size_t e) { return double(score[std::size_t(r) * E + e]); };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<int> assigned(static_cast<std::size_t>(rows), -1), count(E, 0);
  // move[a][b]: the cheapest row to move from expert a to expert b, and what it costs (the
  // score it loses); kept up to date as rows are added.
  std::vector<double> moveCost(E * E, kInf);
  std::vector<int> moveRow(E * E, -1);
  std::vector<double> dist(E);
  std::vector<int> pred(E);
  auto refreshMoves = [&](std::size_t a) {  // after expert a's rows changed
    for (std::size_t b = 0; b < E; ++b) {
      moveCost[a * E + b] = kInf;
      moveRow[a * E + b] = -1;
    }
    for (int r = 0; r < rows; ++r) {
      if (assigned[std::size_t(r)] != int(a)) continue;
      for (std::size_t b = 0; b < E; ++b) {
        const double c = s(r, a) - s(r, b);
        if (b != a && c < moveCost[a * E + b]) {
          moveCost[a * E + b] = c;
          moveRow[a * E + b] = r;
        }
      }
    }
  };
  for (int r0 = 0; r0 < rows; ++r0) {
    for (std::size_t e = 0; e < E; ++e) {
      dist[e] = -s(r0, e);
      pred[e] = -1;
    }
    // Bellman-Ford over the experts (no negative cycles: each step so far was optimal).
    for (std::size_t pass = 0; pass + 1 < E; ++pass) {
      bool changed = false;
      for (std::size_t a = 0; a < E; ++a)
        for (std::size_t b = 0; b < E; ++b)
          if (moveRow[a * E + b] >= 0 && dist[a] + moveCost[a * E + b] < dist[b] - 1e-12) {
            dist[b] = dist[a] + moveCost[a * E + b];
            pred[b] = int(a);
            changed = true;
          }
      if (!changed) break;
    }
    std::size_t target = E;
    for (std::size_t e = 0; e < E; ++e)
      if (count[e] < capacity && (target == E || dist[e] < dist[target])) target = e;
    // Walk back: each expert on the chain hands one row on, the first takes r0.
    ++count[target];
    std::vector<std::size_t> touched{target};
    std::size_t b = target;
    for (std::size_t guard = 0; pred[b] >= 0 && guard < E; ++guard) {
      const std::size_t a = std::size_t(pred[b]);
      assigned[std::size_t(moveRow[a * E + b])] = int(b);
      touched.push_back(a);
      b = a;
    }
    assigned[std::size_t(r0)] = int(b);
    for (std::size_t e : touched) refreshMoves(e);
  }
  return assigned;
}

}  // namespace moe::core
