#include "ui/pointlabels.h"

#include <cmath>

namespace moe::ui {

std::vector<PointLabelPlace> layoutPointLabels(const std::vector<PointLabel>& labels,
                                               const std::vector<QRect>& obstacles, const QRect& area) {
  constexpr int kGap = 3;  // pixels between a label and its marker
  std::vector<QRect> taken = obstacles;
  for (const PointLabel& l : labels) {
    const QPoint c = l.at.toPoint();
    taken.emplace_back(c.x() - l.radius, c.y() - l.radius, 2 * l.radius + 1, 2 * l.radius + 1);
  }
  std::vector<PointLabelPlace> places(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const PointLabel& l = labels[i];
    const int w = l.size.width(), h = l.size.height();
    if (w <= 0 || h <= 0 || !area.contains(l.at.toPoint())) continue;
    const int x = int(std::lround(l.at.x())), y = int(std::lround(l.at.y()));
    const int off = l.radius + kGap;
    // Top-left corners, nearest first.
    const QPoint candidates[] = {
        {x + off, y - h / 2},         {x - off - w, y - h / 2},     {x - w / 2, y - off - h},
        {x - w / 2, y + off},         {x + off, y - off - h + 2},   {x + off, y + off - 2},
        {x - off - w, y - off - h + 2}, {x - off - w, y + off - 2}, {x + off, y - h / 2 - h - 1},
        {x + off, y + h / 2 + 1},     {x - off - w, y - h / 2 - h - 1}, {x - off - w, y + h / 2 + 1}};
    for (const QPoint& corner : candidates) {
      const QRect box(corner, QSize(w, h));
      if (!area.contains(box)) continue;
      bool free = true;
      for (const QRect& t : taken)
        if (t.intersects(box)) {
          free = false;
          break;
        }
      if (!free) continue;
      places[i] = {true, box};
      taken.push_back(box);
      break;
    }
  }
  return places;
}

}  // namespace moe::ui
