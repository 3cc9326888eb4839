#pragma once
#include <vector>

#include <QRect>

namespace moe::ui {

/** A marker's line (pixel x) and the size of its label, in pixels. */
struct MarkerBox {
  double x = 0.0;
  int width = 0;
  int height = 0;
};

/** Where a marker's label goes: shown or not, its box (width may be less than asked: the
 *  label is then elided to it). */
struct MarkerPlace {
  bool shown = false;
  QRect box;
};

/**
 * Places marker labels inside area so that none overlaps another or leaves the area: each
 * label sits beside its line (to the right, or to the left where the right edge would cut it),
 * on the highest row that is free there; a label wider than the area is shortened to it, and
 * one with no free row (markers too dense for the zoom) is not shown, its line stays.
 */
std::vector<MarkerPlace> layoutMarkerLabels(const std::vector<MarkerBox>& markers, const QRect& area);

}  // namespace moe::ui
