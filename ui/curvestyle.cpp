#include "ui/curvestyle.h"

#include <QObject>

#include "ui/palette.h"

namespace moe::ui {

using core::MetricDef;
using core::MetricGroup;
using core::MetricScope;

QColor curveColor(const MetricDef& def, core::QualityMetric quality) {
  static const QColor neutral(40, 40, 40);
  if (def.has(core::kAggregate)) return neutral;
  int index = 0;
  for (const MetricDef& d : core::metricTable()) {
    if (&d == &def) break;
    if (d.group == def.group && d.recordedFor(quality) && !d.perExpert() &&
        !d.has(core::kAggregate))
      ++index;
  }
  return categoryColor(index);
}

QString curveName(const MetricDef& def) {
  if (def.group == MetricGroup::Loss || def.group == MetricGroup::Quality)
    return def.scope == MetricScope::Step ? QObject::tr("train (smoothed)") : QObject::tr("test");
  const QString label = QString::fromUtf8(def.label);
  if (*def.unit == '\0' || def.has(core::kRightAxis)) return label;
  return label + QStringLiteral(" (") + QString::fromUtf8(def.unit) + ')';
}

QString capitalized(QString s) {
  if (!s.isEmpty()) s[0] = s[0].toUpper();
  return s;
}

}  // namespace moe::ui
