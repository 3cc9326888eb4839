#pragma once
/** @file How the training panel names and colours a metric's curve. */
#include <QColor>
#include <QString>

#include "core/train/metric_table.h"

namespace moe::ui {

/** A curve's colour: totals and counts neutral, the others by their place among their group's
 *  other rows in the table, so a curve keeps its colour whichever rows are plotted. */
QColor curveColor(const core::MetricDef& def, core::QualityMetric quality);

/** Loss and quality plots show one quantity on two splits: their curves are named by split;
 *  the others by label (and unit). */
QString curveName(const core::MetricDef& def);

/** `s` with its first letter in upper case. */
QString capitalized(QString s);

}  // namespace moe::ui
