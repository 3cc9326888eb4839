#include "core/task/offset_routing.h"

#include "core/routing/routing_stats.h"

namespace moe::core {

void offsetAnalysis(const Dataset& data, const std::vector<std::int32_t>& firstExpert,
                    EvalReport& report) {
  const int cells = data.offsetGrid * data.offsetGrid, E = report.experts, k = report.k;
  const std::size_t rows = std::size_t(data.rows());
  if (cells <= 0 || E <= 0 || data.offsetCells.size() != rows || firstExpert.size() != rows)
    return;
  report.offsets = cells;
  report.offsetExpert.assign(std::size_t(cells) * std::size_t(E), 0);
  std::vector<std::int64_t> joint(std::size_t(cells) * std::size_t(E), 0);
  for (std::size_t r = 0; r < rows; ++r) {
    const int cell = data.offsetCells[r];
    if (cell < 0 || cell >= cells) continue;
    for (int j = 0; j < k && r * std::size_t(k) + std::size_t(j) < report.topExperts.size(); ++j) {
      const int e = report.topExperts[r * std::size_t(k) + std::size_t(j)];
      if (e >= 0 && e < E) ++report.offsetExpert[std::size_t(cell) * std::size_t(E) + std::size_t(e)];
    }
    if (firstExpert[r] >= 0 && firstExpert[r] < E)
      ++joint[std::size_t(cell) * std::size_t(E) + std::size_t(firstExpert[r])];
  }
  report.offsetMutualInformation = mutualInformation(joint, cells, E);
}

}  // namespace moe::core
