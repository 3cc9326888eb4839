#pragma once
/** @file The playground's pictures of a PlaneProbe (core/train/plane_probe.h): the gate's
 *  regions, the combined prediction and one expert's own prediction as images (one pixel per
 *  grid cell, row 0 at the top), and the class markers drawn on top of them. */
#include <QColor>
#include <QImage>
#include <QLineF>
#include <QPainter>
#include <vector>

#include "core/train/plane_probe.h"

namespace moe::ui {

/** A class's colour in the playground (dark, saturated: it stays readable over the experts'
 *  light region tints). */
QColor playgroundClassColor(int cls);

/** The expert's region tint: its colour (ui/palette.h) mixed with white, stronger where the gate
 *  is surer (gate probability of the chosen expert in [0, 1]). */
QColor regionColor(int expert, float gate);

/** One pixel per cell: the colour of the gate's first choice (light grey where none). */
QImage regionImage(const core::PlaneProbe& probe);

/** hme: one pixel per cell, the node at `level` (1 .. probe.treeDepth) on the cell's most likely
 *  path, in the colour of its first leaf (so a region keeps its colour one level down and its
 *  split shows as the new colours of its other children), stronger where its gate mass is. */
QImage levelImage(const core::PlaneProbe& probe, int level);

/** hme: where the node at `level` changes between neighbouring cells, as segments along the
 *  cells' shared edges in plane coordinates (the borders of that level's regions). */
std::vector<QLineF> levelBorders(const core::PlaneProbe& probe, int level);

/** The combined prediction: classification blends the class colours by probability (white
 *  where unsure); regression maps the value from [lo, hi] onto blue - white - red. */
QImage predictionImage(const core::PlaneProbe& probe, float lo = -1.0f, float hi = 1.0f);

/** Expert e's own prediction, as predictionImage; a null image when the probe has none. */
QImage expertImage(const core::PlaneProbe& probe, int expert, float lo = -1.0f, float hi = 1.0f);

/** The value colour of regression pictures: blue (lo) - white - red (hi). */
QColor valueColor(float v, float lo, float hi);

/** Draws one data point at `at` as the class's marker (circle, square, triangle, diamond,
 *  ... by class), filled with its colour, outlined in white then black, `size` pixels across. */
void drawClassMarker(QPainter& p, QPointF at, int cls, double size);

}  // namespace moe::ui
