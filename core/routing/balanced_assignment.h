#pragma once
/** @file Exact balanced assignment of rows to experts (BASE layers, Lewis et al. 2021). */
#include <vector>

namespace moe::core {

/**
 * Assigns each of `rows` rows to one of `experts` experts, at most `capacity` rows each
 * (rows <= experts * capacity), maximising the total score sum_r score[r, a(r)]: a min-cost
 * transportation problem, solved exactly by successive shortest paths (rows added one at a
 * time; each takes the cheapest chain of moves that ends at an expert with room, found by
 * Bellman-Ford over the experts). Deterministic: ties go to the lower expert index.
 * `score` is rows x experts, row-major. Returns the expert of each row.
 */
std::vector<int> balancedAssignment(const float* score, int rows, int experts, int capacity);

}  // namespace moe::core
