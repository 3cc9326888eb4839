#pragma once
#include <vector>

#include <QPointF>
#include <QRect>
#include <QSize>

namespace moe::ui {

/** A labelled point of a scatter plot, in pixels: where it is, the half-size of its marker and
 *  the size of its label. */
struct PointLabel {
  QPointF at;
  int radius = 5;
  QSize size;
};

/** Where a point's label goes: shown or not (no free place near its point), and its box. */
struct PointLabelPlace {
  bool shown = false;
  QRect box;
};

/**
 * Places the labels of a scatter plot so that a teacher can read every label that is drawn:
 * none overlaps another label, a point's marker, an obstacle (error bars) or the edge of the
 * area. Each label tries the places around its own point (right, left, above, below, then the
 * four diagonals, then right and left a line higher or lower), in the order the labels are
 * given (the caller puts the most important first); one with no free place is not shown (its
 * point stays, and its text is in the hover and the table).
 */
std::vector<PointLabelPlace> layoutPointLabels(const std::vector<PointLabel>& labels,
                                               const std::vector<QRect>& obstacles, const QRect& area);

}  // namespace moe::ui
