#include "ui/markerlayout.h"

#include <algorithm>
#include <climits>
#include <numeric>

namespace moe::ui {

std::vector<MarkerPlace> layoutMarkerLabels(const std::vector<MarkerBox>& markers, const QRect& area) {
  constexpr int kGap = 4;  // pixels between a label and its line, and between two labels
  std::vector<MarkerPlace> places(markers.size());
  int height = 0;
  for (const MarkerBox& m : markers) height = std::max(height, m.height);
  if (markers.empty() || height <= 0 || area.width() <= 2 * kGap) return places;
  // The labels may take the top three quarters of the axes: the curves keep the rest.
  const int rows = std::max(1, (area.height() * 3 / 4) / (height + 2));
  std::vector<int> rowEnd(std::size_t(rows), INT_MIN);  // right edge of each row's last label
  std::vector<std::size_t> order(markers.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return markers[a].x < markers[b].x; });
  for (std::size_t i : order) {
    const MarkerBox& m = markers[i];
    if (m.x < area.left() || m.x > area.right()) continue;  // scrolled out of view
    const int width = std::min(m.width, area.width() - 2 * kGap);
    int left = int(m.x) + kGap;
    if (left + width > area.right() - kGap) left = int(m.x) - kGap - width;  // flip left of its line
    left = std::clamp(left, area.left() + kGap, area.right() - kGap - width);
    for (int row = 0; row < rows; ++row) {
      if (rowEnd[std::size_t(row)] != INT_MIN && rowEnd[std::size_t(row)] + kGap > left) continue;
      places[i].shown = true;
      places[i].box = QRect(left, area.top() + 2 + row * (height + 2), width, m.height);
      rowEnd[std::size_t(row)] = left + width;
      break;
    }
  }
  return places;
}

}  // namespace moe::ui
