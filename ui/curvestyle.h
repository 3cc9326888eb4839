#pragma once
#include <QColor>
#include <QString>

#include "core/train/metric_table.h"

namespace moe::ui {

/** A curve's colour: totals and counts neutral, the others by their place among their
 *  group's other rows in the metric table, so a curve keeps its colour whichever rows are
 *  plotted. */
QColor curveColor(const core::MetricDef& def, core::QualityMetric quality);
/** A curve's legend name: loss and quality curves by split ("train (smoothed)", "test"),
 *  the others by label and unit. */
QString curveName(const core::MetricDef& def);
/** s with its first letter upper-case. */
QString capitalized(QString s);

}  // namespace moe::ui
